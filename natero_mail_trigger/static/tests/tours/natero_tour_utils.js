/**
 * Helpers for the addons' tours.
 *
 * screenshot(name): a tour step that saves docs/screens/<name>.png when
 * setup/screenshots runs the tours (it sets the cookie natero_screenshots=1
 * and takes the picture when the step logs "natero-screenshot <name>"), and
 * does nothing in an ordinary test run.  Another addon's tour may copy this
 * function: the contract is the cookie, the log line and
 * window.nateroScreenshotsTaken, not this module.
 */
export function screenshot(name, trigger = ".o_action_manager") {
    return {
        content: `Screenshot ${name} (setup/screenshots)`,
        trigger,
        async run() {
            if (!document.cookie.split("; ").includes("natero_screenshots=1")) {
                return;
            }
            // Let the last render and transitions settle before the picture.
            await new Promise((resolve) => setTimeout(resolve, 300));
            console.info(`natero-screenshot ${name}`);
            for (let i = 0; i < 200; i++) {
                if ((window.nateroScreenshotsTaken || []).includes(name)) {
                    return;
                }
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
            throw new Error(`no screenshot ${name} was taken`);
        },
    };
}

/**
 * An email trigger created through its four steps (message, rule, controls,
 * activation) as its author would, and a trigger's details page (issue 13).
 * Run by tests/test_trigger_tours.py (HttpCase.start_tour), which makes their
 * data and checks the saved body and the rendered email afterwards.
 */
import {registry} from "@web/core/registry";
import {screenshot} from "./natero_tour_utils";

const BODY = "div[name=body_html] .odoo-editor-editable";

/** Select the text `word` of the body editor (first occurrence). */
function selectWord(word) {
    const editable = document.querySelector(BODY);
    const walker = document.createTreeWalker(editable, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const index = node.textContent.indexOf(word);
        if (index >= 0) {
            const range = document.createRange();
            range.setStart(node, index);
            range.setEnd(node, index + word.length);
            const selection = editable.ownerDocument.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return;
        }
    }
    throw new Error(`"${word}" is not in the body`);
}

/** Type `text` where the selection is, as the browser does for a key press. */
function typeText(text) {
    document.querySelector(BODY).focus();
    document.execCommand("insertText", false, text);
}

/** Replace the word `word` of the body by `text`, as a user retyping it. */
function retype(word, text) {
    return {
        content: `Retype "${word}" as "${text}" in the body`,
        trigger: `${BODY}:contains(${word})`,
        run() {
            selectWord(word);
            typeText(text);
        },
    };
}

function save(content) {
    return [
        {content, trigger: ".o_form_button_save", run: "click"},
        {content: "Saved", trigger: ".o_form_saved"},
    ];
}

registry.category("web_tour.tours").add("natero_trigger_create", {
    url: "/odoo/action-natero_mail_trigger.natero_trigger_action",
    steps: () => [
        {content: "New trigger", trigger: ".o_list_button_add", run: "click"},
        {
            content: "Name it",
            trigger: "div[name=name] input",
            run: "edit Welcome tip",
        },
        // ---- step 1: the message
        {
            content: "The subject is labelled, full width",
            trigger:
                ".o_inner_group:has(label:contains(Subject)) div[name=subject] input",
            run: "edit A tip for you",
        },
        {
            content:
                "The body is labelled and bordered; its variable shows its default",
            trigger:
                "label.o_form_label:contains(Body) + div[name=body_html].oe-bordered-editor t[t-out='object.name']:contains(there)",
        },
        {
            content: "Write a sentence, then type '/' in its middle",
            trigger: `${BODY} > div > p:nth-child(2)`,
            async run(actions) {
                await actions.editor("Your role: , welcome aboard.");
                const text = this.anchor.firstChild;
                const range = document.createRange();
                range.setStart(text, "Your role: ".length);
                range.collapse(true);
                const selection = document.getSelection();
                selection.removeAllRanges();
                selection.addRange(range);
                // the keystroke's beforeinput (execCommand sends only input)
                this.anchor.dispatchEvent(
                    new InputEvent("beforeinput", {
                        inputType: "insertText",
                        data: "/",
                        bubbles: true,
                        cancelable: true,
                    })
                );
                typeText("/");
            },
        },
        {
            content: "The '/' menu offers the dynamic placeholder tool",
            trigger: ".o-we-powerbox .o-we-command:contains(Dynamic Placeholder)",
            run: "click",
        },
        {
            content: "Search the recipient's fields",
            trigger: ".o_model_field_selector_popover_search input",
            run: "edit Job",
        },
        {
            content: "Choose Job Position",
            trigger:
                ".o_model_field_selector_popover li[data-name=function] .o_model_field_selector_popover_item_name",
            run: "click",
        },
        {
            content: "Give it a default text",
            trigger: ".o_model_field_selector_default_value_input input",
            run: "edit a valued user",
        },
        {
            content: "Insert it",
            trigger:
                ".o_model_field_selector_popover button.btn-primary:contains(Insert)",
            run: "click",
        },
        {
            content:
                "The placeholder is in the body, with its default text, and the words after it stay outside it",
            trigger: `${BODY} p:has(t[t-out='object.function']:contains(a valued user)):contains(welcome aboard)`,
            run() {
                const placeholder = this.anchor.querySelector(
                    "t[t-out='object.function']"
                );
                if (
                    placeholder.textContent !== "a valued user" ||
                    !this.anchor.textContent.startsWith(
                        "Your role: a valued user, welcome"
                    )
                ) {
                    throw new Error(`unexpected body: ${this.anchor.innerHTML}`);
                }
            },
        },
        {
            content: "Show the subject and the body",
            trigger: "div[name=subject]",
            run() {
                this.anchor.scrollIntoView({block: "start"});
            },
        },
        screenshot("trigger-message"),
        ...save("Save the trigger"),
        retype("Hello", "Hi"),
        ...save("Save it again after editing another word"),
        {
            content: "Both placeholders are still there after saving",
            trigger: `${BODY}:contains(Hi)`,
            run() {
                const html = this.anchor.innerHTML;
                const name = this.anchor.querySelector("t[t-out='object.name']");
                const role = this.anchor.querySelector("t[t-out='object.function']");
                if (
                    name?.textContent !== "there" ||
                    role?.textContent !== "a valued user" ||
                    !role.parentElement.textContent.includes(
                        "a valued user, welcome aboard."
                    )
                ) {
                    throw new Error(`placeholders lost on saving: ${html}`);
                }
            },
        },
        retype("welcome", "glad to have you"),
        ...save("And once more"),
        // ---- step 2: the rule
        {
            content: "Open the rule",
            trigger: ".o_notebook_headers a[name=rule]",
            run: "click",
        },
        {
            content: "Nobody is a candidate while no type of users is checked",
            trigger: "div[name=candidates]:contains(0 contacts match)",
        },
        {
            content: "Include product users",
            trigger: "div[name=include_product_users] input",
            run: "click",
        },
        {
            content: "The rule editor counts the real candidates",
            trigger: "div[name=candidates]:contains(2 contacts match)",
        },
        {
            content: "Re-check rules at send time is not in the account rule",
            trigger:
                ".o_inner_group:has(.o_horizontal_separator:contains(At send time)) div[name=recheck_rules_at_send]",
        },
        {
            content: "Show the count with the boxes",
            trigger: "div[name=candidates]",
            run() {
                this.anchor.scrollIntoView({block: "start"});
            },
        },
        screenshot("trigger-rule"),
        // ---- step 3: the controls
        {
            content: "Open the controls",
            trigger: ".o_notebook_headers a[name=controls]",
            run: "click",
        },
        {
            content: "Never re-trigger",
            trigger: ".o_form_label:contains(Never re-trigger)",
        },
        {
            content: "Send only once to each user",
            trigger: "div[name=never_retrigger] input",
            run: "click",
        },
        // ---- preview and test
        {
            content: "Preview the email",
            trigger: "button[name=action_open_preview]",
            run: "click",
        },
        {
            content: "It opens on the first recipient, rendered",
            trigger: ".modal div[name=partner_id] input:value(Ada Admin)",
        },
        {
            content: "The variables are the recipient's values",
            trigger: ".modal div[name=body_html] iframe",
            run() {
                // the readonly body is shown in an iframe (cssReadonly)
                const body = this.anchor.contentDocument?.body;
                const text = (body?.textContent || "").replace(/\s+/g, " ");
                if (
                    !text.includes("Hi Ada Admin,") ||
                    !text.includes("Your role: CTO, glad to have you aboard.")
                ) {
                    throw new Error(`preview: ${text}`);
                }
            },
        },
        screenshot("trigger-preview", ".modal .o_form_view"),
        {
            content: "Send a test to me",
            trigger: ".modal button[name=action_send_test]",
            run: "click",
        },
        {
            content: "The real outcome is reported",
            trigger: ".o_notification:contains(Test email sent to)",
        },
        // ---- step 4: activation
        {
            content: "Activate",
            trigger: "button[name=action_activate]",
            run: "click",
        },
        {
            content: "Active, with its next generate time",
            trigger:
                ".o_statusbar_status button.o_arrow_button_current:contains(Active)",
        },
        {
            content: "Next generate is labelled so",
            trigger: ".o_form_label:contains(Next generate)",
        },
        screenshot("trigger-controls"),
        {
            content: "Open its details",
            trigger: ".o_statusbar_buttons button[name=action_open_details]",
            run: "click",
        },
        {
            content: "The breadcrumbs keep the trigger's name",
            trigger:
                ".o_breadcrumb:contains(Welcome tip):contains(Details of Welcome tip)",
        },
        {
            content: "The cards are there, nothing sent yet",
            trigger: ".o_natero_card[data-measure=recipients]:contains(0)",
        },
        {
            content: "And the next send",
            trigger:
                ".o_inner_group:has(.o_horizontal_separator:contains(Next send)) div[name=upcoming_send_at]",
        },
    ],
});

registry.category("web_tour.tours").add("natero_trigger_details", {
    url: "/odoo/action-natero_mail_trigger.natero_trigger_action",
    steps: () => [
        {
            content: "The 30-day recipients header is whole",
            trigger: "th[data-name=recipients_30d]",
            run() {
                const label = this.anchor.querySelector(".o_column_title, span");
                if (label && label.scrollWidth > label.clientWidth + 1) {
                    throw new Error("the header 30-day recipients is cut off");
                }
            },
        },
        screenshot("trigger-list"),
        {
            content: "Open the details of Onboarding tips",
            trigger:
                ".o_data_row:contains(Onboarding tips) button[name=action_open_details]",
            run: "click",
        },
        {
            content: "Cards: recipients",
            trigger: ".o_natero_card[data-measure=recipients]:contains(6)",
        },
        {
            content: "Cards: CTR with its percent sign",
            trigger: ".o_natero_card[data-measure=ctr]:contains(%)",
        },
        {
            content: "A chart of several measures",
            trigger: ".o_natero_chart canvas",
        },
        {
            content: "The table has percent signs",
            trigger: "div[name=stat_ids] td[name=ctr]:contains(%)",
        },
        {
            content: "And headers that are not cut off",
            trigger: "div[name=stat_ids] th[data-name=ctr]",
            run() {
                for (const th of document.querySelectorAll("div[name=stat_ids] th")) {
                    const title = th.querySelector(".o_column_title, span");
                    if (title && title.scrollWidth > title.clientWidth + 1) {
                        throw new Error(`header cut off: ${th.textContent}`);
                    }
                }
            },
        },
        screenshot("trigger-details"),
        {
            content: "Scroll to the next send and the daily table",
            trigger: ".o_form_sheet .o_horizontal_separator:contains(Next send)",
            run() {
                this.anchor.scrollIntoView({block: "start"});
            },
        },
        screenshot("trigger-details-table"),
        {
            content: "The failed card opens its recipients",
            trigger: ".o_natero_card[data-measure=failed]",
            run: "click",
        },
        {
            content: "With the failure reason",
            trigger:
                ".o_list_view td[name=failure_reason]:contains(Connection refused)",
        },
        {
            content: "Breadcrumbs keep the trigger's name",
            trigger:
                ".o_breadcrumb:contains(Details of Onboarding tips):contains(Failed: Onboarding tips)",
        },
        screenshot("trigger-failed"),
    ],
});

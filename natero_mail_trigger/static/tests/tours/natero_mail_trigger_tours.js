/**
 * Screens of natero_mail_trigger, walked as a user would (issue 13).
 * Run by tests/test_tours.py (HttpCase.start_tour), which makes their data.
 */
import { registry } from "@web/core/registry";
import { screenshot } from "./natero_tour_utils";

registry.category("web_tour.tours").add("natero_mail_trigger_settings", {
    url: "/odoo/action-natero_mail_trigger.natero_trigger_settings_action",
    steps: () => [
        {
            content: "Email triggers has its own settings page",
            trigger: ".app_settings_block[data-key=natero_mail_trigger] h2:contains(Product users)",
        },
        {
            content: "Inactive after N days, with its unit",
            trigger: "#natero_inactive_days:contains(Inactive after):contains(days) input",
        },
        screenshot("trigger-settings"),
        {
            content: "Email log's page is beside it",
            trigger: ".settings_tab .tab[data-key=natero_mail_log] + .tab[data-key=natero_mail_trigger]",
        },
    ],
});

/**
 * The main flows of natero_mail_log, walked as a user would (issue 13).
 * Run by tests/test_tours.py (HttpCase.start_tour), which makes their data.
 *
 * Steps built by `screenshot(name)` save docs/screens/<name>.png when
 * setup/screenshots runs the tours, and do nothing otherwise.
 */
import { registry } from "@web/core/registry";
import { screenshot } from "./natero_tour_utils";

const tours = registry.category("web_tour.tours");

tours.add("natero_mail_log_copy_org_address", {
    url: "/odoo/action-natero_mail_log.natero_mail_log_settings_action",
    steps: () => [
        {
            content: "The organisation's log address is shown whole",
            trigger: ".o_natero_log_org_address:contains(log@natero-tour.example)",
        },
        {
            content: "Record what the copy button puts on the clipboard",
            trigger: ".o_natero_log_org_address .o_clipboard_button",
            run() {
                // Headless Chromium refuses clipboard access to a page without
                // a user gesture permission: keep what the button copies.
                navigator.clipboard.writeText = async (text) => {
                    document.body.dataset.nateroCopied = text;
                };
            },
        },
        screenshot("settings"),
        {
            content: "Copy the organisation's log address",
            trigger: ".o_natero_log_org_address .o_clipboard_button",
            run: "click",
        },
        {
            content: "The address is on the clipboard",
            trigger: "body[data-natero-copied='log@natero-tour.example']",
        },
        {
            content: "The size limits are in MB",
            trigger: "div[name=natero_log_max_body_mb] input:value(2.00)",
        },
        {
            content: "Free-mail domains have their own heading",
            trigger: "h3.o_setting_tip:contains(belong to people)",
        },
    ],
});

tours.add("natero_mail_log_rotate_address", {
    url: "/odoo",
    steps: () => [
        {
            content: "Open the user menu",
            trigger: ".o_user_menu button",
            run: "click",
        },
        {
            // The item that opens the user's own form in a dialog (res.users
            // action_get): "Preferences" (id settings) on 18.0, "My Preferences"
            // (id preferences) on 19.0; see compat.py.
            content: "Open My Profile",
            trigger: "[data-menu=settings], [data-menu=preferences]",
            run: "click",
        },
        {
            content: "Open the Email log tab",
            trigger: ".modal .o_notebook a:contains(Email log)",
            run: "click",
        },
        {
            content: "The connected addresses have a heading",
            trigger: ".modal .o_horizontal_separator:contains(Connected addresses)",
        },
        {
            content: "Add a connected address",
            trigger: ".modal div[name=natero_log_sender_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Type the address",
            trigger: ".modal div[name=natero_log_sender_ids] .o_selected_row div[name=email] input",
            run: "edit sam.private@home.example",
        },
        {
            content: "Connected on is read-only for a salesperson",
            trigger:
                ".modal div[name=natero_log_sender_ids] .o_selected_row .o_readonly_modifier[name=connected_at]",
        },
        {
            content: "Remember the current personal address",
            trigger: ".modal div[name=natero_log_address] span:contains(log+)",
            run() {
                document.body.dataset.nateroOldAddress = this.anchor.textContent.trim();
            },
        },
        screenshot("my-profile", ".modal .o_form_view"),
        {
            content: "Ask for a new personal address",
            trigger: ".modal .o_natero_log_rotate",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button:contains(New address)",
            run: "click",
        },
        {
            content: "Say that the new address is ready",
            trigger: ".o_notification:contains(New address ready)",
        },
        {
            content: "The dialog stays open, with the new address and the saved row",
            trigger:
                ".modal div[name=natero_log_sender_ids] td:contains(sam.private@home.example)",
            run() {
                const shown = document
                    .querySelector(".modal div[name=natero_log_address] span")
                    .textContent.trim();
                if (!shown.includes("log+") || shown === document.body.dataset.nateroOldAddress) {
                    throw new Error(`the personal address did not change: ${shown}`);
                }
            },
        },
        {
            // The New address button saved the record (the step above sees the
            // saved row; the test checks the database): close without saving
            // again.  The footer's save button reloads the whole page on 19.0
            // (which a tour step must then expect, an option 18.0 lacks); its
            // Cancel / Discard button (label per series) has the same name on both.
            content: "Close My Profile",
            trigger: ".modal-footer button[name=preference_cancel]",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal))",
        },
    ],
});

tours.add("natero_mail_log_read_email", {
    url: "/odoo/action-natero_mail_log.natero_mail_log_action",
    steps: () => [
        {
            content: "No column header or state is cut off",
            trigger: ".o_list_view .o_data_row td[name=state]:contains(Unassigned)",
            run() {
                const cut = [
                    ...document.querySelectorAll(
                        ".o_list_view thead th .text-truncate, .o_list_view td[name=state] span"
                    ),
                ].filter((el) => el.scrollWidth > el.clientWidth + 1);
                if (cut.length) {
                    throw new Error(`cut off: ${cut.map((el) => el.textContent).join(", ")}`);
                }
            },
        },
        screenshot("email-log-list"),
        {
            content: "Open the logged email",
            trigger: ".o_data_row td[name=subject]:contains(Office chairs offer)",
            run: "click",
        },
        {
            content: "The status bar shows the real path",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Logged)",
        },
        {
            content: "The Email tab shows the headers",
            trigger: ".o_natero_log_email_headers:contains(bob@acme.example)",
        },
        {
            content: "... and the body, sanitised, as chatter shows it",
            trigger: ".o_natero_log_body:contains(Here is our offer for 40 chairs)",
        },
        {
            content: "No script of the email survives",
            trigger: ".o_natero_log_body:not(:has(script))",
        },
        {
            content: "The attribution rule in words",
            trigger: "div[name=attribution_text]:contains(login or email)",
        },
        screenshot("email-log-form"),
        {
            content: "Open the tab of the records it is logged on",
            trigger: ".o_notebook a:contains(Logged on)",
            run: "click",
        },
        {
            content: "ACME is a target",
            trigger: "div[name=partner_ids] .o_tag:contains(ACME)",
        },
    ],
});

tours.add("natero_mail_log_company_emails", {
    url: "/odoo/contacts",
    steps: () => [
        {
            content: "Open ACME",
            // Contacts opens in kanban on 18.0 and in list on 19.0: click the
            // card or the name cell (a click on the row element itself, i.e.
            // its middle, did not open the record on 19.0).
            trigger:
                ".o_kanban_record:contains(ACME), .o_data_row td.o_data_cell:contains(ACME)",
            run: "click",
        },
        {
            content: "Open its logged emails: each once, though on ACME and on Bob",
            trigger: "button[name=action_natero_log_messages]:contains(1)",
            run: "click",
        },
        screenshot("logged-emails"),
        {
            content: "One row",
            trigger: ".o_list_view:not(:has(.o_data_row + .o_data_row)) .o_data_row",
        },
        {
            content: "Open the email",
            trigger: ".o_data_row td[name=subject]:contains(Office chairs offer)",
            run: "click",
        },
        {
            content: "A read-only view of the email, with its body",
            trigger: ".o_form_readonly .o_natero_log_body:contains(Here is our offer)",
        },
        screenshot("logged-email"),
        {
            content: "No New button",
            trigger: ".o_control_panel:not(:has(.o_form_button_create))",
        },
        {
            content: "Open the record it is on",
            trigger: "button[name=action_natero_open_record]",
            run: "click",
        },
        {
            content: "The contact's form",
            trigger: ".o_form_view div[name=name] input:value(ACME)",
        },
    ],
});

tours.add("natero_mail_log_link_unassigned", {
    url: "/odoo/action-natero_mail_log.natero_mail_log_unassigned_action",
    steps: () => [
        {
            content: "Open the unassigned email",
            trigger: ".o_data_row td[name=subject]:contains(Meeting next week)",
            run: "click",
        },
        {
            content: "Unassigned is on its path",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Unassigned)",
        },
        {
            content: "Link it",
            trigger: "button[name=action_open_link_wizard]",
            run: "click",
        },
        {
            content: "The wizard suggests the company owning the participant's domain",
            trigger: ".modal div[name=account_ids] .form-check:contains(ACME) input",
            run: "click",
        },
        {
            content: "... and its open deal",
            trigger: ".modal div[name=lead_ids] .form-check:contains(ACME chairs) input",
            run: "click",
        },
        {
            content: "The picked company shows among the records to log on",
            trigger: ".modal div[name=account_ids] .o_tag:contains(ACME)",
        },
        screenshot("link-wizard", ".modal .o_form_view"),
        {
            content: "Log it",
            trigger: ".modal button[name=action_link]",
            run: "click",
        },
        {
            content: "Logged",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Logged)",
        },
        {
            content: "The log says who linked it",
            trigger: "div[name=linked_by_id]:contains(Sam Seller)",
        },
    ],
});

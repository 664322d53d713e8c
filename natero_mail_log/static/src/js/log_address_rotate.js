import { Component } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardWidgetProps } from "@web/views/widgets/standard_widget_props";

/**
 * "New address" of My Profile > Email log: gives the user a new personal log
 * address and shows it in place, the dialog staying open (an object button
 * would close My Profile's dialog).
 */
export class NateroLogAddressRotate extends Component {
    static template = "natero_mail_log.LogAddressRotate";
    static props = { ...standardWidgetProps };

    setup() {
        this.orm = useService("orm");
        this.dialog = useService("dialog");
        this.notification = useService("notification");
    }

    onClick() {
        this.dialog.add(ConfirmationDialog, {
            title: _t("New personal log address"),
            body: _t("Your current personal log address will stop working. Continue?"),
            confirmLabel: _t("New address"),
            confirm: () => this.rotate(),
            cancel: () => {},
        });
    }

    async rotate() {
        const record = this.props.record;
        if (!(await record.save())) {
            return;
        }
        await this.orm.call("res.users", "action_natero_log_rotate_token", [[record.resId]]);
        await record.load();
        this.notification.add(_t("New address ready: the previous one no longer works."), {
            title: _t("New address ready"),
            type: "success",
        });
    }
}

registry.category("view_widgets").add("natero_log_address_rotate", {
    component: NateroLogAddressRotate,
});

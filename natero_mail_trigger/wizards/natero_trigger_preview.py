# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class NateroTriggerPreview(models.TransientModel):
    """T5: the email of a trigger rendered for one recipient, and a test send.

    Rendered as the acting user, for contacts that user may read and that the
    trigger can email (its company's or of no company); the test goes to the
    user's own address only."""

    _name = "natero.trigger.preview"
    _description = "Email trigger preview"

    trigger_id = fields.Many2one("natero.trigger", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="trigger_id.company_id")
    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        domain="[('is_company', '=', False), "
        "('company_id', 'in', [False, company_id])]",
        help="A contact of the trigger's company or of no company; by default "
        "the first of the list waiting to be sent.",
    )
    subject = fields.Char(compute="_compute_rendered")
    body_html = fields.Html(compute="_compute_rendered", sanitize=False)
    error = fields.Text(compute="_compute_rendered")
    test_email_to = fields.Char(
        string="Send test to",
        readonly=True,
        default=lambda self: self.env.user.email_formatted,
        help="Tests go to your own address.",
    )

    @api.depends("trigger_id", "partner_id")
    def _compute_rendered(self):
        for wizard in self:
            wizard.subject = wizard.body_html = wizard.error = False
            if not wizard.trigger_id or not wizard.partner_id:
                continue
            trigger = wizard.trigger_id
            url = f"{trigger.get_base_url()}/natero/unsubscribe/preview"
            try:
                wizard.subject, wizard.body_html = trigger._render_preview(
                    wizard.partner_id, url
                )
            except Exception as error:  # show template errors to the author
                wizard.error = str(error)

    def action_send_test(self):
        self.ensure_one()
        if not self.partner_id:
            self.partner_id = self.env.user.partner_id
        error = self.trigger_id._send_test(self.partner_id)
        if error:
            # the dialog stays open: the author may fix the server and retry
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "warning",
                    "sticky": True,
                    "title": self.env._("Test email not sent"),
                    "message": error,
                },
            }
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Test email sent to %s.", self.env.user.email_formatted
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

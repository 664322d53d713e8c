from odoo import api, fields, models


class NateroTriggerPreview(models.TransientModel):
    """T5: the email of a trigger rendered for one recipient, and a test send."""

    _name = "natero.trigger.preview"
    _description = "Email trigger preview"

    trigger_id = fields.Many2one("natero.trigger", required=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner",
        string="Recipient",
        domain=[("is_company", "=", False)],
        help="Any contact; by default the first of the list waiting to be sent.",
    )
    subject = fields.Char(compute="_compute_rendered")
    body_html = fields.Html(compute="_compute_rendered", sanitize=False)
    error = fields.Text(compute="_compute_rendered")
    test_email_to = fields.Char(
        string="Send test to", default=lambda self: self.env.user.email_formatted
    )

    @api.depends("trigger_id", "partner_id")
    def _compute_rendered(self):
        for wizard in self:
            wizard.subject = wizard.body_html = wizard.error = False
            if not wizard.trigger_id or not wizard.partner_id:
                continue
            trigger = wizard.trigger_id
            try:
                subject, body = trigger._render([wizard.partner_id.id])[
                    wizard.partner_id.id
                ]
            except Exception as error:  # show template errors to the author
                wizard.error = str(error)
                continue
            url = f"{trigger.get_base_url()}/natero/unsubscribe/preview"
            wizard.subject = trigger._personalise(subject, url)
            wizard.body_html = trigger._personalise(body, url)

    def action_send_test(self):
        self.ensure_one()
        if not self.partner_id:
            self.partner_id = self.env.user.partner_id
        self.trigger_id._send_test(self.partner_id, self.test_email_to)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._("Test email sent to %s.", self.test_email_to),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

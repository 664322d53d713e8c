# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    natero_trigger_send_id = fields.Many2one(
        "natero.trigger.send",
        string="Email trigger send",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )

    def _postprocess_sent_message(
        self, success_pids, *args, failure_reason=False, failure_type=None, **kwargs
    ):
        """T6: a sent trigger email marks its send row sent; a failed one,
        failed (SMTP error, invalid address...).

        ``*args, **kwargs``: 19.0's ``success_emails`` (compat 6)."""
        trigger_mails = self.filtered("natero_trigger_send_id")
        if trigger_mails:
            self.env["natero.trigger.send"].sudo()._mark_mail_result(
                trigger_mails, failure_type=failure_type, failure_reason=failure_reason
            )
        return super()._postprocess_sent_message(
            success_pids,
            *args,
            failure_reason=failure_reason,
            failure_type=failure_type,
            **kwargs,
        )

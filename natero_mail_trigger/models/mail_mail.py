# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import email_normalize_all

from .. import compat


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

    def _prepare_outgoing_list(self, *args, **kwargs):
        """T5: the trigger's BCC (a ``Bcc`` header) receives every email.
        19.0 sends only to the recipients validated here (To and Cc): add the
        Bcc header's (compat 16)."""
        emails = super()._prepare_outgoing_list(*args, **kwargs)
        if compat.VALIDATED_RECIPIENTS and self.natero_trigger_send_id:
            for email in emails:
                bcc = email_normalize_all(email["headers"].get("Bcc") or "")
                if bcc and email.get("email_to_normalized"):
                    email["email_to_normalized"] = [*email["email_to_normalized"], *bcc]
        return emails

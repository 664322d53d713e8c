# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import email_normalize_all
from odoo.tools.sql import create_index

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
    natero_smtp_attempts = fields.Integer(
        string="SMTP retries",
        readonly=True,
        help="Times the mail server refused this trigger email for now (4xx); "
        "it is retried after a growing delay.",
    )

    def init(self):
        # the sending lanes' claim: the queued trigger emails, oldest first
        create_index(
            self.env.cr,
            "mail_mail_natero_trigger_outgoing_index",
            self._table,
            ["id"],
            where="state = 'outgoing' AND natero_trigger_send_id IS NOT NULL",
        )

    @api.model_create_multi
    def create(self, vals_list):
        mails = super().create(vals_list)
        if any(vals.get("natero_trigger_send_id") for vals in vals_list):
            self.env["natero.trigger.mailer"]._trigger_lanes()
        return mails

    @api.model
    def process_email_queue(self, *args, **kwargs):
        """Odoo's mail queue cron leaves the trigger emails to the sending
        lanes of ``natero.trigger.mailer`` (one batch per cron call, committed
        by ir.cron); emails asked for by id are sent (``send``).  The ids are
        ``ids`` on 18.0 and ``email_ids`` on 19.0 (compat 7): passed on as
        given."""
        asked = kwargs.get("email_ids", kwargs.get("ids", args[0] if args else None))
        queue = self
        if not asked and self.env["natero.trigger.mailer"]._is_enabled():
            queue = self.with_context(
                filters=[
                    *(self.env.context.get("filters") or []),
                    ("natero_trigger_send_id", "=", False),
                ]
            )
        return super(MailMail, queue).process_email_queue(*args, **kwargs)

    def send(self, auto_commit=False, raise_exception=False, post_send_callback=None):
        """T6: trigger emails leave in batches over one SMTP session
        (``natero.trigger.mailer``), in this transaction; other emails go
        Odoo's way."""
        Mailer = self.env["natero.trigger.mailer"]
        trigger_mails = self.browse()
        if self.ids and Mailer._is_enabled():
            trigger_mails = self.filtered("natero_trigger_send_id")
        if trigger_mails:
            Mailer._send_mails(trigger_mails, raise_exception=raise_exception)
            if post_send_callback:
                post_send_callback(trigger_mails.ids)
        others = self - trigger_mails
        if not others:
            return True
        return super(MailMail, others).send(
            auto_commit=auto_commit,
            raise_exception=raise_exception,
            post_send_callback=post_send_callback,
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

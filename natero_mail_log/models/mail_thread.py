# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import xmlrpc.client as xmlrpclib

from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_process(
        self,
        model,
        message,
        custom_values=None,
        save_original=False,
        strip_attachments=False,
        thread_id=None,
    ):
        """Mail for a log address is stored before Odoo's router sees it.

        Odoo 18.0's router would otherwise send a BCC'd reply to the thread it
        replies to, drop a Message-Id it has seen before, post a comment that
        notifies followers, and mark an IMAP mail read even when processing
        fails.  Storing the raw mail first (L1, L8) avoids all four; the
        ``natero.mail.log`` cron processes it right after.
        """
        raw = message
        if isinstance(raw, xmlrpclib.Binary):
            raw = bytes(raw.data)
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        log = self.env["natero.mail.log"]._gateway_capture(raw)
        if log:
            return log.id
        return super().message_process(
            model,
            message,
            custom_values=custom_values,
            save_original=save_original,
            strip_attachments=strip_attachments,
            thread_id=thread_id,
        )

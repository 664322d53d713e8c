# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
import xmlrpc.client as xmlrpclib

from markupsafe import Markup, escape

from odoo import api, models

_logger = logging.getLogger(__name__)


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

        A mail that also names another Odoo address (a customer's reply-all
        to a record's catch-all, a mail to ``sales@`` that Cc's the log
        address) is then routed as well, exactly as Odoo would route it had
        the log address not been there (``message_route`` never sees log
        aliases).  Routing it can fail (Odoo's router raises on mail it
        refuses): the log is kept all the same and says why.
        """
        raw = self._natero_raw_bytes(message)
        log, route = self.env["natero.mail.log"]._gateway_capture(raw)
        if log and not route:
            return log.id
        args = (model, message)
        kwargs = dict(
            custom_values=custom_values,
            save_original=save_original,
            strip_attachments=strip_attachments,
            thread_id=thread_id,
        )
        if not log:
            return super().message_process(*args, **kwargs)
        return self._natero_route_logged(log, args, kwargs) or log.id

    @api.model
    def _natero_raw_bytes(self, message):
        """The mail as bytes, in any form ``message_process`` accepts it."""
        if isinstance(message, xmlrpclib.Binary):
            return bytes(message.data)
        if isinstance(message, str):
            return message.encode("utf-8")
        return message

    @api.model
    def _natero_route_logged(self, log, args, kwargs):
        """Route a stored mail that also names another Odoo address, as Odoo
        would; when Odoo refuses it, the log is kept and says why."""
        try:
            with self.env.cr.savepoint():
                return super().message_process(*args, **kwargs)
        except Exception as exc:  # the log is kept: never lose the mail
            _logger.warning(
                "Email log: log %s also names another Odoo address, which "
                "refused it: %s",
                log.id,
                exc,
            )
            # sudo: a note on the log the gateway just stored, for its readers.
            log.sudo().message_post(
                body=Markup("<p>%s</p>")
                % escape(
                    self.env._(
                        "This email also named another Odoo address, whose "
                        "routing failed: %(error)s",
                        error=exc,
                    )
                ),
                subtype_xmlid="mail.mt_note",
            )
            return False

    @api.model
    def message_route(
        self, message, message_dict, model=None, thread_id=None, custom_values=None
    ):
        """Odoo's router never sees log aliases (issue 10 item 6).

        Mail for a log address is taken by ``message_process`` first; were
        the router to see the log alias, a reply-all that Cc's it would stop
        counting as a reply (Odoo takes an alias of another model as a
        forward) and ``log@`` of a customer's domain would match it by local
        part.
        """
        hidden = self.with_context(natero_log_hide_aliases=True)
        return super(MailThread, hidden).message_route(
            message,
            message_dict,
            model=model,
            thread_id=thread_id,
            custom_values=custom_values,
        )

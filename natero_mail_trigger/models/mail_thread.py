# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from odoo import api, models, tools

_logger = logging.getLogger(__name__)


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        """T6: a bounce of a trigger email marks its send row bounced."""
        result = super()._routing_handle_bounce(email_message, message_dict)
        bounced_msg_ids = message_dict.get("bounced_msg_ids")
        if bounced_msg_ids:
            sends = self.env["natero.trigger.send"]._mark_bounced(
                bounced_msg_ids,
                reason=tools.html2plaintext(message_dict.get("body") or "")[:2000],
            )
            if sends:
                _logger.info(
                    "Email trigger bounce: %s send(s) %s bounced for %s",
                    len(sends),
                    sends.ids,
                    message_dict.get("bounced_email"),
                )
        return result

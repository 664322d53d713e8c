# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

from markupsafe import Markup

from odoo import fields, http
from odoo.http import request

from ..models.natero_trigger_send import engine

_logger = logging.getLogger(__name__)


class NateroTriggerUnsubscribe(http.Controller):
    """T6: unsubscribe from triggered emails.

    GET shows a confirmation page and changes nothing (link scanners and
    prefetchers do GET); POST puts the address on Odoo's blacklist. The same URL
    is the ``List-Unsubscribe`` one-click target of RFC 8058, which mail clients
    POST to without a session, hence ``csrf=False``: the signed token is the
    protection.
    """

    @http.route(
        "/natero/unsubscribe/<int:send_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        sitemap=False,
    )
    def natero_unsubscribe(self, send_id, token, **post):
        # the token first, sudo second; a bad token and an unknown id get the
        # same answer
        if not request.env["natero.trigger"]._check_unsubscribe_token(send_id, token):
            return self._render("invalid", status=404)
        send = request.env["natero.trigger.send"].sudo().browse(send_id).exists()
        if not send or not send.email:
            return self._render("invalid", status=404)
        if request.httprequest.method != "POST":
            return self._render("confirm", send=send)
        self._unsubscribe(send)
        return self._render("done", send=send)

    @http.route(
        ["/natero/unsubscribe/test", "/natero/unsubscribe/preview"],
        type="http",
        auth="public",
        methods=["GET", "POST"],
        csrf=False,
        sitemap=False,
    )
    def natero_unsubscribe_test(self, **post):
        return self._render("test")

    def _unsubscribe(self, send):
        if not send.unsubscribed_at:
            engine(send).write({"unsubscribed_at": fields.Datetime.now()})
        request.env["mail.blacklist"].sudo()._add(
            send.email,
            message=Markup("<p>%s</p>")
            % request.env._(
                "Unsubscribed from email trigger %s.", send.trigger_id.name
            ),
        )
        _logger.info(
            "Email trigger unsubscribe: send %s of trigger %s blacklisted %s",
            send.id,
            send.trigger_id.id,
            send.email,
        )

    def _render(self, page, status=200, send=None):
        values = {
            "page": page,
            "send": send,
            "email": send.email if send else "",
            "company": send.company_id if send else request.env.company,
            "action": request.httprequest.path,
        }
        return request.render(
            "natero_mail_trigger.unsubscribe_page", values, status=status
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import io
import logging

from werkzeug.exceptions import NotFound

from odoo import fields, http
from odoo.exceptions import UserError
from odoo.http import content_disposition, request

from ..tools.export import csv_cell

_logger = logging.getLogger(__name__)

# a transparent 1x1 GIF
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
CSV_COLUMNS = [
    ("local_day", "Day"),
    ("trigger_id", "Trigger"),
    ("partner_id", "User"),
    ("email", "Email"),
    ("account_id", "Account"),
    ("state", "Status"),
    ("queued_at", "Queued"),
    ("sent_at", "Sent"),
    ("opened_at", "Opened"),
    ("auto_opened_at", "Automated open"),
    ("clicked_at", "Clicked"),
    ("unsubscribed_at", "Unsubscribed"),
    ("replied_at", "Replied"),
    ("failed_at", "Failed"),
    ("failure_reason", "Failure reason"),
]


class NateroTriggerTracking(http.Controller):
    """T7: open pixel, click redirect and CSV export.

    Tracking URLs carry an HMAC of the database, the send and (for clicks) the
    link: the token is checked in constant time before any ``sudo()``, and a
    bad token and an unknown id get the same answer (the pixel; a 404 for
    clicks), so nothing can be probed.
    """

    @http.route(
        "/natero/track/open/<int:send_id>/<string:token>/blank.gif",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        sitemap=False,
    )
    def natero_track_open(self, send_id, token, **kwargs):
        if request.env["natero.trigger"]._check_tracking_token(token, "open", send_id):
            send = request.env["natero.trigger.send"].sudo().browse(send_id).exists()
            if send:
                verdict = send._register_open(request.httprequest.user_agent.string)
                _logger.info("Email trigger open: send %s (%s)", send_id, verdict.code)
        return request.make_response(
            PIXEL,
            headers=[
                ("Content-Type", "image/gif"),
                ("Cache-Control", "no-store, max-age=0"),
            ],
        )

    @http.route(
        "/natero/track/click/<int:send_id>/<int:link_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        sitemap=False,
    )
    def natero_track_click(self, send_id, link_id, token, **kwargs):
        if not request.env["natero.trigger"]._check_tracking_token(
            token, "click", send_id, link_id
        ):
            raise NotFound()
        send = request.env["natero.trigger.send"].sudo().browse(send_id).exists()
        link = request.env["link.tracker"].sudo().browse(link_id).exists()
        if not send or not link:
            raise NotFound()
        send._register_click()
        Click = request.env["link.tracker.click"].sudo()
        Click.create(
            Click._prepare_click_values_from_route(
                link_id=link.id,
                natero_trigger_send_id=send.id,
                ip=request.httprequest.remote_addr,
                country_code=request.geoip.country_code,
            )
        )
        _logger.info("Email trigger click: send %s link %s", send_id, link_id)
        return request.redirect(link.redirected_url, code=302, local=False)

    @http.route(
        "/natero/trigger/sends.csv",
        type="http",
        auth="user",
        methods=["GET"],
        sitemap=False,
    )
    def natero_trigger_sends_csv(self, trigger_id, day=None, measure="recipients"):
        """The recipients behind a number of the statistics, as CSV, read with
        the user's own access rights; cells cannot run as formulas."""
        Send = request.env["natero.trigger.send"]
        try:
            domain = [
                ("trigger_id", "=", int(trigger_id)),
                *Send._get_measure_domain(measure),
            ]
            if day:
                domain.append(("local_day", "=", fields.Date.to_date(day)))
        except (ValueError, TypeError, UserError) as error:
            raise NotFound() from error
        sends = Send.search(domain, order="local_day, id")
        states = dict(Send._fields["state"]._description_selection(request.env))
        output = io.StringIO()
        writer = csv.writer(output)
        writer.writerow([label for __, label in CSV_COLUMNS])
        for send in sends:
            writer.writerow(
                [self._csv_value(send, name, states) for name, __ in CSV_COLUMNS]
            )
        filename = f"trigger-{int(trigger_id)}-{measure}-{day or 'all'}.csv"
        return request.make_response(
            output.getvalue().encode("utf-8-sig"),
            headers=[
                ("Content-Type", "text/csv; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )

    @staticmethod
    def _csv_value(send, name, states):
        """The cell of ``name``, never read as a formula by a spreadsheet
        (names and reasons come from customers and mail servers)."""
        value = send[name]
        if name == "state":
            value = states.get(value, value)
        elif hasattr(value, "display_name"):
            value = value.display_name
        return csv_cell(value)

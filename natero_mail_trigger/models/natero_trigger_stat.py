# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import urlencode

from odoo import api, fields, models
from odoo.tools import SQL, format_date

from .natero_trigger_send import ATTEMPTED_STATES

# click-through rates computed from sums at every grouping level (pivot, graph)
RATES = {
    "ctr": ("clicked", "opened"),
    "ctr_delivered": ("clicked", "delivered"),
    "open_rate": ("opened", "delivered"),
    "reply_rate": ("replied", "delivered"),
}
# The details page of a trigger (cards, chart, table), in this order:
# (field of this model, Font Awesome icon, drawn in the chart by default).
# A new measure is a column of _table_query, its field, and one line here
# (and, for its card's list, a line of MEASURE_DOMAINS in natero_trigger_send).
MEASURES = (
    ("recipients", "fa-users", True),
    ("delivered", "fa-check", True),
    ("opened", "fa-envelope-open-o", True),
    ("clicked", "fa-mouse-pointer", True),
    ("ctr", "fa-percent", False),
    ("failed", "fa-exclamation-triangle", False),
    ("unsubscribed", "fa-ban", False),
    ("replied", "fa-reply", False),
)


class NateroTriggerStat(models.Model):
    """Daily statistics of a trigger (SPEC T7), a reporting SQL view.

    One row per trigger and list day (the local day of the list the emails
    belong to): every number counts the recipients of that day's list, so the
    opens and clicks of Monday's emails stay on Monday even when they happen on
    Tuesday, and each rate divides numbers of the same emails.
    """

    _name = "natero.trigger.stat"
    _description = "Email trigger daily statistics"
    _auto = False
    _order = "local_day desc, trigger_id"
    _rec_name = "local_day"
    _depends = {
        "natero.trigger.send": [
            "trigger_id",
            "local_day",
            "company_id",
            "state",
            "opened_at",
            "auto_opened_at",
            "clicked_at",
            "unsubscribed_at",
            "replied_at",
        ],
    }

    trigger_id = fields.Many2one("natero.trigger", readonly=True)
    local_day = fields.Date(string="Day", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    recipients = fields.Integer(
        readonly=True, help="Users the trigger attempted to email that day."
    )
    delivered = fields.Integer(
        readonly=True,
        help="Emails accepted by the mail server and not bounced.",
    )
    opened = fields.Integer(
        readonly=True,
        help="Users who opened the email (automated opens excluded; a click "
        "counts as an open).",
    )
    auto_opened = fields.Integer(
        string="Automated opens only",
        readonly=True,
        help="Users whose only opens were made by machines (image proxies, Apple "
        "Mail Privacy Protection, scanners).",
    )
    clicked = fields.Integer(readonly=True, help="Users who clicked a link.")
    failed = fields.Integer(readonly=True, help="Failed or bounced emails.")
    unsubscribed = fields.Integer(
        readonly=True, help="Users who unsubscribed from this email."
    )
    replied = fields.Integer(
        readonly=True,
        help="Users who replied to the email (auto-replies and out-of-office "
        "excluded).",
    )
    ctr = fields.Float(
        string="CTR (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Click-through rate, Natero's: clicked ÷ opened.",
    )
    ctr_delivered = fields.Float(
        string="Clicked ÷ delivered (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="The click-through rate of Odoo mass mailing and Customer.io: "
        "clicked ÷ delivered.",
    )
    open_rate = fields.Float(
        string="Open rate (%)",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Opened ÷ delivered.",
    )
    reply_rate = fields.Float(
        string="Reply rate %",
        readonly=True,
        aggregator="avg",
        digits=(16, 1),
        help="Replied ÷ delivered.",
    )

    @property
    def _table_query(self):
        def count(condition):
            return SQL("COUNT(*) FILTER (WHERE %s)", condition)

        def rate(numerator, denominator):
            return SQL(
                "COALESCE(100.0 * %s / NULLIF(%s, 0), 0)", numerator, denominator
            )

        delivered = count(SQL("s.state = 'sent'"))
        opened = count(SQL("s.opened_at IS NOT NULL"))
        clicked = count(SQL("s.clicked_at IS NOT NULL"))
        replied = count(SQL("s.replied_at IS NOT NULL"))
        return SQL(
            """SELECT MIN(s.id) AS id, s.trigger_id, s.local_day, s.company_id,
                      COUNT(*) AS recipients,
                      %(delivered)s AS delivered,
                      %(opened)s AS opened,
                      %(auto_opened)s AS auto_opened,
                      %(clicked)s AS clicked,
                      %(failed)s AS failed,
                      %(unsubscribed)s AS unsubscribed,
                      %(replied)s AS replied,
                      %(ctr)s AS ctr,
                      %(ctr_delivered)s AS ctr_delivered,
                      %(open_rate)s AS open_rate,
                      %(reply_rate)s AS reply_rate
                 FROM natero_trigger_send s
                WHERE s.state IN %(states)s
             GROUP BY s.trigger_id, s.local_day, s.company_id""",
            delivered=delivered,
            opened=opened,
            auto_opened=count(
                SQL("s.auto_opened_at IS NOT NULL AND s.opened_at IS NULL")
            ),
            clicked=clicked,
            failed=count(SQL("s.state IN ('failed', 'bounced')")),
            unsubscribed=count(SQL("s.unsubscribed_at IS NOT NULL")),
            ctr=rate(clicked, opened),
            ctr_delivered=rate(clicked, delivered),
            open_rate=rate(opened, delivered),
            replied=replied,
            reply_rate=rate(replied, delivered),
            states=ATTEMPTED_STATES,
        )

    @api.depends("trigger_id", "local_day")
    def _compute_display_name(self):
        """A day keeps its trigger's name (breadcrumbs of the details)."""
        for stat in self:
            stat.display_name = self.env._(
                "%(trigger)s, %(day)s",
                trigger=stat.trigger_id.name,
                day=format_date(self.env, stat.local_day),
            )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        """Rates of a group are ratios of its sums, not averages of rates."""
        fname, __, func = aggregate_spec.partition(":")
        if fname in RATES and func == "avg":
            numerator, denominator = RATES[fname]
            return SQL(
                "COALESCE(100.0 * SUM(%s) / NULLIF(SUM(%s), 0), 0)",
                self._field_to_sql(self._table, numerator, query),
                self._field_to_sql(self._table, denominator, query),
            )
        return super()._read_group_select(aggregate_spec, query)

    # -------------------------------------------------------------- actions

    def _get_sends_domain(self, measure):
        self.ensure_one()
        return [
            ("trigger_id", "=", self.trigger_id.id),
            ("local_day", "=", self.local_day),
            *self.env["natero.trigger.send"]._get_measure_domain(measure),
        ]

    def action_open_sends(self):
        """The recipients counted by the number clicked (context
        ``natero_measure``), as a list that Odoo exports to CSV or Excel."""
        self.ensure_one()
        measure = self.env.context.get("natero_measure") or "recipients"
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_trigger.natero_trigger_send_action"
        )
        labels = {
            "recipients": self.env._("Recipients"),
            "delivered": self.env._("Delivered"),
            "opened": self.env._("Opened"),
            "auto_opened": self.env._("Automated opens only"),
            "clicked": self.env._("Clicked"),
            "failed": self.env._("Failed"),
            "unsubscribed": self.env._("Unsubscribed"),
            "replied": self.env._("Replied"),
        }
        # the web client titles the action (breadcrumbs) by its display_name
        action.pop("display_name", None)
        action.update(
            name=self.env._(
                "%(measure)s of %(trigger)s on %(day)s",
                measure=labels.get(measure, measure),
                trigger=self.trigger_id.name,
                day=self.local_day,
            ),
            domain=self._get_sends_domain(measure),
            context={"create": False},
        )
        return action

    def action_export_csv(self):
        """Download the recipients of this number as CSV."""
        self.ensure_one()
        measure = self.env.context.get("natero_measure") or "recipients"
        query = urlencode(
            {
                "trigger_id": self.trigger_id.id,
                "day": self.local_day.isoformat(),
                "measure": measure,
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/natero/trigger/sends.csv?{query}",
            "target": "download",
        }

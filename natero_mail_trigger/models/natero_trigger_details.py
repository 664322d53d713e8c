# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The details page of natero.trigger (T7): the counts as cards, a chart of
the daily trends and the next send, modelled on Email Marketing's mailing
statistics. Cards, chart and table are built from ``MEASURES``."""

from odoo import api, fields, models
from odoo.exceptions import UserError

from .natero_trigger_stat import MEASURES, RATES

# days of the chart: the last lists of the trigger
CHART_DAYS = 90


class NateroTriggerDetails(models.AbstractModel):
    """The details side of ``natero.trigger``, which inherits it."""

    _name = "natero.trigger.details"
    _description = "Email trigger: details page"

    details_data = fields.Json(
        string="Daily trends",
        compute="_compute_details_data",
        help="Totals and daily series of the measures (the cards and the chart).",
    )

    def _compute_details_data(self):
        Stat = self.env["natero.trigger.stat"]
        specs = [
            f"{name}:{'avg' if name in RATES else 'sum'}" for name, *__ in MEASURES
        ]
        for trigger in self:
            if not trigger._origin.id:
                trigger.details_data = False
                continue
            domain = [("trigger_id", "=", trigger._origin.id)]
            totals = dict(
                zip(
                    [name for name, *__ in MEASURES],
                    Stat._read_group(domain, [], specs)[0],
                    strict=True,
                )
            )
            days = Stat.search_read(
                domain,
                ["local_day", *(name for name, *__ in MEASURES)],
                order="local_day desc",
                limit=CHART_DAYS,
            )[::-1]
            trigger.details_data = {
                "measures": [
                    {
                        "name": name,
                        # "CTR (%)": the card shows "12.5 %", the chart's axis "%"
                        "label": Stat._fields[name]
                        ._description_string(self.env)
                        .removesuffix(" (%)"),
                        "help": Stat._fields[name]._description_help(self.env) or "",
                        "icon": icon,
                        "rate": name in RATES,
                        "chart": chart,
                        "total": totals[name] or 0,
                        "series": [day[name] for day in days],
                    }
                    for name, icon, chart in MEASURES
                ],
                "days": [fields.Date.to_string(day["local_day"]) for day in days],
            }

    @api.depends("name")
    @api.depends_context("natero_trigger_details")
    def _compute_display_name(self):
        """The details page's breadcrumb keeps the trigger's name."""
        details = self.env.context.get("natero_trigger_details")
        for trigger in self:
            trigger.display_name = (
                self.env._("Details of %s", trigger.name) if details else trigger.name
            )

    def action_open_details(self):
        """T7: the details page of this trigger (cards, chart, table)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Details of %s", self.name),
            "res_model": self._name,
            "res_id": self.id,
            "views": [
                (
                    self.env.ref(
                        "natero_mail_trigger.natero_trigger_view_form_details"
                    ).id,
                    "form",
                )
            ],
            "context": {"natero_trigger_details": True, "create": False},
        }

    def action_open_measure(self, measure=None):
        """The recipients counted by a card (all days), as a list; a rate's
        card opens the recipients of its numerator (CTR: who clicked)."""
        self.ensure_one()
        measure = measure or self.env.context.get("natero_measure") or "recipients"
        if measure in RATES:
            measure = RATES[measure][0]
        Send = self.env["natero.trigger.send"]
        Stat = self.env["natero.trigger.stat"]
        if measure not in Stat._fields:
            raise UserError(self.env._("Unknown measure %s.", measure))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_trigger.natero_trigger_send_action"
        )
        # the web client titles the action (breadcrumbs) by its display_name
        action.pop("display_name", None)
        action.update(
            name=self.env._(
                "%(measure)s: %(trigger)s",
                measure=Stat._fields[measure]._description_string(self.env),
                trigger=self.name,
            ),
            domain=[
                ("trigger_id", "=", self.id),
                *Send._get_measure_domain(measure),
            ],
            context={"create": False, "natero_trigger_id": self.id},
        )
        return action

    def action_open_stat_analysis(self):
        """The daily statistics of this trigger in Odoo's graph and pivot."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_trigger.natero_trigger_stat_action"
        )
        # the web client titles the action (breadcrumbs) by its display_name
        action.pop("display_name", None)
        action.update(
            name=self.env._("Statistics of %s", self.name),
            domain=[("trigger_id", "=", self.id)],
            context={"default_trigger_id": self.id},
        )
        return action

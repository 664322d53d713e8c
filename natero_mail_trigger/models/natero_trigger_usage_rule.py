# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .. import compat

OPERATORS = [
    (">=", "at least"),
    (">", "more than"),
    ("<=", "at most"),
    ("<", "fewer than"),
    ("=", "exactly"),
    ("!=", "not exactly"),
]


@compat.sql_constraints
class NateroTriggerUsageRule(models.Model):
    """A usage condition of a trigger: "count of event X in the last N days"
    compared with a number (SPEC T1, T3). All rules of a trigger must hold."""

    _name = "natero.trigger.usage.rule"
    _description = "Email trigger usage rule"
    _order = "trigger_id, id"

    trigger_id = fields.Many2one(
        "natero.trigger", required=True, ondelete="cascade", index=True
    )
    event_name = fields.Char(string="Event", required=True)
    days = fields.Integer(string="In the last (days)", required=True, default=30)
    operator = fields.Selection(OPERATORS, required=True, default=">=")
    count = fields.Integer(required=True, default=1)
    display_rule = fields.Char(compute="_compute_display_rule")

    _sql_constraints = [
        ("days_positive", "CHECK(days > 0)", "The period must be at least one day."),
        ("count_positive", "CHECK(count >= 0)", "The count cannot be negative."),
    ]

    @api.depends("event_name", "days", "operator", "count")
    def _compute_display_rule(self):
        labels = dict(OPERATORS)
        for rule in self:
            rule.display_rule = (
                f"{rule.event_name} {labels.get(rule.operator, '')} {rule.count} "
                f"times in the last {rule.days} days"
            )

    def _get_partner_domain(self):
        self.ensure_one()
        return self.env["res.partner"]._natero_event_count_domain(
            self.event_name, self.days, self.operator, self.count
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..compat import expression

LIFECYCLE_STAGES = [
    ("trial", "Trial"),
    ("onboarding", "Onboarding"),
    ("adoption", "Adoption"),
    ("renewal", "Renewal"),
    ("expansion", "Expansion"),
    ("at_risk", "At risk"),
]

# "count of events" comparisons usable in trigger rules; constant SQL only
COUNT_OPERATORS = {
    ">=": (SQL(">="), lambda count, value: count >= value),
    ">": (SQL(">"), lambda count, value: count > value),
    "<=": (SQL("<="), lambda count, value: count <= value),
    "<": (SQL("<"), lambda count, value: count < value),
    "=": (SQL("="), lambda count, value: count == value),
    "!=": (SQL("<>"), lambda count, value: count != value),
}
DAYS_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")


class ResPartner(models.Model):
    """Customer data of SPEC T1: accounts (companies) and users (contacts)."""

    _inherit = "res.partner"

    # account (company) data
    natero_arr = fields.Float(
        string="ARR", help="Annual recurring revenue of the account."
    )
    natero_churned = fields.Boolean(string="Churned", index="btree_not_null")
    natero_churn_date = fields.Date(string="Churn date")
    natero_lifecycle_stage = fields.Selection(
        LIFECYCLE_STAGES, string="Lifecycle stage"
    )
    natero_days_since_churn = fields.Integer(
        string="Days since churn",
        compute="_compute_natero_days_since_churn",
        search="_search_natero_days_since_churn",
        help="Days since the churn date of the account (rules: e.g. churned in "
        "the last 30 days).",
    )
    # user (contact) data
    natero_product_user = fields.Boolean(
        string="Product user", help="Uses the product (has a login)."
    )
    natero_crm_contact = fields.Boolean(
        string="CRM contact", help="Is a contact of the account in the CRM."
    )
    natero_role = fields.Char(
        string="Product role", help="Role in the product, e.g. admin."
    )
    natero_signup_date = fields.Date(string="Signup date", index=True)
    natero_last_login = fields.Datetime(string="Last login", index=True)
    # metrics usable in rules (searchable, computed on the fly)
    natero_days_since_signup = fields.Integer(
        string="Days since signup",
        compute="_compute_natero_days_since",
        search="_search_natero_days_since_signup",
    )
    natero_days_since_login = fields.Integer(
        string="Days since last login",
        compute="_compute_natero_days_since",
        search="_search_natero_days_since_login",
        help="Whole days since the last login; for a user who never logged in, "
        "days since signup (inactive since signup). Empty without a login or a "
        "signup date: such a user matches no comparison of days, except 'is not "
        "equal to'.",
    )
    natero_inactive = fields.Boolean(
        string="Inactive user",
        compute="_compute_natero_inactive",
        search="_search_natero_inactive",
        help="Product user whose days since last login reach the company's "
        "inactivity period (a user who never logged in counts from signup), or "
        "who has neither a login nor a signup date.",
    )
    natero_trigger_match_id = fields.Many2one(
        "natero.trigger",
        string="Matches email trigger",
        compute="_compute_natero_trigger_match_id",
        search="_search_natero_trigger_match_id",
        help="Search only: contacts matching the rules of an email trigger now.",
    )
    natero_usage_event_ids = fields.One2many(
        "natero.usage.event", "partner_id", string="Usage events"
    )
    natero_usage_event_count = fields.Integer(
        string="Usage events count", compute="_compute_natero_usage_event_count"
    )

    # ------------------------------------------------------------------
    # time zone of trigger owners
    # ------------------------------------------------------------------

    def write(self, vals):
        moved = self.browse()
        if "tz" in vals:
            moved = self.filtered(lambda partner: partner.tz != vals["tz"])
        result = super().write(vals)
        if moved:
            # the users of these contacts may own triggers scheduled in the old zone
            self.env["natero.trigger"]._reschedule_owners(moved)
        return result

    # ------------------------------------------------------------------
    # metrics
    # ------------------------------------------------------------------

    @api.depends("natero_signup_date", "natero_last_login")
    def _compute_natero_days_since(self):
        now = fields.Datetime.now()
        today = now.date()
        for partner in self:
            signup, login = partner.natero_signup_date, partner.natero_last_login
            since_signup = (today - signup).days if signup else 0
            partner.natero_days_since_signup = since_signup
            # never logged in: inactive since signup
            partner.natero_days_since_login = (
                (now - login).days if login else since_signup
            )

    def _search_natero_days_since_signup(self, operator, value):
        today = fields.Date.today()
        return self._natero_days_since_domain(
            "natero_signup_date", operator, value, lambda days: today - days
        )

    def _search_natero_days_since_login(self, operator, value):
        """Days since the last login, else (never logged in) since signup."""
        now = fields.Datetime.now()
        today = now.date()
        by_login = self._natero_days_since_domain(
            "natero_last_login", operator, value, lambda days: now - days
        )
        by_signup = self._natero_days_since_domain(
            "natero_signup_date", operator, value, lambda days: today - days
        )
        return expression.OR(
            [
                expression.AND([[("natero_last_login", "!=", False)], by_login]),
                expression.AND([[("natero_last_login", "=", False)], by_signup]),
            ]
        )

    @api.model
    def _natero_days_since_domain(self, field_name, operator, value, reference):
        """Domain on ``field_name`` for "days since ``field_name``" op ``value``.

        ``reference(timedelta(days=k))`` is the latest value of the field for which
        "days since" is at least ``k``; records without a value never match,
        except for ``!=``.
        """
        if operator not in DAYS_OPERATORS or isinstance(value, bool):
            raise UserError(
                self.env._(
                    "Unsupported search on days since: %(op)s %(value)s",
                    op=operator,
                    value=value,
                )
            )
        days = int(value or 0)

        def at_least(k):
            return [(field_name, "<=", reference(timedelta(days=k)))]

        def below(k):
            return [(field_name, ">", reference(timedelta(days=k)))]

        domains = {
            ">=": at_least(days),
            ">": at_least(days + 1),
            "<": below(days),
            "<=": below(days + 1),
            "=": at_least(days) + below(days + 1),
        }
        if operator == "!=":
            return (
                ["|", "|", (field_name, "=", False)] + below(days) + at_least(days + 1)
            )
        return domains[operator]

    @api.depends("natero_churn_date")
    def _compute_natero_days_since_churn(self):
        today = fields.Date.today()
        for partner in self:
            churn = partner.natero_churn_date
            partner.natero_days_since_churn = (today - churn).days if churn else 0

    def _search_natero_days_since_churn(self, operator, value):
        today = fields.Date.today()
        return self._natero_days_since_domain(
            "natero_churn_date", operator, value, lambda days: today - days
        )

    def _natero_inactive_days(self):
        return max(self.env.company.natero_inactive_days, 0)

    @api.depends("natero_product_user", "natero_last_login", "natero_signup_date")
    @api.depends_context("company")
    def _compute_natero_inactive(self):
        days = self._natero_inactive_days()
        for partner in self:
            known = partner.natero_last_login or partner.natero_signup_date
            partner.natero_inactive = partner.natero_product_user and (
                not known or partner.natero_days_since_login >= days
            )

    @api.model
    def _natero_inactive_domain(self):
        """Inactive users in the current company's sense (SPEC T1): days since
        last login (since signup when never logged in) of at least the
        inactivity period; without any date, inactive."""
        return expression.AND(
            [
                [("natero_product_user", "=", True)],
                expression.OR(
                    [
                        self._search_natero_days_since_login(
                            ">=", self._natero_inactive_days()
                        ),
                        [
                            ("natero_last_login", "=", False),
                            ("natero_signup_date", "=", False),
                        ],
                    ]
                ),
            ]
        )

    def _search_natero_inactive(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on inactive users."))
        domain = self._natero_inactive_domain()
        if (operator == "=") == value:
            return domain
        return ["!", *expression.normalize_domain(domain)]

    def _compute_natero_trigger_match_id(self):
        self.natero_trigger_match_id = False

    def _search_natero_trigger_match_id(self, operator, value):
        """Contacts matching the rules of the triggers ``value`` that the
        searching user may read, as a subquery: a rule that refers to the
        matches of its own trigger (directly or through others) is refused
        instead of expanding forever."""
        if operator not in ("=", "in") or not value:
            raise UserError(
                self.env._("Unsupported search on matching email triggers.")
            )
        ids = [value] if isinstance(value, int) else list(value)
        expanding = self.env.context.get("natero_trigger_match_ids", ())
        if set(ids) & set(expanding):
            raise UserError(
                self.env._(
                    "A rule cannot use the matches of its own trigger "
                    "(natero_trigger_match_id)."
                )
            )
        triggers = self.env["natero.trigger"].search([("id", "in", ids)])
        domain = expression.OR(
            [trigger._get_recipient_domain() for trigger in triggers]
            or [expression.FALSE_DOMAIN]
        )
        Partner = self.with_context(
            natero_trigger_match_ids=(*expanding, *triggers.ids)
        )
        return [("id", "in", Partner._search(domain))]

    @api.model
    def _natero_event_count_domain(self, event_name, days, operator, count):
        """Partners whose count of event ``event_name`` in the last ``days`` days
        compares with ``count`` by ``operator`` (SPEC T1: "count of event X in the
        last N days"). A partner without events has a count of 0.
        """
        if operator not in COUNT_OPERATORS:
            raise UserError(self.env._("Unsupported comparison: %s", operator))
        sql_operator, python_operator = COUNT_OPERATORS[operator]
        since = fields.Datetime.now() - timedelta(days=max(int(days), 0))
        self.env["natero.usage.event"].flush_model(["partner_id", "name", "time"])
        having = SQL("count(*) %s %s", sql_operator, int(count))
        if python_operator(0, int(count)):
            # partners without events match: exclude those whose count does not
            having = SQL("NOT (%s)", having)
        subquery = SQL(
            """(SELECT partner_id FROM natero_usage_event
                WHERE partner_id IS NOT NULL AND name = %s AND time >= %s
                GROUP BY partner_id HAVING %s)""",
            event_name,
            since,
            having,
        )
        if python_operator(0, int(count)):
            return [("id", "not in", subquery)]
        return [("id", "in", subquery)]

    def _compute_natero_usage_event_count(self):
        counts = dict(
            self.env["natero.usage.event"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.natero_usage_event_count = counts.get(partner, 0)

    @api.model  # as Odoo's: the dynamic placeholder tool calls it on the model
    def mail_allowed_qweb_expressions(self):
        """The contact's language too: plain data that users without the Mail
        Template Editor group may use in templates on contacts (trigger
        templates render in ``{{ object.lang }}``)."""
        return (*super().mail_allowed_qweb_expressions(), "object.lang")

    def action_view_natero_usage_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_trigger.natero_usage_event_action"
        )
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The rules of natero.trigger (T3): domains on contacts written as data,
checked as the acting user when saved, and the recipient domain they make.
"""

from odoo import models
from odoo.exceptions import AccessError, UserError, ValidationError

from .. import compat
from ..compat import expression
from ..tools import rules

# the rules, domains on contacts written as data (tools/rules.py)
RULE_FIELDS = ("user_domain", "account_domain")


class NateroTriggerRules(models.AbstractModel):
    """The rules side of ``natero.trigger``, which inherits it."""

    _name = "natero.trigger.rules"
    _description = "Email trigger: rules"

    # ============================================================ validation

    def _check_domains(self):
        """Rules are data (issue 10): literals only, on fields that exist and
        that the acting user may search, checked as that user when saved."""
        for trigger in self:
            for field_name in RULE_FIELDS:
                domain = trigger._parse_domain(trigger[field_name], field_name)
                trigger._check_rule_fields(domain, field_name)

    def _rule_error(self, field_name, message):
        return ValidationError(
            self.env._(
                "%(rule)s: %(error)s",
                rule=self._fields[field_name]._description_string(self.env),
                error=message,
            )
        )

    def _parse_domain(self, domain_text, field_name="user_domain"):
        """The domain of a rule, read as data (``ast.literal_eval``, as Odoo's
        mass mailing reads its domain): nothing in it is ever run."""
        try:
            return rules.parse_domain(domain_text)
        except rules.RuleError as error:
            raise self._rule_error(
                field_name, self._rule_error_message(error)
            ) from None

    def _rule_error_message(self, error):
        detail = error.detail
        if error.code == rules.TOO_LONG:
            return self.env._("a rule is at most %s characters long.", detail)
        if error.code == rules.NOT_LITERAL:
            return self.env._(
                "a rule holds literal values only (text in quotes, numbers, True, "
                "False, None and lists of them), never code such as names, calls "
                "or context_today(). For dates relative to today use the fields "
                "'Days since signup', 'Days since last login', 'Days since churn' "
                "or a usage rule. Near: %s",
                detail,
            )
        if error.code == rules.NOT_A_LIST:
            return self.env._(
                "a rule is a list of conditions such as "
                "[('natero_role', '=', 'admin')], not %s.",
                detail,
            )
        if error.code == rules.BAD_ITEM:
            return self.env._(
                "each condition is (field, operator, value) or one of '&', '|', "
                "'!', not %s.",
                detail,
            )
        if error.code == rules.BAD_FIELD:
            return self.env._("%s is not a field name.", detail)
        if error.code == rules.BAD_OPERATOR:
            return self.env._("%s is not an operator of Odoo domains.", detail)
        return self.env._(
            "%s is not a plain value (text, number, True, False, None or a list "
            "of them).",
            detail,
        )

    def _check_rule_fields(self, domain, field_name):
        """Every field of ``domain`` exists and can be searched by the acting
        user; then Odoo checks operators and values (as that user)."""
        Partner = self.env["res.partner"]
        for path, sub_paths in rules.field_paths(domain):
            self._check_rule_path(Partner, path, sub_paths, field_name)
        try:
            Partner._search(domain)
        except (AccessError, UserError, ValueError, TypeError) as error:
            raise self._rule_error(
                field_name, error.args[0] if error.args else error
            ) from error

    def _check_rule_path(self, model, path, sub_paths, field_name):
        """Each field of ``path`` (``a.b.c`` from ``model``) and of its
        ``sub_paths`` (an ``any`` condition's) exists, may be read and
        searched, and leads through relations the user may read."""
        names = path.split(".")
        for index, name in enumerate(names):
            field = self._check_rule_field(model, name, field_name)
            if index == len(names) - 1 and sub_paths is None:
                return
            model = self._check_rule_relation(model, field, path, field_name)
        for sub_path, sub_sub_paths in sub_paths or ():
            self._check_rule_path(model, sub_path, sub_sub_paths, field_name)

    def _check_rule_field(self, model, name, field_name):
        """The field ``name`` of ``model``, if the acting user may search it."""
        field = model._fields.get(name)
        names = {"field": name, "model": model._description}
        if field is None:
            message = self.env._("%(field)s is not a field of %(model)s.", **names)
        elif not compat.field_is_readable(model, field):
            message = self.env._(
                "you may not read the field %(field)s of %(model)s.", **names
            )
        elif not field._description_searchable:
            message = self.env._(
                "the field %(field)s of %(model)s cannot be searched.", **names
            )
        else:
            return field
        raise self._rule_error(field_name, message)

    def _check_rule_relation(self, model, field, path, field_name):
        """The model ``field`` leads to, if it is a relation the acting user
        may read."""
        if not field.relational:
            message = self.env._(
                "%(field)s in %(path)s is not a relation.", field=field.name, path=path
            )
        elif not model.env[field.comodel_name].has_access("read"):
            message = self.env._(
                "you may not read %(model)s (%(path)s).",
                model=model.env[field.comodel_name]._description,
                path=path,
            )
        else:
            return model.env[field.comodel_name]
        raise self._rule_error(field_name, message)

    # ============================================================== rules (T3)

    def _get_include_domain(self):
        """OR of the checked include-boxes; none checked means nobody."""
        self.ensure_one()
        boxes = [
            (
                self.include_churned,
                [("commercial_partner_id.natero_churned", "=", True)],
            ),
            (self.include_inactive, self._partner_model()._natero_inactive_domain()),
            (self.include_crm_contacts, [("natero_crm_contact", "=", True)]),
            (self.include_product_users, [("natero_product_user", "=", True)]),
        ]
        domains = [domain for checked, domain in boxes if checked]
        return expression.OR(domains) if domains else expression.FALSE_DOMAIN

    def _get_base_recipient_domain(self):
        """Contacts that can receive an email of this trigger at all."""
        self.ensure_one()
        return [
            ("is_company", "=", False),
            ("email_normalized", "!=", False),
            ("company_id", "in", [False, self.company_id.id]),
        ]

    def _get_recipient_domain(self):
        """Users matching the rules now (T3), before the controls (T4)."""
        self.ensure_one()
        domains = [
            self._get_base_recipient_domain(),
            self._get_include_domain(),
            self._parse_domain(self.user_domain, "user_domain"),
            [("is_blacklisted", "=", False)],
        ]
        if self.use_account_rule:
            account_domain = self._parse_domain(self.account_domain, "account_domain")
            if account_domain:
                domains.append([("commercial_partner_id", "any", account_domain)])
        domains += [rule._get_partner_domain() for rule in self.usage_rule_ids]
        return expression.AND(domains)

    def _partner_model(self):
        """res.partner in this trigger's company (for the inactivity period)."""
        return self.env["res.partner"].with_company(self.company_id)

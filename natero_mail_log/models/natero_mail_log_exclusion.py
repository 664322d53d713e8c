# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import compat
from ..tools import addresses


@compat.sql_constraints
class NateroMailLogExclusion(models.Model):
    """Never-log list (L5): an address or a whole domain, per company."""

    _name = "natero.mail.log.exclusion"
    _description = "Email log: never-log entry"
    _order = "name"

    name = fields.Char(
        string="Address or domain",
        required=True,
        help="An email address (someone@example.com) or a whole domain "
        "(example.com): never logged, never made a contact.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    note = fields.Char()

    _sql_constraints = [
        (
            "name_company_uniq",
            "UNIQUE(name, company_id)",
            "This entry is already listed.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name"):
                vals["name"] = self._normalize_entry(vals["name"])
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("name"):
            vals["name"] = self._normalize_entry(vals["name"])
        return super().write(vals)

    @api.model
    def _normalize_entry(self, value):
        """The entry as participants' addresses are compared: an address in
        Odoo's normal form (``email_normalize``), a domain in lower case."""
        entry = addresses.normalize_entry(value)
        if not entry:
            raise ValidationError(
                self.env._(
                    "'%(value)s' is neither an email address nor a domain: enter "
                    "someone@example.com or example.com.",
                    value=value,
                )
            )
        return entry

    @api.model
    def _natero_entries_by_company(self, companies):
        """Return {company_id: (addresses, domains)} in one query."""
        result = {c.id: (set(), set()) for c in companies}
        # sudo: the engine reads each company's list, whoever triggered it.
        rows = self.sudo().search_fetch(
            [("company_id", "in", companies.ids)], ["name", "company_id"]
        )
        for row in rows:
            addresses, domains = result[row.company_id.id]
            (addresses if "@" in row.name else domains).add(row.name)
        return result

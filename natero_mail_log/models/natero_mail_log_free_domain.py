# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .. import compat
from ..tools import addresses


@compat.sql_constraints
class NateroMailLogFreeDomain(models.Model):
    """Free-mail domains (L3): never used to link a new contact to a company."""

    _name = "natero.mail.log.free.domain"
    _description = "Email log: free-mail domain"
    _order = "name"

    name = fields.Char(string="Domain", required=True)
    active = fields.Boolean(default=True)

    _sql_constraints = [
        ("name_uniq", "UNIQUE(name)", "This domain is already listed."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        return super().create([self._natero_normalized(vals) for vals in vals_list])

    @api.model
    def _natero_normalized(self, vals):
        """A domain as typed (" @Gmail.com") is stored as compared (gmail.com)."""
        if vals.get("name"):
            vals = dict(vals, name=addresses.normalize_domain(vals["name"]))
        return vals

    @api.constrains("name")
    def _check_name(self):
        for record in self:
            if not addresses.DOMAIN_RE.fullmatch(record.name):
                raise ValidationError(
                    self.env._(
                        "'%s' is not a domain name such as gmail.com.", record.name
                    )
                )

    @api.model
    def _natero_domains(self):
        # sudo: a shared configuration list, read by the engine.
        return set(self.sudo().search([]).mapped("name"))

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import create_index, email_normalize


class NateroUsageEvent(models.Model):
    """A product usage event of a user (SPEC T1).

    Arrives by the JSON endpoint ``POST /natero/usage/events`` (see
    ``controllers/usage.py``) or by Odoo's import. Identifiers sent by the product
    are kept as received (``user_email``, ``user_ref``, ``account_ref``) so an
    event whose user is not known yet is kept and can be linked later.
    """

    _name = "natero.usage.event"
    _description = "Product usage event"
    _order = "time desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Event", required=True)
    time = fields.Datetime(required=True, default=fields.Datetime.now)
    partner_id = fields.Many2one(
        "res.partner",
        string="User",
        ondelete="cascade",
        domain=[("is_company", "=", False)],
        check_company=True,
    )
    account_id = fields.Many2one(
        "res.partner",
        ondelete="cascade",
        index="btree_not_null",
        domain=[("is_company", "=", True)],
        check_company=True,
    )
    user_email = fields.Char(help="User's email as sent by the product.")
    user_ref = fields.Char(help="User's reference as sent by the product.")
    account_ref = fields.Char(help="Account's reference as sent by the product.")
    properties = fields.Json(help="Free event properties (JSON object).")
    properties_text = fields.Text(
        string="Properties (JSON)",
        compute="_compute_properties_text",
        inverse="_inverse_properties_text",
    )
    api_key_id = fields.Many2one(
        "natero.trigger.api.key", string="Received with", ondelete="set null"
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True
    )

    def init(self):
        # "count of event X in the last N days" per partner (SPEC T1, Scale)
        create_index(
            self.env.cr,
            "natero_usage_event_partner_name_time_idx",
            self._table,
            ["partner_id", "name", "time"],
        )

    @api.depends("properties")
    def _compute_properties_text(self):
        for event in self:
            event.properties_text = (
                json.dumps(event.properties, indent=2, sort_keys=True)
                if event.properties
                else False
            )

    def _inverse_properties_text(self):
        for event in self:
            try:
                value = json.loads(event.properties_text or "null")
            except ValueError as error:
                raise ValidationError(
                    self.env._("Properties must be JSON: %s", error)
                ) from error
            if value is not None and not isinstance(value, dict):
                raise ValidationError(self.env._("Properties must be a JSON object."))
            event.properties = value

    @api.model_create_multi
    def create(self, vals_list):
        self._resolve_partners(vals_list)
        return super().create(vals_list)

    @api.model
    def _resolve_partners(self, vals_list):
        """Fill ``partner_id``/``account_id`` from the received identifiers.

        An event resolves only among the contacts of its own company (that of
        the API key it came with) or of no company: one company's integration
        never reaches another's customers. Per company of the batch (usually
        one), one search per kind of identifier: users by reference, then by
        normalised email; accounts by reference, else the user's commercial
        partner.
        """
        default_company = self.env.company.id
        by_company = {}
        for vals in vals_list:
            company_id = vals.get("company_id", default_company) or False
            by_company.setdefault(company_id, []).append(vals)
        for company_id, company_vals in by_company.items():
            self._resolve_partners_of_company(
                company_vals, self.env["res.company"].browse(company_id)
            )
        return vals_list

    @api.model
    def _resolve_partners_of_company(self, vals_list, company):
        todo = [vals for vals in vals_list if not vals.get("partner_id")]
        user_refs = {vals["user_ref"] for vals in todo if vals.get("user_ref")}
        emails = {
            email_normalize(vals["user_email"])
            for vals in todo
            if vals.get("user_email")
        } - {False}
        account_refs = {
            vals["account_ref"]
            for vals in vals_list
            if vals.get("account_ref") and not vals.get("account_id")
        }
        Partner = self.env["res.partner"].with_context(active_test=False)
        in_company = Partner._check_company_domain(company)
        by_ref, by_email, accounts = {}, {}, {}
        if user_refs:
            found = Partner.search(
                [("ref", "in", list(user_refs)), *in_company], order="id"
            )
            by_ref = {partner.ref: partner for partner in reversed(found)}
        if emails:
            found = Partner.search(
                [
                    ("email_normalized", "in", list(emails)),
                    ("is_company", "=", False),
                    *in_company,
                ],
                order="id",
            )
            by_email = {
                partner.email_normalized: partner for partner in reversed(found)
            }
        if account_refs:
            found = Partner.search(
                [
                    ("ref", "in", list(account_refs)),
                    ("is_company", "=", True),
                    *in_company,
                ],
                order="id",
            )
            accounts = {partner.ref: partner for partner in reversed(found)}
        given = Partner.browse(
            {vals["partner_id"] for vals in vals_list if vals.get("partner_id")}
        )
        for vals in vals_list:
            partner = self.env["res.partner"]
            if vals.get("partner_id"):
                partner = Partner.browse(vals["partner_id"]).with_prefetch(given.ids)
            elif vals.get("user_ref") in by_ref:
                partner = by_ref[vals["user_ref"]]
            elif vals.get("user_email"):
                partner = by_email.get(email_normalize(vals["user_email"]), partner)
            if partner and not vals.get("partner_id"):
                vals["partner_id"] = partner.id
            if not vals.get("account_id"):
                account = accounts.get(vals.get("account_ref")) or (
                    partner.commercial_partner_id if partner else False
                )
                if account and account.filtered_domain(in_company):
                    vals["account_id"] = account.id
        return vals_list

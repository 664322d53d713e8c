# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import create_index


class ResPartner(models.Model):
    _inherit = "res.partner"

    natero_log_count = fields.Integer(
        string="Logged emails", compute="_compute_natero_log_count"
    )

    def init(self):
        res = super().init()
        # L3 matching and company-by-domain must not scan 100 000 contacts.
        create_index(
            self.env.cr,
            "res_partner_natero_email_normalized_index",
            "res_partner",
            ["email_normalized"],
            where="email_normalized IS NOT NULL",
        )
        create_index(
            self.env.cr,
            "res_partner_natero_email_domain_index",
            "res_partner",
            ["split_part(email_normalized, '@', 2)"],
            where="email_normalized IS NOT NULL",
        )
        return res

    def _natero_log_domain(self):
        """Logged messages of these partners (a company: its contacts' too)."""
        partners = self.with_context(active_test=False).search(
            [("id", "child_of", self.ids)]
        )
        return [
            ("natero_log_id", "!=", False),
            ("model", "=", "res.partner"),
            ("res_id", "in", partners.ids),
        ]

    def _compute_natero_log_count(self):
        Message = self.env["mail.message"]
        for partner in self:
            if not partner.id:
                partner.natero_log_count = 0
                continue
            partner.natero_log_count = Message.search_count(
                partner._natero_log_domain()
            )

    def action_natero_log_messages(self):
        self.ensure_one()
        return self.env["mail.message"]._natero_log_action(
            self._natero_log_domain(), self.display_name
        )

    @api.model
    def _natero_find_contacts(self, addresses, companies):
        """Return {address: contact} for known addresses (one query, L3).

        Every contact with the address matches; the one returned is the oldest
        (the others are found again through ``_natero_same_email``).
        """
        if not addresses:
            return {}
        # sudo: L3 matches every contact with the address; logging on them is
        # the engine's work (the notes follow each record's access rules).
        contacts = (
            self.sudo()
            .with_context(active_test=True)
            .search(
                [
                    ("email_normalized", "in", list(addresses)),
                    ("company_id", "in", [False, *companies.ids]),
                ],
                order="id",
            )
        )
        found = defaultdict(lambda: self.browse())
        for contact in contacts:
            found[contact.email_normalized] |= contact
        return dict(found)

    @api.model
    def _natero_create_contacts(self, names):
        """Create contacts for {address: name} (L3), linked to the one company
        owning their domain, never for free-mail domains."""
        free = self.env["natero.mail.log.free.domain"]._natero_domains()
        domains = {a.rsplit("@", 1)[1] for a in names} - free
        owners = self._natero_companies_by_domain(domains)
        vals_list = []
        for address, name in names.items():
            domain = address.rsplit("@", 1)[1]
            vals_list.append(
                {
                    "name": name or address,
                    "email": address,
                    "parent_id": owners.get(domain) if domain not in free else False,
                }
            )
        # sudo: contacts created by the engine for addresses it logs (L3).
        created = self.sudo().create(vals_list)
        return {c.email_normalized: c for c in created}

    @api.model
    def _natero_companies_by_domain(self, domains):
        """Return {domain: company id} where exactly one company owns it."""
        if not domains:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT split_part(p.email_normalized, '@', 2),
                       array_agg(DISTINCT c.id)
                  FROM res_partner p
                  JOIN res_partner c ON c.id = p.commercial_partner_id
                 WHERE p.email_normalized IS NOT NULL
                   AND split_part(p.email_normalized, '@', 2) = ANY(%s)
                   AND c.is_company AND c.active AND p.active
              GROUP BY 1
                """,
                list(domains),
            )
        )
        return {domain: ids[0] for domain, ids in rows if len(ids) == 1}

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

    def _natero_log_members(self):
        """{partner id: ids whose logged emails it shows}: itself and, for a
        company, its contacts (``child_of``), in one query for all of ``self``."""
        members = self.with_context(active_test=False).search_fetch(
            [("id", "child_of", self.ids)], ["parent_id"]
        )
        wanted = set(self.ids)
        result = {partner_id: set() for partner_id in wanted}
        for member in members:
            node = member
            while node:  # every ancestor in self shows this member's emails
                if node.id in wanted:
                    result[node.id].add(member.id)
                node = node.parent_id
        return result

    @api.model
    def _natero_log_domain(self, partner_ids):
        return [
            ("natero_log_id", "!=", False),
            ("model", "=", "res.partner"),
            ("res_id", "in", list(partner_ids)),
        ]

    def _compute_natero_log_count(self):
        """The emails logged on each partner or, for a company, on it or its
        contacts: each email counted once, however many of them it is on."""
        partners = self.filtered("id")
        members = partners._natero_log_members()
        everyone = set().union(*members.values())
        logs_of = defaultdict(set)
        for res_id, log_ids in self.env["mail.message"]._read_group(
            self._natero_log_domain(everyone),
            ["res_id"],
            ["natero_log_id:array_agg"],
        ):
            logs_of[res_id].update(log_ids)
        for partner in self:
            ids = members.get(partner.id, ())
            partner.natero_log_count = len(set().union(*(logs_of[i] for i in ids)))

    def action_natero_log_messages(self):
        """The emails logged on this partner (and its contacts), each once:
        the message on the partner itself when there is one, else the first."""
        self.ensure_one()
        ids = self._natero_log_members()[self.id]
        messages = self.env["mail.message"].search_fetch(
            self._natero_log_domain(ids), ["res_id", "natero_log_id"], order="id"
        )
        first = {}
        for message in messages:
            current = first.get(message.natero_log_id.id)
            if current is None or (
                message.res_id == self.id and current.res_id != self.id
            ):
                first[message.natero_log_id.id] = message
        return self.env["mail.message"]._natero_log_action(
            [("id", "in", [m.id for m in first.values()])], self.display_name
        )

    @api.model
    def _natero_find_contacts(self, addresses, companies):
        """Return {address: contacts} for known addresses (one query, L3):
        every contact with the address that one of ``companies`` may use (its
        own, or of no company).  Callers keep, per email, those of the log's
        company (``_natero_usable_by``)."""
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

    def _natero_usable_by(self, company):
        """The partners of ``self`` that ``company``'s mail may use: its own
        and the shared ones (no company), as Odoo's multi-company rule on
        res.partner lets that company's users see (issue 10 item 5)."""
        return self.filtered(lambda p: not p.company_id or p.company_id == company)

    @api.model
    def _natero_create_contacts(self, names, companies):
        """Create contacts for {address: name} (L3), under the one account
        owning their domain, never for free-mail domains.

        ``companies`` is {address: ids of the companies whose mail needs it}:
        the account must be one every such company may use, and the contact
        takes the account's company (as Odoo's contact form does); without an
        account the contact is shared, as those Odoo's gateway creates."""
        free = self.env["natero.mail.log.free.domain"]._natero_domains()
        domains = {a.rsplit("@", 1)[1] for a in names} - free
        owners = self._natero_companies_by_domain(domains)
        vals_list = []
        for address, name in names.items():
            domain = address.rsplit("@", 1)[1]
            wanted = companies.get(address, set())
            accounts = {
                (account, account_company)
                for account, account_company, contact_company in owners.get(domain, ())
                if all(
                    company in (False, None) or {company} == wanted
                    for company in (account_company, contact_company)
                )
            }
            account, account_company = (
                next(iter(accounts))
                if len(accounts) == 1 and domain not in free
                else (False, False)
            )
            vals_list.append(
                {
                    "name": name or address,
                    "email": address,
                    "parent_id": account,
                    "company_id": account_company or False,
                }
            )
        # sudo: contacts created by the engine for addresses it logs (L3).
        created = self.sudo().create(vals_list)
        return {c.email_normalized: c for c in created}

    @api.model
    def _natero_companies_by_domain(self, domains):
        """Return {domain: {(account id, account's company, contact's company)}}:
        the accounts whose contacts have addresses in each domain."""
        if not domains:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT DISTINCT split_part(p.email_normalized, '@', 2),
                       c.id, c.company_id, p.company_id
                  FROM res_partner p
                  JOIN res_partner c ON c.id = p.commercial_partner_id
                 WHERE p.email_normalized IS NOT NULL
                   AND split_part(p.email_normalized, '@', 2) = ANY(%s)
                   AND c.is_company AND c.active AND p.active
                """,
                list(domains),
            )
        )
        result = defaultdict(set)
        for domain, account, account_company, contact_company in rows:
            result[domain].add((account, account_company, contact_company))
        return result

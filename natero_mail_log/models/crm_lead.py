# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

OPEN_DEAL_SQL = SQL(
    """
    l.active AND l.type = 'opportunity'
    AND NOT COALESCE(
        (SELECT st.is_won FROM crm_stage st WHERE st.id = l.stage_id), FALSE
    )
    """
)


class CrmLead(models.Model):
    _inherit = "crm.lead"

    natero_log_count = fields.Integer(
        string="Logged emails", compute="_compute_natero_log_count"
    )

    def _compute_natero_log_count(self):
        counts = dict(
            self.env["mail.message"]._read_group(
                [
                    ("natero_log_id", "!=", False),
                    ("model", "=", "crm.lead"),
                    ("res_id", "in", self.ids),
                ],
                ["res_id"],
                ["__count"],
            )
        )
        for lead in self:
            lead.natero_log_count = counts.get(lead.id, 0)

    def action_natero_log_messages(self):
        self.ensure_one()
        domain = [
            ("natero_log_id", "!=", False),
            ("model", "=", "crm.lead"),
            ("res_id", "=", self.id),
        ]
        return self.env["mail.message"]._natero_log_action(domain, self.display_name)

    @api.model
    def _natero_recent_open_deals(self, partner_ids, limit, company_ids):
        """Return {(company id, partner id): deals}: for each company and each
        partner (contact or account), the ``limit`` most recently updated open
        deals that company may use, in one query (L3).

        A contact's deals count for its account too; a deal counts once per
        partner even when its customer is the account itself (issue 11). A
        company uses its own deals and the deals of no company, as Odoo's
        multi-company rule on ``crm.lead`` allows (issue 10 item 5)."""
        if not partner_ids or not company_ids or limit <= 0:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                WITH scope AS (
                    SELECT id, commercial_partner_id FROM res_partner
                     WHERE id = ANY(%(ids)s)
                     UNION
                    SELECT id, commercial_partner_id FROM res_partner
                     WHERE commercial_partner_id = ANY(%(ids)s)
                ), keyed AS (
                    SELECT DISTINCT l.id, l.write_date, l.company_id, k.key
                      FROM crm_lead l
                      JOIN scope s ON s.id = l.partner_id
                     CROSS JOIN LATERAL (
                         VALUES (s.id), (s.commercial_partner_id)
                     ) AS k(key)
                     WHERE %(open)s AND k.key = ANY(%(ids)s)
                )
                SELECT company, key, id FROM (
                    SELECT co.company, d.key, d.id, ROW_NUMBER() OVER (
                               PARTITION BY co.company, d.key
                               ORDER BY d.write_date DESC, d.id DESC
                           ) AS rank
                      FROM keyed d
                      JOIN unnest(%(companies)s::int[]) AS co(company)
                        ON d.company_id IS NULL OR d.company_id = co.company
                ) ranked
                WHERE rank <= %(limit)s
                """,
                open=OPEN_DEAL_SQL,
                ids=list(partner_ids),
                companies=list(company_ids),
                limit=limit,
            )
        )
        # One prefetch set for every deal of the batch: no per-deal queries.
        everything = self.browse({deal_id for _company, _key, deal_id in rows})
        everything.fetch(["write_date", "name"])
        ids = defaultdict(list)
        for company_id, key, deal_id in rows:
            ids[company_id, key].append(deal_id)
        return {
            key: self.browse(deal_ids).with_prefetch(everything._prefetch_ids)
            for key, deal_ids in ids.items()
        }

    @api.model
    def _natero_single_open_deal(self, contact_ids, company_ids):
        """Return {(company id, contact id): deal} for contacts with exactly
        one open deal that the company may use."""
        if not contact_ids or not company_ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT co.company, l.partner_id, min(l.id)
                  FROM crm_lead l
                  JOIN unnest(%s::int[]) AS co(company)
                    ON l.company_id IS NULL OR l.company_id = co.company
                 WHERE %s AND l.partner_id = ANY(%s)
              GROUP BY co.company, l.partner_id
                HAVING count(*) = 1
                """,
                list(company_ids),
                OPEN_DEAL_SQL,
                list(contact_ids),
            )
        )
        deals = self.browse([deal_id for _company, _partner, deal_id in rows])
        return {
            (company_id, partner_id): self.browse(deal_id).with_prefetch(
                deals._prefetch_ids
            )
            for company_id, partner_id, deal_id in rows
        }

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
    def _natero_recent_open_deals(self, partner_ids, limit):
        """Return {partner id: deals}: for each partner (contact or account),
        its ``limit`` most recently updated open deals, in one query (L3).
        A contact's deals count for its account too."""
        if not partner_ids or limit <= 0:
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
                ), deals AS (
                    SELECT l.id, l.write_date,
                           s.id AS pid, s.commercial_partner_id AS cid
                      FROM crm_lead l
                      JOIN scope s ON s.id = l.partner_id
                     WHERE %(open)s
                )
                SELECT key, id FROM (
                    SELECT k.key, d.id, ROW_NUMBER() OVER (
                               PARTITION BY k.key ORDER BY d.write_date DESC, d.id DESC
                           ) AS rank
                      FROM deals d
                     CROSS JOIN LATERAL (VALUES (d.pid), (d.cid)) AS k(key)
                     WHERE k.key = ANY(%(ids)s)
                ) ranked
                WHERE rank <= %(limit)s
                """,
                open=OPEN_DEAL_SQL,
                ids=list(partner_ids),
                limit=limit,
            )
        )
        # One prefetch set for every deal of the batch: no per-deal queries.
        everything = self.browse({deal_id for _key, deal_id in rows})
        everything.fetch(["write_date", "name"])
        ids = defaultdict(list)
        for key, deal_id in rows:
            ids[key].append(deal_id)
        return {
            key: self.browse(deal_ids).with_prefetch(everything._prefetch_ids)
            for key, deal_ids in ids.items()
        }

    @api.model
    def _natero_single_open_deal(self, contact_ids):
        """Return {contact id: deal} for contacts with exactly one open deal."""
        if not contact_ids:
            return {}
        rows = self.env.execute_query(
            SQL(
                """
                SELECT l.partner_id, min(l.id)
                  FROM crm_lead l
                 WHERE %s AND l.partner_id = ANY(%s)
              GROUP BY l.partner_id
                HAVING count(*) = 1
                """,
                OPEN_DEAL_SQL,
                list(contact_ids),
            )
        )
        deals = self.browse([deal_id for _partner_id, deal_id in rows])
        return {
            partner_id: self.browse(deal_id).with_prefetch(deals._prefetch_ids)
            for partner_id, deal_id in rows
        }

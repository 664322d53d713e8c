# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

OPEN_DEAL_SQL = SQL(
    """
    l.active AND l.type = 'opportunity'
    AND NOT COALESCE((SELECT s.is_won FROM crm_stage s WHERE s.id = l.stage_id), FALSE)
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
                SELECT key, id FROM (
                    SELECT k.key, l.id, ROW_NUMBER() OVER (
                               PARTITION BY k.key ORDER BY l.write_date DESC, l.id DESC
                           ) AS rank
                      FROM crm_lead l
                      JOIN res_partner p ON p.id = l.partner_id
                     CROSS JOIN LATERAL (
                           VALUES (l.partner_id), (p.commercial_partner_id)
                     ) AS k(key)
                     WHERE %(open)s
                       AND (l.partner_id = ANY(%(ids)s)
                            OR p.commercial_partner_id = ANY(%(ids)s))
                       AND k.key = ANY(%(ids)s)
                ) ranked
                WHERE rank <= %(limit)s
                """,
                open=OPEN_DEAL_SQL,
                ids=list(partner_ids),
                limit=limit,
            )
        )
        result = defaultdict(lambda: self.browse())
        deals = self.browse({deal_id for _key, deal_id in rows})
        deals.fetch(["write_date"])
        for key, deal_id in rows:
            result[key] |= self.browse(deal_id)
        return dict(result)

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
        return {partner_id: self.browse(deal_id) for partner_id, deal_id in rows}

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    natero_trigger_send_id = fields.Many2one(
        "natero.trigger.send",
        string="Email trigger send",
        index="btree_not_null",
        ondelete="set null",
    )

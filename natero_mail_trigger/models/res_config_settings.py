# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    natero_inactive_days = fields.Integer(
        related="company_id.natero_inactive_days", readonly=False
    )
    natero_trigger_stop_replied = fields.Boolean(
        related="company_id.natero_trigger_stop_replied", readonly=False
    )
    natero_trigger_reply_address = fields.Char(
        related="company_id.natero_trigger_reply_alias_id.display_name",
        string="Reply address",
    )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    natero_inactive_days = fields.Integer(
        string="Inactive after (days)",
        default=30,
        help="A product user is inactive when they have not logged in for this many "
        "days (or never logged in). Used by the 'Inactive users' include-box of "
        "email triggers (SPEC T1, T3).",
    )

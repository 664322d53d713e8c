# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize


class NateroMailLogSender(models.Model):
    """An extra address of a user (L4): connected mailbox or alias."""

    _name = "natero.mail.log.sender"
    _description = "Email log: connected address of a user"
    _order = "connected_at, id"

    user_id = fields.Many2one(
        "res.users",
        required=True,
        ondelete="cascade",
        index=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    email = fields.Char(required=True)
    email_normalized = fields.Char(
        compute="_compute_email_normalized", store=True, index=True
    )
    kind = fields.Selection(
        [("connected", "Connected address"), ("alias", "Alias")],
        required=True,
        default="connected",
    )
    connected_at = fields.Datetime(
        string="Connected on", default=fields.Datetime.now, required=True
    )
    company_id = fields.Many2one(related="user_id.company_id", store=True)

    _sql_constraints = [
        ("user_email_uniq", "UNIQUE(user_id, email_normalized)", "Already connected."),
    ]

    @api.depends("email")
    def _compute_email_normalized(self):
        for sender in self:
            sender.email_normalized = email_normalize(sender.email or "") or False

    @api.constrains("email_normalized")
    def _check_email(self):
        for sender in self:
            if not sender.email_normalized:
                raise ValidationError(
                    self.env._("'%s' is not a valid email address.", sender.email)
                )

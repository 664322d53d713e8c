# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import email_normalize

from .. import compat


@compat.sql_constraints
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
    natero_is_manager = fields.Boolean(
        compute="_compute_natero_is_manager",
        help="Whether the reader manages email logging: only managers set the "
        "connection date (enforced on write).",
    )

    _sql_constraints = [
        ("user_email_uniq", "UNIQUE(user_id, email_normalized)", "Already connected."),
    ]

    @api.depends_context("uid")
    def _compute_natero_is_manager(self):
        self.natero_is_manager = self._natero_is_manager()

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

    @api.model
    def _natero_is_manager(self):
        """Whether the acting user manages email logging.

        Superuser mode is no answer: My Profile, or any code calling sudo()
        for an employee, must not make them a manager (issue 10 item 2).  The
        superuser account itself (OdooBot, data files) is a manager by data.
        """
        return self.env.user.has_group("natero_mail_log.group_natero_mail_log_manager")

    @api.model_create_multi
    def create(self, vals_list):
        if not self._natero_is_manager():
            for vals in vals_list:
                # "First connected" decides attribution (L4): no backdating.
                vals.pop("connected_at", None)
        return super().create(vals_list)

    def write(self, vals):
        if {"connected_at", "user_id"} & set(vals) and not self._natero_is_manager():
            raise AccessError(
                self.env._("Only an email log manager can move or backdate an address.")
            )
        return super().write(vals)

    @api.constrains("email_normalized", "user_id")
    def _check_not_someone_else(self):
        """A user may not claim a colleague's or a customer's address (L4):
        mail from it would then be logged, and counted, as theirs."""
        if self._natero_is_manager():
            return
        for sender in self:
            # sudo: the check must see every user and contact, whoever asks.
            Users = self.env["res.users"].sudo().with_context(active_test=False)
            owner = Users.search(
                [
                    ("id", "!=", sender.user_id.id),
                    "|",
                    ("email_normalized", "=", sender.email_normalized),
                    ("login", "=", sender.email_normalized),
                ],
                limit=1,
            )
            contact = (
                self.env["res.partner"]
                .sudo()
                .search(
                    [
                        ("email_normalized", "=", sender.email_normalized),
                        ("user_ids", "=", False),
                    ],
                    limit=1,
                )
            )
            if owner or contact:
                # Name a contact of another company only to its users (the
                # multi-company rule on res.partner), not to anyone who asks.
                visible = (
                    owner
                    or not contact.company_id
                    or contact.company_id in self.env.user.company_ids
                )
                raise ValidationError(
                    self.env._(
                        "%(email)s is the address of %(who)s: ask an email log "
                        "manager to connect it if it is really yours.",
                        email=sender.email,
                        who=(owner or contact).display_name
                        if visible
                        else self.env._("a contact"),
                    )
                )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
import secrets
import string

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import consteq
from odoo.tools.sql import escape_psql

from .. import compat

TOKEN_ALPHABET = string.ascii_lowercase + string.digits
TOKEN_LENGTH = 24  # 36**24 ~ 2**124: unguessable
TOKEN_PREFIX = 8  # the indexed, non-secret-enough lookup part
TOKEN_RE = re.compile(rf"[{TOKEN_ALPHABET}]{{{TOKEN_LENGTH}}}")


def new_token():
    return "".join(secrets.choice(TOKEN_ALPHABET) for _i in range(TOKEN_LENGTH))


@compat.sql_constraints
class ResUsers(models.Model):
    _inherit = "res.users"

    natero_log_token = fields.Char(
        copy=False,
        groups="base.group_system",
        index="btree_not_null",
        help="Secret part of the user's personal log address (L1).",
    )
    natero_log_address = fields.Char(
        string="Personal log address",
        compute="_compute_natero_log_address",
        help="BCC or forward email to this address: it is logged as yours.",
    )
    natero_log_sender_ids = fields.One2many(
        "natero.mail.log.sender", "user_id", string="Connected addresses"
    )

    _sql_constraints = [
        ("natero_log_token_uniq", "UNIQUE(natero_log_token)", "Log tokens are unique."),
    ]

    @property
    def SELF_READABLE_FIELDS(self):
        return super().SELF_READABLE_FIELDS + [
            "natero_log_address",
            "natero_log_sender_ids",
        ]

    # natero_log_sender_ids is deliberately NOT self-writeable: res.users
    # writes self-writeable fields as superuser, which would skip the access
    # rules of natero.mail.log.sender (issue 10 item 2).  ``write`` applies
    # My Profile's changes to it as the acting user instead.

    def write(self, vals):
        if "natero_log_sender_ids" in vals:
            vals = dict(vals)
            commands = vals.pop("natero_log_sender_ids")
            for user in self:
                user._natero_write_senders(commands)
            if not vals:
                return True
        return super().write(vals)

    def _natero_write_senders(self, commands):
        """Apply One2many ``commands`` to this user's connected addresses as
        the acting user: natero.mail.log.sender's access rights and rules
        decide (own rows for users, every row for managers), never sudo."""
        self.ensure_one()
        Sender = self.env["natero.mail.log.sender"].with_user(self.env.user)
        mine = Sender.search([("user_id", "=", self.id)])
        for command in commands or ():
            if not isinstance(command, (list, tuple)) or not command:
                continue
            kind = command[0]
            if kind == Command.CREATE:
                Sender.create({**(command[2] or {}), "user_id": self.id})
            elif kind == Command.UPDATE:
                Sender.browse(command[1]).write(command[2] or {})
            elif kind in (Command.DELETE, Command.UNLINK):
                # ondelete="cascade", required user_id: unlinking deletes.
                Sender.browse(command[1]).unlink()
            elif kind == Command.LINK:
                Sender.browse(command[1]).write({"user_id": self.id})
            elif kind in (Command.CLEAR, Command.SET):
                keep = set(command[2] or ()) if kind == Command.SET else set()
                (mine.exists() - Sender.browse(keep)).unlink()
                Sender.browse(keep - set(mine.ids)).write({"user_id": self.id})

    @api.depends(
        "natero_log_token",
        "company_id.natero_log_alias_id.alias_name",
        "company_id.natero_log_alias_id.alias_domain_id",
    )
    @api.depends_context("uid")
    def _compute_natero_log_address(self):
        is_manager = self.env.user.has_group("base.group_system")
        for user in self:
            # The token is secret: show it to its owner and to administrators only.
            if user._is_internal() and (user == self.env.user or is_manager):
                user.natero_log_address = user.sudo()._natero_log_personal_address()
            else:
                user.natero_log_address = False

    def _natero_log_personal_address(self):
        """Return ``alias+token@domain`` for this user."""
        self.ensure_one()
        alias = self.company_id.natero_log_alias_id
        if not alias or not self.natero_log_token:
            return False
        local = f"{alias.alias_name}+{self.natero_log_token}"
        domain = alias.alias_domain_id.name
        return f"{local}@{domain}" if domain else local

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            vals.setdefault("natero_log_token", new_token())
        return super().create(vals_list)

    def action_natero_log_rotate_token(self):
        """Give the user a new personal address; the old one stops working."""
        if any(u != self.env.user for u in self) and not self.env.user.has_group(
            "base.group_system"
        ):
            raise AccessError(self.env._("You can only rotate your own log address."))
        # sudo: the token field is restricted to administrators; checked above.
        for user in self.sudo():
            user.natero_log_token = new_token()
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _natero_log_user_from_token(self, token):
        """Return the user owning ``token`` (compared in constant time).

        Anything but a well-formed token (24 lower-case ASCII letters and
        digits) is nobody's: the gateway then treats the mail as sent to an
        unknown personal address, and never raises (issue 10 item 7).
        """
        token = token or ""
        if not token.isascii() or not TOKEN_RE.fullmatch(token.lower()):
            return self.browse()
        token = token.lower()
        # sudo: the gateway has no user yet; the token itself is the credential.
        candidates = (
            self.sudo()
            .with_context(active_test=True)
            .search(
                [
                    (
                        "natero_log_token",
                        "=like",
                        escape_psql(token[:TOKEN_PREFIX]) + "%",
                    )
                ]
            )
        )
        for user in candidates:
            if consteq(user.natero_log_token.encode(), token.encode()):
                return user
        return self.browse()

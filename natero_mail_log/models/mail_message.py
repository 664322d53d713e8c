# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from .. import compat

ENGINE_FIELDS = ("natero_log_id", "natero_log_key")


class MailMessage(models.Model):
    _inherit = "mail.message"

    natero_log_id = fields.Many2one(
        "natero.mail.log",
        string="Email log entry",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
    )
    natero_log_key = fields.Char(
        string="Logged email key",
        readonly=True,
        help="Message-ID (or content hash) of the logged email: one message per "
        "email and record (L8).",
    )
    natero_log_kind = fields.Selection(related="natero_log_id.kind")
    natero_log_user_id = fields.Many2one(
        related="natero_log_id.user_id", string="Logged by"
    )

    def init(self):
        res = super().init()
        # L8, enforced by the database: one logged message per (email, record).
        compat.create_unique_index(
            self.env.cr,
            "mail_message_natero_log_key_uniq",
            "mail_message",
            ["natero_log_key", "model", "res_id"],
        )
        return res

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._natero_check_engine_fields(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._natero_check_engine_fields(vals)
        return super().write(vals)

    @api.model
    def _natero_check_engine_fields(self, vals):
        """Only the logging engine (which runs as superuser) links a message to
        a log: a user who wrote a message could otherwise give it the key of
        an email to come and so keep that email off the record (L8)."""
        if not self.env.su and any(vals.get(f) for f in ENGINE_FIELDS):
            raise AccessError(
                self.env._("Only the email log engine links messages to logged emails.")
            )

    @api.model
    def _natero_logged_keys(self, keys):
        """Return {(key, model, res_id)} already logged, for ``keys``."""
        if not keys:
            return set()
        rows = self.env.execute_query(
            SQL(
                "SELECT natero_log_key, model, res_id FROM mail_message "
                "WHERE natero_log_key = ANY(%s)",
                list(keys),
            )
        )
        return {tuple(row) for row in rows}

    @api.depends("record_name", "subject")
    @api.depends_context("natero_log_subjects")
    def _compute_display_name(self):
        """In the logged emails of a record (smart buttons), a message is
        named by its subject (breadcrumbs), not by the record it is on."""
        res = super()._compute_display_name()
        if self.env.context.get("natero_log_subjects"):
            for message in self.filtered(lambda m: m.natero_log_id and m.subject):
                message.display_name = message.subject
        return res

    @api.model
    def _natero_log_action(self, domain, name):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_log.natero_mail_log_message_action"
        )
        action["domain"] = domain
        action["display_name"] = self.env._("Logged emails: %s", name)
        return action

    def action_natero_open_record(self):
        """Open the record a logged email is on (the smart button's rows)."""
        self.ensure_one()
        record = self.env[self.model].browse(self.res_id).exists()
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

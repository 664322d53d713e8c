# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class NateroMailLogLink(models.TransientModel):
    """Link an unassigned (or logged) email to records by hand (L6)."""

    _name = "natero.mail.log.link"
    _description = "Email log: link an email to records"

    log_id = fields.Many2one("natero.mail.log", required=True, ondelete="cascade")
    subject = fields.Char(related="log_id.subject")
    partner_ids = fields.Many2many(
        "res.partner",
        "natero_mail_log_link_partner_rel",
        string="Contacts",
        domain=[("is_company", "=", False)],
    )
    account_ids = fields.Many2many(
        "res.partner",
        "natero_mail_log_link_account_rel",
        string="Companies",
        domain=[("is_company", "=", True)],
    )
    lead_ids = fields.Many2many(
        "crm.lead",
        string="Deals",
        domain=[("type", "=", "opportunity")],
    )
    new_contact_email = fields.Char(string="New contact's email")
    new_contact_name = fields.Char(string="New contact's name")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        log = self.env["natero.mail.log"].browse(self.env.context.get("active_id"))
        if log.exists():
            values["log_id"] = log.id
        return values

    def action_link(self):
        self.ensure_one()
        partners = self.partner_ids
        if self.new_contact_email:
            partners |= self.env["res.partner"].create(
                {
                    "name": self.new_contact_name or self.new_contact_email,
                    "email": self.new_contact_email,
                }
            )
        if not (partners or self.account_ids or self.lead_ids):
            raise UserError(
                self.env._("Pick at least one contact, company or deal to log on.")
            )
        decision = self.log_id._natero_link(partners | self.account_ids, self.lead_ids)
        close = {"type": "ir.actions.act_window_close"}
        if decision.state == "logged":
            return close
        # Refused as any email would be (a body over the size limit, L7): the
        # log keeps the reason and its user is notified; say it here too.
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("The email was not logged"),
                "message": decision.reason,
                "type": "warning",
                "sticky": True,
                "next": close,
            },
        }

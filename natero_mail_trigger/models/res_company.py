# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

DEFAULT_REPLY_ALIAS = "reply"


class ResCompany(models.Model):
    _inherit = "res.company"

    natero_inactive_days = fields.Integer(
        string="Inactive after (days)",
        default=30,
        help="A product user is inactive when they have not logged in for this many "
        "days (or never logged in). Used by the 'Inactive users' include-box of "
        "email triggers (SPEC T1, T3).",
    )
    natero_trigger_reply_alias_id = fields.Many2one(
        "mail.alias",
        string="Trigger reply alias",
        copy=False,
        ondelete="restrict",
        help="Replies to triggered emails come back to a plus-address of this "
        "alias, signed for each email (T9).",
    )
    natero_trigger_stop_replied = fields.Boolean(
        string="Stop triggers for users who replied",
        help="Every trigger stops for the users who replied to it, as if its "
        "'Stop for users who replied' option were checked.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._natero_ensure_reply_alias()
        return companies

    def write(self, vals):
        res = super().write(vals)
        if "alias_domain_id" in vals:
            # The reply alias follows the company's alias domain, as the log
            # alias does (sudo: whoever may change the company may move it).
            for company in self.filtered("natero_trigger_reply_alias_id"):
                company.natero_trigger_reply_alias_id.sudo().alias_domain_id = (
                    company.alias_domain_id
                )
        return res

    @api.model
    def _natero_setup_reply_aliases(self):
        """Idempotent: run by data/natero_trigger_reply_data.xml at install."""
        self.search([])._natero_ensure_reply_alias()

    def _natero_ensure_reply_alias(self):
        """Create the reply alias (T9) of companies that have none.

        Its model is ``natero.mail.log``: Odoo's router never sees it (as the
        log aliases), and only a signed plus-address of it is taken.
        """
        model_id = self.env["ir.model"]._get_id("natero.mail.log")
        # sudo: the reply alias is part of the company's configuration.
        Alias = self.env["mail.alias"].sudo()
        for company in self.filtered(lambda c: not c.natero_trigger_reply_alias_id):
            name = DEFAULT_REPLY_ALIAS
            domain = company.alias_domain_id
            taken = Alias.search_count(
                [("alias_name", "=", name), ("alias_domain_id", "=", domain.id)]
            )
            if taken:
                name = f"{DEFAULT_REPLY_ALIAS}-{company.id}"
            company.natero_trigger_reply_alias_id = Alias.create(
                {
                    "alias_name": name,
                    "alias_domain_id": domain.id,
                    "alias_model_id": model_id,
                    "alias_contact": "everyone",
                    "alias_defaults": repr({"company_id": company.id}),
                }
            )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

MB = 1024 * 1024


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    natero_log_alias_id = fields.Many2one(
        related="company_id.natero_log_alias_id", readonly=False
    )
    natero_log_alias_name = fields.Char(
        related="company_id.natero_log_alias_id.alias_name",
        string="Log address name",
        readonly=False,
    )
    natero_log_address = fields.Char(related="company_id.natero_log_address")
    natero_log_internal_domains = fields.Char(
        related="company_id.natero_log_internal_domains", readonly=False
    )
    natero_log_create_contacts = fields.Boolean(
        related="company_id.natero_log_create_contacts", readonly=False
    )
    natero_log_max_deals = fields.Integer(
        related="company_id.natero_log_max_deals", readonly=False
    )
    natero_log_deal_routing = fields.Selection(
        related="company_id.natero_log_deal_routing", readonly=False
    )
    natero_log_forward_mode = fields.Selection(
        related="company_id.natero_log_forward_mode", readonly=False
    )
    natero_log_max_body_size = fields.Integer(
        related="company_id.natero_log_max_body_size", readonly=False
    )
    natero_log_max_attachment_size = fields.Integer(
        related="company_id.natero_log_max_attachment_size", readonly=False
    )
    # Shown in MB, stored in bytes on the company (the pipeline compares bytes).
    natero_log_max_body_mb = fields.Float(
        string="Largest body (MB)",
        digits=(16, 2),
        compute="_compute_natero_log_size_mb",
        inverse="_inverse_natero_log_size_mb",
    )
    natero_log_max_attachment_mb = fields.Float(
        string="Largest attachment (MB)",
        digits=(16, 2),
        compute="_compute_natero_log_size_mb",
        inverse="_inverse_natero_log_size_mb",
    )
    natero_log_require_auth = fields.Boolean(
        related="company_id.natero_log_require_auth", readonly=False
    )
    natero_log_trusted_authserv = fields.Char(
        related="company_id.natero_log_trusted_authserv", readonly=False
    )
    natero_log_auth_hops = fields.Integer(
        related="company_id.natero_log_auth_hops", readonly=False
    )
    natero_log_auth_alignment = fields.Selection(
        related="company_id.natero_log_auth_alignment", readonly=False
    )
    natero_log_exclusion_count = fields.Integer(
        compute="_compute_natero_log_exclusion_count"
    )

    @api.depends("natero_log_max_body_size", "natero_log_max_attachment_size")
    def _compute_natero_log_size_mb(self):
        for settings in self:
            settings.natero_log_max_body_mb = settings.natero_log_max_body_size / MB
            settings.natero_log_max_attachment_mb = (
                settings.natero_log_max_attachment_size / MB
            )

    def _inverse_natero_log_size_mb(self):
        for settings in self:
            settings.natero_log_max_body_size = round(
                settings.natero_log_max_body_mb * MB
            )
            settings.natero_log_max_attachment_size = round(
                settings.natero_log_max_attachment_mb * MB
            )

    def _compute_natero_log_exclusion_count(self):
        Exclusion = self.env["natero.mail.log.exclusion"]
        for settings in self:
            settings.natero_log_exclusion_count = Exclusion.search_count(
                [("company_id", "=", settings.company_id.id)]
            )

    def action_natero_log_exclusions(self):
        self.ensure_one()
        # A statement of its own: Odoo 19's term extractor would otherwise take
        # the next "(" of this dict (the domain's) for another _() call.
        name = self.env._("Never-log list")
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "natero.mail.log.exclusion",
            "view_mode": "list",
            "domain": [("company_id", "=", self.company_id.id)],
            "context": {"default_company_id": self.company_id.id},
        }

    def action_natero_log_free_domains(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "natero_mail_log.natero_mail_log_free_domain_action"
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools import addresses
from .res_users import new_token

DEFAULT_ALIAS = "log"
MAX_AUTH_HOPS = 10
DOMAIN_SPLIT_RE = re.compile(r"[\s,;]+")


class ResCompany(models.Model):
    _inherit = "res.company"

    natero_log_alias_id = fields.Many2one(
        "mail.alias",
        string="Email log alias",
        copy=False,
        ondelete="restrict",
        help="The organisation's log address (L1): BCC or forward email to it.",
    )
    natero_log_address = fields.Char(
        related="natero_log_alias_id.display_name", string="Log address"
    )
    natero_log_internal_domains = fields.Char(
        string="Internal domains",
        help="Domains of your own organisation, separated by commas or spaces. "
        "Addresses in them (and in your users' domains) are never customer "
        "participants.",
    )
    natero_log_create_contacts = fields.Boolean(
        string="Create contacts for unknown addresses", default=True
    )
    natero_log_max_deals = fields.Integer(
        string="Deals per email",
        default=5,
        help="Log on at most this many of the most recently updated open deals "
        "of each contact and account.",
    )
    natero_log_deal_routing = fields.Selection(
        [
            ("recent", "Most recent open deals"),
            ("unambiguous", "Only when unambiguous"),
        ],
        string="Deal routing",
        default="recent",
        required=True,
        help="Only when unambiguous: log on a deal only when the contact (or its "
        "account) has exactly one open deal.",
    )
    natero_log_forward_mode = fields.Selection(
        [
            ("original", "Original participants"),
            ("headers", "Forwarding message's headers only"),
        ],
        string="Forwarded emails",
        default="original",
        required=True,
    )
    natero_log_max_body_size = fields.Integer(
        string="Largest body (bytes)",
        default=2 * 1024 * 1024,
        help="Emails whose body (attachments excluded) is larger are not logged.",
    )
    natero_log_max_attachment_size = fields.Integer(
        string="Largest attachment (bytes)",
        default=50 * 1024 * 1024,
        help="Larger attachments are dropped; the email is logged without them.",
    )
    natero_log_require_auth = fields.Boolean(
        string="Require sender authentication",
        help="Log only mail whose sender your own mail server authenticated: "
        "DMARC pass, or a DKIM or SPF pass aligned with the From domain.",
    )
    natero_log_trusted_authserv = fields.Char(
        string="Trusted authentication server",
        help="The authserv-id your mail server writes in Authentication-Results "
        "headers, e.g. mx.example.com (OpenDMARC: AuthservID; rspamd: "
        "milter_headers authenticated_headers / the server's hostname).",
    )
    natero_log_auth_hops = fields.Integer(
        string="Own Received headers above the results",
        default=0,
        help="How many Received headers your own servers add above the "
        "Authentication-Results header (0 when Odoo gets mail straight from the "
        "filtering MX; 1 when a mailbox or relay of yours sits behind it). "
        "Headers below that are the sender's and never count.",
    )
    natero_log_auth_alignment = fields.Selection(
        [
            ("relaxed", "Relaxed (same organisational domain)"),
            ("strict", "Strict (same domain)"),
        ],
        string="Alignment",
        default="relaxed",
        required=True,
        help="How a DKIM signing domain or SPF envelope domain must match the "
        "From domain (RFC 7489). A DMARC pass is accepted either way.",
    )

    @api.constrains(
        "natero_log_max_deals",
        "natero_log_max_body_size",
        "natero_log_max_attachment_size",
        "natero_log_auth_hops",
    )
    def _check_natero_log_limits(self):
        for company in self:
            if company.natero_log_auth_hops > MAX_AUTH_HOPS:
                raise ValidationError(
                    self.env._(
                        "Own Received headers above the results: at most %s.",
                        MAX_AUTH_HOPS,
                    )
                )
            for fname, minimum in (
                ("natero_log_max_deals", 0),
                ("natero_log_max_body_size", 1),
                ("natero_log_max_attachment_size", 1),
                ("natero_log_auth_hops", 0),
            ):
                if company[fname] < minimum:
                    raise ValidationError(
                        self.env._(
                            "%(field)s must be at least %(minimum)s (it is %(value)s).",
                            field=self._fields[fname].get_description(self.env)[
                                "string"
                            ],
                            minimum=minimum,
                            value=company[fname],
                        )
                    )

    @api.constrains("natero_log_internal_domains")
    def _check_natero_log_internal_domains(self):
        for company in self:
            bad = [
                d
                for d in company._natero_split_domains(
                    company.natero_log_internal_domains
                )
                if not addresses.DOMAIN_RE.fullmatch(d)
            ]
            if bad:
                raise ValidationError(
                    self.env._(
                        "Internal domains must be domain names such as example.com, "
                        "separated by commas or spaces; fix: %(bad)s",
                        bad=", ".join(bad),
                    )
                )

    @api.constrains("natero_log_require_auth", "natero_log_trusted_authserv")
    def _check_natero_log_trusted_authserv(self):
        for company in self:
            if (
                company.natero_log_require_auth
                and not company.natero_log_trusted_authserv
            ):
                raise ValidationError(
                    self.env._(
                        "Requiring sender authentication needs the trusted "
                        "authentication server (the authserv-id your mail server "
                        "writes in Authentication-Results)."
                    )
                )

    @staticmethod
    def _natero_split_domains(value):
        return [
            addresses.normalize_domain(d)
            for d in DOMAIN_SPLIT_RE.split(value or "")
            if d.strip()
        ]

    def _natero_internal_domains(self):
        """Domains never treated as customers: the setting, the company's own."""
        self.ensure_one()
        domains = set(self._natero_split_domains(self.natero_log_internal_domains))
        if self.alias_domain_id:
            domains.add(addresses.normalize_domain(self.alias_domain_id.name))
        if domain := addresses.domain_of(self.email):
            domains.add(domain)
        return domains

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._natero_ensure_log_alias()
        return companies

    def write(self, vals):
        res = super().write(vals)
        if "alias_domain_id" in vals:
            # The log address follows the company's alias domain (sudo: whoever
            # may change the company may move its alias).
            for company in self.filtered("natero_log_alias_id"):
                company.natero_log_alias_id.sudo().alias_domain_id = (
                    company.alias_domain_id
                )
        return res

    @api.model
    def _natero_setup_defaults(self):
        """Each company's log alias and users' tokens (the free-mail list is
        data/natero_mail_log_free_domain_data.xml).

        Idempotent: run by data/natero_mail_log_data.xml at install (before
        the demo data, which needs the aliases) and by the post-init hook.
        """
        self.search([])._natero_ensure_log_alias()
        users = (
            self.env["res.users"]
            .with_context(active_test=False)
            .search([("natero_log_token", "=", False)])
        )
        for user in users:
            user.natero_log_token = new_token()

    def _natero_ensure_log_alias(self):
        """Create the org log alias (L1) of companies that have none."""
        model_id = self.env["ir.model"]._get_id("natero.mail.log")
        # sudo: the log alias is part of the company's configuration.
        Alias = self.env["mail.alias"].sudo()
        for company in self.filtered(lambda c: not c.natero_log_alias_id):
            name = DEFAULT_ALIAS
            domain = company.alias_domain_id
            taken = Alias.search_count(
                [("alias_name", "=", name), ("alias_domain_id", "=", domain.id)]
            )
            if taken:
                name = f"{DEFAULT_ALIAS}-{company.id}"
            company.natero_log_alias_id = Alias.create(
                {
                    "alias_name": name,
                    "alias_domain_id": domain.id,
                    "alias_model_id": model_id,
                    "alias_contact": "everyone",
                    "alias_incoming_local": True,
                    "alias_defaults": repr({"company_id": company.id}),
                }
            )

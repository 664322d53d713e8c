# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the email log form shows of a stored email: its headers, its body
sanitised as chatter shows an email, its attachments, and the attribution
rule in words.  Computed from the raw mail on reading, never stored twice.
"""

import base64
import re

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import html_sanitize

from ..tools import parse as mail_parse
from ..tools import policy


class NateroMailLogDisplay(models.AbstractModel):
    """The reading side of ``natero.mail.log``, which inherits it."""

    _name = "natero.mail.log.display"
    _description = "Email log: the email as its form shows it"

    email_from_display = fields.Char(string="From", compute="_compute_email_display")
    email_to_display = fields.Char(string="To", compute="_compute_email_display")
    email_cc_display = fields.Char(string="Cc", compute="_compute_email_display")
    body_display = fields.Html(
        string="Body",
        compute="_compute_email_display",
        sanitize=False,  # sanitised by the compute, as mail.message bodies
    )
    attachment_display = fields.Html(
        string="Attachments", compute="_compute_email_display", sanitize=False
    )
    raw_filename = fields.Char(compute="_compute_raw_filename")
    attribution_text = fields.Char(
        string="Attribution rule", compute="_compute_attribution_text"
    )

    @api.depends("subject")
    def _compute_raw_filename(self):
        for log in self:
            stem = re.sub(r"[^\w.-]+", "_", log.subject or "", flags=re.ASCII)
            log.raw_filename = f"{stem.strip('._')[:80] or 'email'}.eml"

    @api.model
    def _natero_attribution_rules(self):
        """{rule: its meaning}: the rules of tools/policy.attribute (L4)."""
        return {
            "personal_address": self.env._(
                "Sent to the user's personal log address from one of the "
                "user's own addresses."
            ),
            "connected": self.env._(
                "Sent from an address the user connected (My Profile)."
            ),
            "login": self.env._("Sent from the user's login or email address."),
            "alias": self.env._("Sent from an alias of the user."),
            "connected_first": self.env._(
                "Several users connected the sender's address: the one who "
                "connected it first."
            ),
            "ambiguous": self.env._(
                "Several users have the sender's address: the oldest user account."
            ),
            "manual": self.env._(
                "Linked by hand: it counts for the user who linked it."
            ),
        }

    @api.depends("attribution_rule")
    @api.depends_context("lang")
    def _compute_attribution_text(self):
        rules = self._natero_attribution_rules()
        for log in self:
            rule = log.attribution_rule
            log.attribution_text = rules.get(rule, rule) if rule else False

    @api.depends("subject")
    def _compute_email_display(self):
        own = self._natero_own_addresses()
        for log in self:
            log.update(log._natero_display_values(log._natero_parsed(own), own))

    def _natero_parsed(self, own=None):
        """The stored email, parsed; None when there is none or it is unreadable."""
        self.ensure_one()
        # sudo: the raw mail is restricted to administrators because of the
        # personal tokens in its delivery headers; callers show the email
        # itself, tokens masked, to whoever may read the log.
        raw = self.sudo().with_context(bin_size=False).raw
        if not raw:
            return None
        if own is None:
            own = self._natero_own_addresses()
        try:
            return mail_parse.parse_message(base64.b64decode(raw), log_addresses=own)
        except mail_parse.ParseError:
            return None

    def _natero_display_values(self, parsed, own):
        if parsed is None:
            return dict.fromkeys(
                (
                    "email_from_display",
                    "email_to_display",
                    "email_cc_display",
                    "body_display",
                    "attachment_display",
                ),
                False,
            )

        def show(addresses):
            return (
                ", ".join(
                    self._natero_display_address(a, parsed.names, own)
                    for a in addresses
                )
                or False
            )

        return {
            "email_from_display": show(
                [parsed.outer_from] if parsed.outer_from else []
            ),
            "email_to_display": show(parsed.to),
            "email_cc_display": show(parsed.cc),
            "body_display": html_sanitize(parsed.body_html or ""),
            "attachment_display": self._natero_attachment_list(parsed.attachments),
        }

    @api.model
    def _natero_display_address(self, address, names, own):
        """``Name <address>``, a personal log address's token masked."""
        masked = policy.mask_token(address)
        if masked != address:
            local, _at, domain = address.rpartition("@")
            if f"{local.partition('+')[0]}@{domain}".lower() in own:
                address = masked
        name = (names or {}).get(address)
        return f"{name} <{address}>" if name else address

    @api.model
    def _natero_attachment_list(self, attachments):
        files = [a for a in attachments if not a.inline]
        if not files:
            return False
        items = Markup("").join(
            Markup(
                '<li><i class="fa fa-paperclip me-1"/>%s <span class="text-muted">'
                "(%s)</span></li>"
            )
            % (a.filename or "attachment", self._natero_size_text(len(a.content)))
            for a in files
        )
        return Markup('<ul class="list-unstyled mb-0">%s</ul>') % items

    @api.model
    def _natero_size_text(self, size):
        if size >= 1024 * 1024:
            return f"{size / 1024 / 1024:.1f} MB"
        return f"{max(1, round(size / 1024))} kB"

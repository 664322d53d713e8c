# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

MAX_SUGGESTIONS = 20


class NateroMailLogLink(models.TransientModel):
    """Link an unassigned (or logged) email to records by hand (L6).

    The wizard suggests the email's own participants: the contacts with
    their addresses, those contacts' companies and the companies that own the
    participants' email domains, and those companies' and contacts' open
    deals; any other record can be picked too.
    """

    _name = "natero.mail.log.link"
    _description = "Email log: link an email to records"

    log_id = fields.Many2one("natero.mail.log", required=True, ondelete="cascade")
    subject = fields.Char(related="log_id.subject")
    participants = fields.Char(
        compute="_compute_suggestions",
        help="The customer addresses of the email (From, To, Cc).",
    )
    suggested_partner_ids = fields.Many2many(
        "res.partner", compute="_compute_suggestions"
    )
    suggested_account_ids = fields.Many2many(
        "res.partner", compute="_compute_suggestions"
    )
    suggested_lead_ids = fields.Many2many("crm.lead", compute="_compute_suggestions")
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
            addresses, names = self._natero_participants(log)
            known = set(self._natero_contacts_of(addresses).mapped("email_normalized"))
            unknown = [a for a in addresses if a not in known]
            if unknown and "new_contact_email" in fields_list:
                values["new_contact_email"] = unknown[0]
                values["new_contact_name"] = names.get(unknown[0]) or False
        return values

    @api.depends("log_id")
    def _compute_suggestions(self):
        for wizard in self:
            addresses, _names = self._natero_participants(wizard.log_id)
            contacts = self._natero_contacts_of(addresses)
            accounts = self._natero_accounts_of(addresses, contacts)
            wizard.participants = ", ".join(addresses) or False
            wizard.suggested_partner_ids = contacts
            wizard.suggested_account_ids = accounts
            wizard.suggested_lead_ids = self._natero_deals_of(contacts | accounts)

    @api.model
    def _natero_participants(self, log):
        """([customer address], {address: name}) of ``log``'s email: From,
        To and Cc (the original ones of a forward), without the log
        addresses, users' addresses and the company's internal domains."""
        parsed = log._natero_parsed() if log else None
        if parsed is None:
            return [], {}
        forward = parsed.forward
        if forward and forward.from_addr:
            candidates = [forward.from_addr, *forward.to, *forward.cc]
            names = {**parsed.names, forward.from_addr: forward.from_name}
        else:
            candidates = [parsed.outer_from, *parsed.to, *parsed.cc]
            names = parsed.names
        internal = set(log.company_id._natero_internal_domains())
        own = log._natero_own_addresses()
        wanted = [
            a
            for a in dict.fromkeys(filter(None, candidates))
            if a not in own
            and a.rpartition("@")[2] not in internal
            and "+" not in a.partition("@")[0]
        ]
        # sudo: users' addresses are never customer participants (L3, L5).
        users = (
            self.env["res.users"]
            .sudo()
            .search_fetch(
                [("share", "=", False), ("email_normalized", "in", wanted)],
                ["email_normalized"],
            )
        )
        colleagues = set(users.mapped("email_normalized"))
        kept = [a for a in wanted if a not in colleagues]
        return kept[:MAX_SUGGESTIONS], names

    @api.model
    def _natero_contacts_of(self, addresses):
        """The contacts with these addresses that the user may see."""
        if not addresses:
            return self.env["res.partner"]
        return self.env["res.partner"].search(
            [("email_normalized", "in", addresses), ("is_company", "=", False)],
            limit=MAX_SUGGESTIONS,
        )

    @api.model
    def _natero_accounts_of(self, addresses, contacts):
        """The contacts' companies and those owning the addresses' domains
        (never a free-mail domain), as the user may see them."""
        Partner = self.env["res.partner"]
        free = self.env["natero.mail.log.free.domain"]._natero_domains()
        domains = {a.rpartition("@")[2] for a in addresses} - free
        owners = Partner._natero_companies_by_domain(domains)
        ids = {account for rows in owners.values() for account, _c, _p in rows}
        ids |= set(contacts.commercial_partner_id.filtered("is_company").ids)
        if not ids:
            return Partner
        return Partner.search(
            [("id", "in", list(ids)), ("is_company", "=", True)],
            limit=MAX_SUGGESTIONS,
        )

    @api.model
    def _natero_deals_of(self, partners):
        """The open deals of these partners and their contacts, most recently
        updated first, as the user may see them."""
        if not partners:
            return self.env["crm.lead"]
        return self.env["crm.lead"].search(
            [
                ("type", "=", "opportunity"),
                ("partner_id", "child_of", partners.ids),
                ("stage_id.is_won", "=", False),
            ],
            order="write_date desc, id desc",
            limit=MAX_SUGGESTIONS,
        )

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

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.addons.mail.tests.common import MailCommon

from .. import compat

MAIL = """From: {email_from}
To: {to}
Cc: {cc}
{envelope}Subject: {subject}
Date: {date}
Message-ID: {msg_id}
{extra}MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

{body}
"""

FORWARD_BODY = """Logging this.

---------- Forwarded message ---------
From: {orig_name} <{orig_from}>
Date: Tue, Nov 17, 2026 at 11:40 AM
Subject: {orig_subject}
To: {orig_to}
{orig_cc_line}

{orig_body}
"""


class NateroLogCase(MailCommon):
    """Accounts, contacts, deals and a salesperson, on MailCommon's gateway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_admin
        cls.company.write(
            {"alias_domain_id": cls.mail_alias_domain.id, "natero_log_max_deals": 5}
        )
        cls.log_alias = cls.company.natero_log_alias_id
        cls.log_alias.alias_domain_id = cls.mail_alias_domain
        cls.log_address = cls.log_alias.alias_full_name
        cls.vendor = "vendor.example"
        cls.company.natero_log_internal_domains = cls.vendor
        cls.seller = cls._create_seller("Sam Seller", "sam.seller@vendor.example")
        cls.colleague = cls._create_seller("Cole League", "cole@vendor.example")
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "ACME", "is_company": True})
        cls.bob = Partner.create(
            {"name": "Bob", "email": "bob@acme.example", "parent_id": cls.acme.id}
        )
        cls.kate = Partner.create(
            {"name": "Kate", "email": "kate@acme.example", "parent_id": cls.acme.id}
        )
        cls.boardly = Partner.create({"name": "Boardly", "is_company": True})
        cls.john = Partner.create(
            {
                "name": "John",
                "email": "john@boardly.example",
                "parent_id": cls.boardly.id,
            }
        )
        cls.stage_new = cls.env["crm.stage"].create({"name": "New", "sequence": 1})
        cls.stage_won = cls.env["crm.stage"].create(
            {"name": "Won", "sequence": 9, "is_won": True}
        )

    @classmethod
    def _create_seller(cls, name, email):
        return (
            cls.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": name,
                    "login": email,
                    "email": email,
                    compat.USER_GROUPS: [
                        (6, 0, [cls.env.ref("sales_team.group_sale_salesman").id])
                    ],
                    "notification_type": "inbox",
                    "tz": "Europe/Brussels",
                }
            )
        )

    def _deal(self, partner, name, **values):
        return self.env["crm.lead"].create(
            {
                "name": name,
                "type": "opportunity",
                "partner_id": partner.id,
                "stage_id": self.stage_new.id,
                **values,
            }
        )

    def send(
        self,
        subject,
        email_from=None,
        to="Bob <bob@acme.example>",
        cc="",
        delivered_to=None,
        body="Hello, here is our offer.",
        msg_id=None,
        extra="",
        date="Mon, 16 Nov 2026 09:12:00 +0100",
        process=True,
    ):
        """Feed one email through Odoo's gateway; return its log."""
        envelope = f"Delivered-To: {delivered_to}\n" if delivered_to else ""
        log = self.format_and_process(
            MAIL,
            email_from or self.seller.email,
            to,
            cc=cc,
            subject=subject,
            envelope=envelope,
            body=body,
            date=date,
            extra=extra,
            msg_id=msg_id,
            target_model="natero.mail.log",
            target_field="subject",
        )
        self.assertEqual(len(log), 1, "the gateway stores one log per email")
        if process:
            self.env["natero.mail.log"]._process_pending()
        return log

    def bcc(self, subject, **kwargs):
        kwargs.setdefault("delivered_to", self.log_address)
        return self.send(subject, **kwargs)

    def forward(self, subject, orig_from, orig_to, orig_cc="", **kwargs):
        body = FORWARD_BODY.format(
            orig_name="Original Sender",
            orig_from=orig_from,
            orig_subject=subject,
            orig_to=orig_to,
            orig_cc_line=f"Cc: {orig_cc}\n" if orig_cc else "",
            orig_body="Could you send me the price list?",
        )
        return self.send(f"Fwd: {subject}", to=self.log_address, body=body, **kwargs)

    def logged_on(self, record):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("natero_log_id", "!=", False),
            ]
        )

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The main screens of natero_mail_log, walked in a real browser (issue 13).

The tours are in ``static/tests/tours/natero_mail_log_tours.js``; each test
makes the data its tour needs, runs it as a user would (HttpCase.start_tour:
headless Chromium; Odoo skips these tests when no browser is installed) and
checks what the walk changed in the database.  ``setup/screenshots`` runs the
same tours to take the README's screenshots (docs/screens/).
"""

from odoo.tests import HttpCase, tagged

from .. import compat

MAIL = """From: Sam Seller <sam.seller@vendor.example>
To: {to}
Delivered-To: log@natero-tour.example
Subject: {subject}
Date: Mon, 16 Nov 2026 09:12:00 +0100
Message-ID: <{msg_id}@vendor.example>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

{body}
"""


@tagged("post_install", "-at_install", "natero_tours")
class TestMailLogTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.company
        domain = env["mail.alias.domain"].create({"name": "natero-tour.example"})
        company.write(
            {
                "alias_domain_id": domain.id,
                "natero_log_internal_domains": "vendor.example",
                "natero_log_create_contacts": False,
            }
        )
        company.natero_log_alias_id.write(
            {"alias_name": "log", "alias_domain_id": domain.id}
        )
        cls.seller = (
            env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Sam Seller",
                    "login": "sam",
                    "password": "sam",
                    "email": "sam.seller@vendor.example",
                    compat.USER_GROUPS: [
                        (6, 0, [env.ref("sales_team.group_sale_salesman").id])
                    ],
                    # Notifications by email: the log's notices must still stay
                    # in Odoo (no red delivery failure without a mail server).
                    "notification_type": "email",
                }
            )
        )
        Partner = env["res.partner"]
        cls.acme = Partner.create({"name": "ACME", "is_company": True})
        cls.bob = Partner.create(
            {"name": "Bob", "email": "bob@acme.example", "parent_id": cls.acme.id}
        )
        stage = env["crm.stage"].create({"name": "Tour stage", "sequence": 1})
        cls.deal = env["crm.lead"].create(
            {
                "name": "ACME chairs",
                "type": "opportunity",
                "partner_id": cls.acme.id,
                "stage_id": stage.id,
                "user_id": cls.seller.id,
            }
        )
        cls.logged = cls._receive(
            "Office chairs offer",
            "Bob <bob@acme.example>",
            "<p>Hello Bob,</p><p>Here is our offer for 40 chairs.</p>"
            "<script>alert('x')</script>",
        )
        cls.unassigned = cls._receive(
            "Meeting next week",
            "Carla <carla@acme.example>",
            "<p>Shall we meet on Tuesday?</p>",
        )

    @classmethod
    def _receive(cls, subject, to, body):
        raw = MAIL.format(
            to=to, subject=subject, msg_id=subject.replace(" ", "-"), body=body
        )
        cls.env["mail.thread"].message_process(False, raw.encode())
        Log = cls.env["natero.mail.log"]
        Log._process_pending()
        return Log.search([("subject", "=", subject)])

    def test_copy_org_address(self):
        self.start_tour(
            "/odoo/action-natero_mail_log.natero_mail_log_settings_action",
            "natero_mail_log_copy_org_address",
            login="admin",
        )

    def test_connect_address_and_rotate(self):
        token = self.seller.sudo().natero_log_token
        self.start_tour("/odoo", "natero_mail_log_rotate_address", login="sam")
        self.assertNotEqual(self.seller.sudo().natero_log_token, token)
        sender = self.env["natero.mail.log.sender"].search(
            [("user_id", "=", self.seller.id)]
        )
        self.assertEqual(sender.email_normalized, "sam.private@home.example")

    def test_read_logged_email(self):
        self.assertEqual(self.logged.state, "logged")
        self.start_tour(
            "/odoo/action-natero_mail_log.natero_mail_log_action",
            "natero_mail_log_read_email",
            login="sam",
        )
        self.start_tour("/odoo/contacts", "natero_mail_log_company_emails", login="sam")

    def test_link_unassigned_email(self):
        self.assertEqual(self.unassigned.state, "unassigned")
        self.start_tour(
            "/odoo/action-natero_mail_log.natero_mail_log_unassigned_action",
            "natero_mail_log_link_unassigned",
            login="sam",
        )
        log = self.unassigned
        self.assertEqual(log.state, "logged")
        self.assertEqual(log.kind, "bcc", "a BCC'd email stays BCC once linked")
        self.assertEqual(log.linked_by_id, self.seller)
        note = self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.acme.id),
                ("natero_log_id", "=", log.id),
            ]
        )
        self.assertIn("linked by Sam Seller", note.body)
        self.assertIn(self.deal, log.lead_ids)

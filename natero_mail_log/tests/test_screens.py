# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the screens show and do (issue 13), without a browser: the email of a
log, the notices on it, the logged emails of a company, the link wizard's
suggestions, My Profile and the settings.  tests/test_tours.py walks the same
screens in a browser."""

import base64

from odoo import Command
from odoo.tests import Form, tagged

from .common import NateroLogCase

HTML_MAIL = """From: Sam Seller <sam.seller@vendor.example>
To: Bob <bob@acme.example>, {personal}
Cc: Kate <kate@acme.example>
Delivered-To: {personal}
Subject: Chairs
Date: Mon, 16 Nov 2026 09:12:00 +0100
Message-ID: <chairs-html@vendor.example>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/html; charset=utf-8

<p>Here is <b>our offer</b>.</p><script>alert('owned')</script>
<img src="x" onerror="alert(1)">
--XX
Content-Type: application/pdf; name="offer.pdf"
Content-Disposition: attachment; filename="offer.pdf"
Content-Transfer-Encoding: base64

{pdf}
--XX--
"""


@tagged("post_install", "-at_install")
class TestEmailLogForm(NateroLogCase):
    def _html_mail(self):
        personal = self.seller.natero_log_address
        raw = HTML_MAIL.format(
            personal=personal,
            pdf=base64.b64encode(b"%PDF-1.4 " + b"x" * 3000).decode(),
        )
        self.env["mail.thread"].message_process(False, raw.encode())
        self.env["natero.mail.log"]._process_pending()
        return self.env["natero.mail.log"].search([("subject", "=", "Chairs")])

    def test_email_tab_shows_the_email_sanitised(self):
        log = self._html_mail()
        self.assertEqual(log.state, "logged")
        seen = log.with_user(self.seller)
        self.assertEqual(
            seen.email_from_display, "Sam Seller <sam.seller@vendor.example>"
        )
        self.assertIn("Bob <bob@acme.example>", seen.email_to_display)
        self.assertEqual(seen.email_cc_display, "Kate <kate@acme.example>")
        self.assertIn("our offer", seen.body_display)
        self.assertNotIn("<script", seen.body_display)
        self.assertNotIn("onerror", seen.body_display)
        self.assertIn("offer.pdf", seen.attachment_display)

    def test_attachment_name_written_by_the_sender_is_escaped(self):
        """A file name is the sender's text: it shows as text in the Email tab
        (escaped by Markup), never as markup."""
        log = self._html_mail()
        hostile = '"><img src=x onerror=alert(1)>.pdf'
        items = log._natero_attachment_list(
            [type("A", (), {"inline": False, "filename": hostile, "content": b"x"})]
        )
        self.assertNotIn("<img", items)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;.pdf", items)

    def test_email_tab_masks_personal_tokens(self):
        log = self._html_mail()
        token = self.seller.sudo().natero_log_token
        seen = log.with_user(self.seller)
        self.assertNotIn(token, seen.email_to_display)
        self.assertIn("log+…@", seen.email_to_display)

    def test_raw_email_downloads_as_eml(self):
        log = self.bcc("Offer: 40 chairs / 2027")
        self.assertEqual(log.raw_filename, "Offer_40_chairs_2027.eml")

    def test_attribution_rule_in_words(self):
        log = self.bcc("Words")
        self.assertEqual(log.attribution_rule, "login")
        self.assertIn("login or email", log.attribution_text)

    def test_notice_stays_in_odoo(self):
        """A notice on a log (here: unassigned) reaches the user's Odoo inbox
        even when they get notifications by email: no email goes out, so no
        red delivery failure shows without a mail server."""
        self.seller.notification_type = "email"
        self.company.natero_log_create_contacts = False
        log = self.bcc("Nobody known", to="stranger@nowhere.example")
        self.assertEqual(log.state, "unassigned")
        notifications = log.message_ids.notification_ids
        self.assertEqual(notifications.res_partner_id, self.seller.partner_id)
        self.assertEqual(notifications.mapped("notification_type"), ["inbox"])
        self.assertFalse(
            self.env["mail.mail"].search(
                [("mail_message_id", "in", log.message_ids.ids)]
            )
        )

    def test_states_in_path_order(self):
        states = [
            s for s, _label in self.env["natero.mail.log"]._fields["state"].selection
        ]
        self.assertLess(states.index("unassigned"), states.index("logged"))


@tagged("post_install", "-at_install")
class TestLoggedEmailsButton(NateroLogCase):
    def test_company_lists_each_email_once(self):
        """An email on a company and on its contact is one email of the company."""
        self.bcc("Both", to="Bob <bob@acme.example>, Kate <kate@acme.example>")
        acme = self.acme.with_user(self.seller)
        self.assertEqual(len(self.logged_on(self.acme) | self.logged_on(self.bob)), 2)
        self.assertEqual(acme.natero_log_count, 1)
        action = acme.action_natero_log_messages()
        messages = self.env["mail.message"].search(action["domain"])
        self.assertEqual(messages, self.logged_on(self.acme))
        self.assertEqual(self.bob.natero_log_count, 1)

    def test_rows_open_a_read_only_email_or_the_record(self):
        self.bcc("Row")
        action = self.bob.action_natero_log_messages()
        form = self.env.ref("natero_mail_log.natero_mail_log_message_view_form")
        self.assertIn((form.id, "form"), [tuple(v) for v in action["views"]])
        arch = form.arch
        for flag in ('create="0"', 'edit="0"', 'delete="0"'):
            self.assertIn(flag, arch)
        message = self.logged_on(self.bob).with_user(self.seller)
        self.assertIn("'natero_log_subjects': True", action["context"])
        named = message.with_context(natero_log_subjects=True)
        self.assertEqual(named.display_name, "Row", "breadcrumbs: the subject")
        opened = message.action_natero_open_record()
        self.assertEqual(
            (opened["res_model"], opened["res_id"]), ("res.partner", self.bob.id)
        )


@tagged("post_install", "-at_install")
class TestLinkWizardScreens(NateroLogCase):
    def _wizard(self, log):
        return Form(
            self.env["natero.mail.log.link"]
            .with_user(self.seller)
            .with_context(active_id=log.id)
        )

    def test_suggests_the_participants(self):
        """Unknown Carla of acme.example and known Bob: Bob, ACME (his company
        and the owner of Carla's domain) and ACME's open deal are suggested;
        Carla is offered as the new contact."""
        self.company.natero_log_create_contacts = False
        deal = self._deal(self.acme, "ACME chairs", user_id=self.seller.id)
        self._deal(self.john, "Boardly deal", user_id=self.seller.id)
        log = self.bcc(
            "Suggest", to="Carla <carla@acme.example>", cc="cole@vendor.example"
        )
        log.state = "unassigned"
        wizard = self._wizard(log)
        self.assertEqual(wizard.participants, "carla@acme.example")
        self.assertEqual(wizard.new_contact_email, "carla@acme.example")
        self.assertEqual(wizard.new_contact_name, "Carla")
        self.assertIn(self.acme, wizard.suggested_account_ids)
        self.assertEqual(wizard.suggested_lead_ids.ids, deal.ids)

    def test_suggestions_follow_access_rules(self):
        """A salesperson (own documents only) is not offered a colleague's
        deal, nor a contact of another company."""
        other = self.env["res.company"].create({"name": "Other company"})
        self.env["res.partner"].create(
            {
                "name": "Bob elsewhere",
                "email": "bob@acme.example",
                "company_id": other.id,
            }
        )
        mine = self._deal(self.acme, "Mine", user_id=self.seller.id)
        self._deal(self.acme, "Cole's", user_id=self.colleague.id)
        log = self.bcc("Access", to="Bob <bob@acme.example>")
        wizard = self._wizard(log)
        self.assertEqual(wizard.suggested_partner_ids.ids, self.bob.ids)
        self.assertEqual(wizard.suggested_lead_ids.ids, mine.ids)

    def test_suggests_matched_contacts(self):
        log = self.bcc("Known", to="Bob <bob@acme.example>")
        wizard = self._wizard(log)
        self.assertEqual(wizard.suggested_partner_ids.ids, self.bob.ids)
        self.assertEqual(wizard.suggested_account_ids.ids, self.acme.ids)
        self.assertFalse(wizard.new_contact_email)

    def test_link_keeps_kind_and_says_who_linked(self):
        self.company.natero_log_create_contacts = False
        log = self.bcc("Keep BCC", to="stranger@nowhere.example")
        wizard = (
            self.env["natero.mail.log.link"]
            .with_user(self.seller)
            .with_context(active_id=log.id)
            .create(
                {
                    "account_ids": [Command.set(self.acme.ids)],
                    "new_contact_email": False,
                }
            )
        )
        wizard.action_link()
        self.assertEqual((log.state, log.kind), ("logged", "bcc"))
        self.assertEqual(log.linked_by_id, self.seller)
        self.assertTrue(log.linked_at)
        note = self.logged_on(self.acme)
        self.assertIn("via BCC, linked by Sam Seller", note.body)


@tagged("post_install", "-at_install")
class TestProfileAndSettingsScreens(NateroLogCase):
    def test_connected_on_editable_by_managers_only(self):
        Sender = self.env["natero.mail.log.sender"]
        self.assertFalse(Sender.with_user(self.seller).new({}).natero_is_manager)
        self.assertTrue(Sender.new({}).natero_is_manager)  # the administrator
        view = (
            self.env["res.users"]
            .with_user(self.seller)
            .get_view(self.env.ref("base.view_users_form_simple_modif").id)
        )
        self.assertIn('readonly="not natero_is_manager"', view["arch"])

    def test_size_limits_in_mb(self):
        settings = self.env["res.config.settings"].create(
            {"natero_log_max_body_mb": 3, "natero_log_max_attachment_mb": 0.5}
        )
        settings.execute()
        self.assertEqual(self.env.company.natero_log_max_body_size, 3 * 1024 * 1024)
        self.assertEqual(self.env.company.natero_log_max_attachment_size, 512 * 1024)
        again = self.env["res.config.settings"].create({})
        self.assertEqual(again.natero_log_max_body_mb, 3)

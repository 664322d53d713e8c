# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .. import compat
from ..tools import addresses
from .common import MAIL, NateroLogCase


@tagged("post_install", "-at_install", "natero_mail_log")
class TestSenders(NateroLogCase):
    """L4: who may log, and who a logged email counts for."""

    def _connect(self, user, email, kind="connected", when="2026-01-01"):
        return self.env["natero.mail.log.sender"].create(
            {"user_id": user.id, "email": email, "kind": kind, "connected_at": when}
        )

    def test_unknown_sender_rejected_without_answer(self):
        with self.mock_mail_gateway():
            log = self.bcc("Spoof", email_from="mallory@evil.example")
        self.assertEqual(log.state, "rejected")
        self.assertIn("mallory@evil.example", log.reason)
        self.assertFalse(log.user_id)
        self.assertNotSentEmail()  # no backscatter
        self.assertFalse(self.logged_on(self.bob))

    def test_connected_address_beats_login(self):
        """HubSpot's order: connected (exactly one) before login/email."""
        self._connect(self.colleague, self.seller.email)
        log = self.bcc("Connected", to="bob@acme.example")
        self.assertEqual(log.user_id, self.colleague)
        self.assertEqual(log.attribution_rule, "connected")

    def test_login_then_alias(self):
        self._connect(self.colleague, "team@vendor.example", kind="alias")
        log = self.bcc("Alias", email_from="team@vendor.example")
        self.assertEqual((log.user_id, log.attribution_rule), (self.colleague, "alias"))
        log = self.bcc("Login", to="kate@acme.example")
        self.assertEqual((log.user_id, log.attribution_rule), (self.seller, "login"))

    def test_several_connected_first_wins(self):
        self._connect(self.colleague, "shared@vendor.example", when="2026-03-01")
        self._connect(self.seller, "shared@vendor.example", when="2026-02-01")
        log = self.bcc("Shared box", email_from="shared@vendor.example")
        self.assertEqual(log.user_id, self.seller)
        self.assertEqual(log.attribution_rule, "connected_first")

    def test_users_cannot_claim_other_addresses(self):
        Sender = self.env["natero.mail.log.sender"].with_user(self.seller)
        # Odoo's assertRaises rolls the failed create back (a savepoint), as a
        # request would; unittest's assertRaisesRegex does not.
        with self.assertRaises(ValidationError) as caught:
            Sender.create({"email": self.colleague.email})
        self.assertRegex(str(caught.exception), "is the address of Cole League")
        with self.assertRaises(ValidationError) as caught:
            Sender.create({"email": "bob@acme.example"})
        self.assertRegex(str(caught.exception), "is the address of")
        mine = Sender.create(
            {"email": "sam@home.example", "connected_at": "2000-01-01 00:00:00"}
        )
        self.assertGreater(mine.connected_at.year, 2000, "no backdating")
        with self.assertRaises(AccessError):
            mine.write({"connected_at": "2000-01-01 00:00:00"})
        # A manager may (e.g. a shared mailbox that is also a contact).
        self._connect(self.colleague, "bob@acme.example")

    def test_personal_address_needs_own_address(self):
        address = self.colleague.natero_log_address
        log = self.bcc("Not yours", email_from=self.seller.email, delivered_to=address)
        self.assertEqual(log.state, "rejected")
        self.assertFalse(self.logged_on(self.bob))
        self._connect(self.colleague, "cole.private@home.example")
        log = self.bcc(
            "Yours", email_from="cole.private@home.example", delivered_to=address
        )
        self.assertEqual((log.state, log.user_id), ("logged", self.colleague))

    def test_authentication_results(self):
        self.company.write(
            {
                "natero_log_require_auth": True,
                "natero_log_trusted_authserv": "mx.vendor",
            }
        )
        bad = self.bcc(
            "Forged pass",
            extra="Authentication-Results: evil.example; dmarc=pass\n",
        )
        self.assertEqual(bad.state, "rejected")
        self.assertIn("trusted server", bad.reason)
        # A real pass: written by the trusted server above its Received header,
        # and aligned with the From domain (issue 10 item 3).
        raw = self.format(
            MAIL,
            email_from=self.seller.email,
            to="bob@acme.example",
            subject="Real pass",
            envelope="",
            body="Hi",
            date="Mon, 16 Nov 2026 09:12:00 +0100",
            extra="",
            msg_id="<real-pass@vendor.example>",
        )
        trace = (
            f"Delivered-To: {self.log_address}\n"
            "Authentication-Results: mx.vendor; spf=fail; dkim=pass "
            "header.d=vendor.example\n"
            "Received: from mail.vendor.example by mx.vendor; "
            "Mon, 16 Nov 2026 09:12:01 +0100\n"
        )
        self.env["mail.thread"].sudo().message_process(False, trace + raw)
        self.env["natero.mail.log"]._process_pending()
        good = self.env["natero.mail.log"].search([("subject", "=", "Real pass")])
        self.assertEqual(good.state, "logged")


@tagged("post_install", "-at_install", "natero_mail_log")
class TestExclusions(NateroLogCase):
    """L5: internal domains, never-log list, noise."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Natero examples 4-6: a user is also a contact of the BOARDLY account.
        cls.seller_as_contact = cls.env["res.partner"].create(
            {
                "name": "Sam (contact)",
                "email": cls.seller.email,
                "parent_id": cls.boardly.id,
            }
        )

    def test_natero_example_6_user_never_a_customer(self):
        log = self.bcc("Example 6", to="bob@acme.example")
        self.assertEqual(log.partner_ids, self.bob | self.acme)
        self.assertFalse(self.logged_on(self.boardly))

    def test_natero_example_5_other_contact(self):
        log = self.bcc("Example 5", to="parker@beta.example")
        parker = self.env["res.partner"].search([("email", "=", "parker@beta.example")])
        self.assertEqual(log.partner_ids, parker)
        self.assertFalse(self.logged_on(self.boardly))

    def test_internal_domain_colleague_not_a_participant(self):
        self.company.natero_log_internal_domains = "vendor.example, vendor.example.org"
        ghost = self.env["res.partner"].create(
            {
                "name": "Ex colleague",
                "email": "ex@vendor.example.org",
                "parent_id": self.acme.id,
            }
        )
        log = self.bcc("Internal", to="ex@vendor.example.org, bob@acme.example")
        self.assertFalse(self.logged_on(ghost))
        self.assertEqual(log.partner_ids, self.bob | self.acme)

    def test_invalid_internal_domains_refused(self):
        with self.assertRaisesRegex(Exception, "domain names"):
            self.company.natero_log_internal_domains = "vendor.example, not a domain!"

    def test_never_log_address_and_domain(self):
        Exclusion = self.env["natero.mail.log.exclusion"]
        Exclusion.create({"name": "Kate@ACME.example"})
        Exclusion.create({"name": "@secret.example"})
        log = self.bcc(
            "Never", to="kate@acme.example, a@secret.example, bob@acme.example"
        )
        self.assertEqual(log.partner_ids, self.bob | self.acme)
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "a@secret.example")])
        )
        all_never = self.bcc("All never", to="kate@acme.example, b@x.secret.example")
        self.assertEqual(all_never.state, "ignored")
        self.assertIn("never-log", all_never.reason)

    def test_bad_never_log_entry_refused(self):
        with self.assertRaisesRegex(Exception, "neither an email address nor a domain"):
            self.env["natero.mail.log.exclusion"].create({"name": "not valid"})

    def test_never_log_address_in_odoos_form(self):
        """A never-log address is normalised as Odoo normalises addresses: a
        non-ASCII local part keeps its case, and so matches the participant."""
        john = self.env["res.partner"].create(
            {"name": "Jöhn", "email": "Jöhn@acme.example", "parent_id": self.acme.id}
        )
        Exclusion = self.env["natero.mail.log.exclusion"]
        entry = Exclusion.create({"name": " Jöhn@ACME.example "})
        self.assertEqual(entry.name, john.email_normalized)
        self.assertEqual(
            Exclusion.create({"name": "KATE@Acme.Example"}).name, "kate@acme.example"
        )
        log = self.bcc("Never Jöhn", to="Jöhn <Jöhn@acme.example>, bob@acme.example")
        self.assertEqual(log.partner_ids, self.bob | self.acme)
        self.assertFalse(self.logged_on(john))
        with self.assertRaisesRegex(Exception, "neither an email address nor a domain"):
            Exclusion.create({"name": "Jöhn@not a domain"})

    def test_free_mail_domains_are_data(self):
        """The free-mail list is the data file's records, created at install
        and never restored by an update (noupdate)."""
        names = addresses.free_mail_domains()
        Free = self.env["natero.mail.log.free.domain"].with_context(active_test=False)
        self.assertEqual(set(Free.search([]).mapped("name")) & names, names)
        gmail = self.env.ref("natero_mail_log.free_domain_gmail_com")
        self.assertEqual(gmail.name, "gmail.com")
        data = self.env["ir.model.data"].search(
            [("module", "=", "natero_mail_log"), ("name", "=", "free_domain_gmail_com")]
        )
        self.assertTrue(data.noupdate)

    def test_noise_ignored_with_reason(self):
        cases = {
            "X-Autoreply": "X-Autoreply: yes\n",
            "Precedence": "Precedence: bulk\n",
            "List": "List-Id: <news.list.example>\n",
            "Auto-Submitted": "Auto-Submitted: auto-generated\n",
            "Null Return-Path": "Return-Path: <>\n",
        }
        for name, extra in cases.items():
            log = self.bcc(f"Noise {name}", extra=extra)
            self.assertEqual(log.state, "ignored", name)
            self.assertTrue(log.reason, name)
        daemon = self.bcc("Bounce", email_from="MAILER-DAEMON@mx.acme.example")
        self.assertEqual(daemon.state, "ignored")
        loop = self.bcc("Loop", email_from=self.log_address)
        self.assertEqual(loop.state, "ignored")
        self.assertFalse(self.logged_on(self.bob))


@tagged("post_install", "-at_install", "natero_mail_log")
class TestUnassignedAndLimits(NateroLogCase):
    """L6 unassigned mail and manual linking; L7 limits and faults."""

    def test_unassigned_notifies_sender_and_links(self):
        self.company.natero_log_create_contacts = False
        log = self.bcc("Who is it", to="stranger@nowhere.example")
        self.assertEqual(log.state, "unassigned")
        notified = log.message_ids.notification_ids.res_partner_id
        self.assertEqual(notified, self.seller.partner_id)
        deal = self._deal(self.bob, "Manual deal", user_id=self.seller.id)
        wizard = Form(
            self.env["natero.mail.log.link"]
            .with_user(self.seller)
            .with_context(active_id=log.id)
        )
        wizard.partner_ids.add(self.kate)
        wizard.lead_ids.add(deal)
        wizard.save().action_link()
        self.assertEqual(log.state, "logged")
        self.assertEqual(log.kind, "bcc", "a linked BCC stays a BCC (issue 13)")
        self.assertEqual(log.linked_by_id, self.seller)
        self.assertTrue(self.logged_on(self.kate))
        self.assertTrue(self.logged_on(deal))

    def test_link_wizard_creates_contact(self):
        self.company.natero_log_create_contacts = False
        log = self.bcc("Create on link", to="newbie@acme.example")
        wizard = (
            self.env["natero.mail.log.link"]
            .with_context(active_id=log.id)
            .create(
                {
                    "new_contact_email": "newbie@acme.example",
                    "new_contact_name": "Newbie",
                }
            )
        )
        wizard.action_link()
        newbie = self.env["res.partner"].search([("email", "=", "newbie@acme.example")])
        self.assertTrue(self.logged_on(newbie))

    def test_other_user_cannot_link(self):
        self.company.natero_log_create_contacts = False
        log = self.bcc("Not yours to link", to="stranger@nowhere.example")
        with self.assertRaises(AccessError):
            log.with_user(self.colleague)._natero_link(self.bob, self.env["crm.lead"])

    def test_cannot_link_to_hidden_records(self):
        self.company.natero_log_create_contacts = False
        log = self.bcc("Hidden deal", to="stranger@nowhere.example")
        hidden = self._deal(self.bob, "Someone else's deal", user_id=self.colleague.id)
        with self.assertRaises(AccessError):
            log.with_user(self.seller)._natero_link(
                self.env["res.partner"], hidden.with_user(self.seller)
            )
        self.assertFalse(self.logged_on(hidden))

    def test_body_over_limit_not_logged(self):
        self.company.natero_log_max_body_size = 1000
        log = self.bcc("Too long", body="x" * 2000)
        self.assertEqual(log.state, "rejected")
        self.assertIn("over the limit", log.reason)
        self.assertFalse(self.logged_on(self.bob))
        self.assertEqual(
            log.message_ids.notification_ids.res_partner_id, self.seller.partner_id
        )

    def _bcc_two_files(self, subject, **kwargs):
        """BCC a mail with two attachments: big.bin (500 bytes), small.txt."""
        big = base64.b64encode(b"B" * 500).decode()
        small = base64.b64encode(b"small").decode()
        body = (
            "--XX\nContent-Type: text/plain\n\nTwo files.\n"
            "--XX\nContent-Type: application/octet-stream\n"
            "Content-Disposition: attachment; filename=big.bin\n"
            f"Content-Transfer-Encoding: base64\n\n{big}\n"
            "--XX\nContent-Type: text/plain\n"
            "Content-Disposition: attachment; filename=small.txt\n"
            f"Content-Transfer-Encoding: base64\n\n{small}\n--XX--\n"
        )
        return self.bcc(
            subject,
            body=body,
            extra='Content-Type: multipart/mixed; boundary="XX"\n',
            **kwargs,
        )

    def _link(self, log, partners):
        """Link ``log`` to ``partners`` with the wizard, as the seller."""
        wizard = (
            self.env["natero.mail.log.link"]
            .with_user(self.seller)
            .with_context(active_id=log.id)
            .create({"partner_ids": [Command.set(partners.ids)]})
        )
        return wizard.action_link()

    def _notes_to_seller(self, log, text):
        return log.message_ids.filtered(
            lambda m: text in m.body and self.seller.partner_id in m.partner_ids
        )

    def test_link_refuses_body_over_limit(self):
        """A linked email goes through the pipeline's limits (L6, L7): a body
        over the limit is not logged, and the user is told why."""
        self.company.natero_log_max_body_size = 1000
        log = self.bcc("Too long to link", body="x" * 2000)
        self.assertEqual(log.state, "rejected")
        self.assertEqual(len(self._notes_to_seller(log, "over the limit")), 1)
        answer = self._link(log, self.kate)
        self.assertIn("over the limit", str(answer))
        self.assertEqual(log.state, "rejected")
        self.assertIn("over the limit", log.reason)
        self.assertFalse(self.logged_on(self.kate))
        self.assertEqual(len(self._notes_to_seller(log, "over the limit")), 2)

    def test_link_drops_attachments_over_limit(self):
        """A linked email keeps only the attachments within the limit (L7)."""
        self.company.natero_log_create_contacts = False
        self.company.natero_log_max_attachment_size = 100
        log = self._bcc_two_files("Files to link", to="stranger@nowhere.example")
        self.assertEqual(log.state, "unassigned")
        self._link(log, self.kate)
        self.assertEqual((log.state, log.kind), ("logged", "bcc"))
        self.assertIn("big.bin", log.reason)
        message = self.logged_on(self.kate)
        self.assertEqual(message.attachment_ids.mapped("name"), ["small.txt"])
        self.assertEqual(len(self._notes_to_seller(log, "big.bin")), 2)

    def test_attachment_over_limit_dropped(self):
        self.company.natero_log_max_attachment_size = 100
        log = self._bcc_two_files("Files")
        self.assertEqual(log.state, "logged")
        self.assertIn("big.bin", log.reason)
        message = self.logged_on(self.bob)
        self.assertEqual(message.attachment_ids.mapped("name"), ["small.txt"])

    def test_settings_refuse_bad_limits(self):
        with self.assertRaisesRegex(ValidationError, "Largest body"):
            self.company.natero_log_max_body_size = 0
        with self.assertRaisesRegex(ValidationError, "Deals per email"):
            self.company.natero_log_max_deals = -1


@tagged("post_install", "-at_install", "natero_mail_log")
class TestAccess(NateroLogCase):
    """L10: own entries for users, all for managers, companies kept apart."""

    def test_users_see_own_logs_managers_all(self):
        mine = self.bcc("Mine", to="bob@acme.example")
        theirs = self.bcc(
            "Theirs", to="bob@acme.example", email_from=self.colleague.email
        )
        Log = self.env["natero.mail.log"]
        seen = Log.with_user(self.seller).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(seen, mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.seller).read(["subject"])
        manager = self.user_admin
        seen = Log.with_user(manager).search([("id", "in", (mine | theirs).ids)])
        self.assertEqual(seen, mine | theirs)

    def test_other_company_user_sees_nothing(self):
        log = self.bcc("Company 1 only", to="bob@acme.example")
        other = self.user_employee_c2
        self.assertFalse(
            self.env["natero.mail.log"].with_user(other).search([("id", "=", log.id)])
        )
        self.assertFalse(other.company_id.natero_log_alias_id == self.log_alias)

    def test_each_company_has_its_own_address(self):
        company_2 = self.company_2
        self.assertTrue(company_2.natero_log_alias_id)
        self.assertNotEqual(company_2.natero_log_alias_id, self.log_alias)

    def test_logged_note_hidden_from_portal(self):
        self.bcc("Internal only", to="bob@acme.example")
        portal = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Bob portal",
                    "login": "bob.portal",
                    "partner_id": self.bob.id,
                    compat.USER_GROUPS: [
                        (6, 0, [self.env.ref("base.group_portal").id])
                    ],
                }
            )
        )
        visible = (
            self.env["mail.message"]
            .with_user(portal)
            .search([("model", "=", "res.partner"), ("res_id", "=", self.bob.id)])
        )
        self.assertFalse(visible.filtered("natero_log_id"))

    def test_token_not_readable_by_users(self):
        with self.assertRaises(AccessError):
            self.colleague.with_user(self.seller).read(["natero_log_token"])


@tagged("post_install", "-at_install", "natero_mail_log")
class TestDates(NateroLogCase):
    def test_bcc_keeps_original_date(self):
        self.bcc("Dated", date="Fri, 13 Nov 2026 23:30:00 -0500")
        message = self.logged_on(self.bob)
        self.assertEqual(message.date, datetime(2026, 11, 14, 4, 30))

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import compat
from ..models.natero_mail_log import LANES
from .common import MAIL, NateroLogCase


@tagged("post_install", "-at_install", "natero_mail_log")
class TestGatewayCapture(NateroLogCase):
    """L1: the gateway stores mail for a log address, and nothing else."""

    def test_org_address_bcc_stored_pending(self):
        log = self.bcc("Stored first", process=False)
        self.assertEqual(log.state, "pending")
        self.assertEqual(log.envelope_to, self.log_address)
        self.assertEqual(log.company_id, self.company)
        self.assertTrue(log.raw)
        self.assertEqual(log.sender_email, self.seller.email)

    def test_new_company_alias_captures_at_once(self):
        """The alias of a company created in this very transaction works."""
        company = self.env["res.company"].create(
            {"name": "Fresh Co", "alias_domain_id": self.mail_alias_domain.id}
        )
        address = company.natero_log_alias_id.alias_full_name
        self.assertTrue(address.startswith("log-"))
        log = self.bcc("Fresh", delivered_to=address, process=False)
        self.assertEqual(log.company_id, company)
        self.assertTrue(log.raw)

    def test_same_local_part_on_two_domains(self):
        """Two companies with log@ on their own domains: the domain decides."""
        other_domain = self.env["mail.alias.domain"].create({"name": "other.example"})
        company = self.env["res.company"].create(
            {"name": "Other Co", "alias_domain_id": other_domain.id}
        )
        self.assertEqual(
            company.natero_log_alias_id.alias_full_name, "log@other.example"
        )
        log = self.bcc("Other domain", delivered_to="log@other.example", process=False)
        self.assertEqual(log.company_id, company)
        log = self.bcc("Our domain", process=False)
        self.assertEqual(log.company_id, self.company)

    def test_other_mail_goes_to_odoo_router(self):
        """Mail for another alias is Odoo's business, not ours."""
        self.env["mail.alias"].create(
            {
                "alias_name": "sales",
                "alias_model_id": self.env["ir.model"]._get_id("crm.lead"),
                "alias_domain_id": self.mail_alias_domain.id,
            }
        )
        lead = self.format_and_process(
            "From: {email_from}\nTo: {to}\nSubject: {subject}\n"
            "Message-ID: {msg_id}\n\nHi\n",
            "bob@acme.example",
            f"sales@{self.alias_domain}",
            subject="A new lead",
            target_model="crm.lead",
            target_field="name",
        )
        self.assertEqual(len(lead), 1)
        self.assertFalse(
            self.env["natero.mail.log"].search([("subject", "=", "A new lead")])
        )

    def test_personal_address_attributes_user(self):
        address = self.colleague.natero_log_address
        self.assertTrue(
            address.startswith(f"log+{self.colleague.sudo().natero_log_token}@")
        )
        log = self.bcc(
            "Personal", email_from=self.colleague.email, delivered_to=address
        )
        self.assertEqual(log.personal_user_id, self.colleague)
        self.assertEqual(log.user_id, self.colleague)
        self.assertEqual(log.attribution_rule, "personal_address")
        self.assertEqual(log.state, "logged")

    def test_rotated_personal_address_rejected(self):
        old = self.colleague.natero_log_address
        self.colleague.with_user(self.colleague).action_natero_log_rotate_token()
        self.assertNotEqual(self.colleague.natero_log_address, old)
        log = self.bcc("Old address", email_from=self.colleague.email, delivered_to=old)
        self.assertEqual(log.state, "rejected")
        self.assertIn("unknown or rotated", log.reason)
        self.assertFalse(self.logged_on(self.bob))

    def test_address_hidden_from_other_users(self):
        self.assertFalse(self.colleague.with_user(self.seller).natero_log_address)
        self.assertTrue(self.seller.with_user(self.seller).natero_log_address)


@tagged("post_install", "-at_install", "natero_mail_log")
class TestAssociation(NateroLogCase):
    """L3: the email lands on contacts, accounts and open deals, nowhere else."""

    def test_natero_example_1_to_customer(self):
        log = self.bcc("Example 1", to="bob@acme.example")
        self.assertEqual(log.state, "logged")
        self.assertEqual(log.kind, "bcc")
        self.assertEqual(log.user_id, self.seller)
        self.assertEqual(log.partner_ids, self.bob | self.acme)
        self.assertTrue(self.logged_on(self.acme))

    def test_natero_example_2_cc_customer(self):
        log = self.bcc("Example 2", to="cole@vendor.example", cc="bob@acme.example")
        self.assertEqual(log.partner_ids, self.bob | self.acme)
        self.assertFalse(self.logged_on(self.colleague.partner_id))

    def test_natero_example_3_forward_headers_mode(self):
        self.company.natero_log_forward_mode = "headers"
        log = self.forward(
            "Example 3", orig_from="bob@acme.example", orig_to=self.seller.email
        )
        self.assertEqual(log.kind, "forward")
        self.assertEqual(log.state, "unassigned")
        self.assertFalse(self.logged_on(self.bob))

    def test_forward_original_participants(self):
        log = self.forward(
            "Price list", orig_from="bob@acme.example", orig_to=self.seller.email
        )
        self.assertEqual(log.kind, "forward")
        self.assertEqual(log.state, "logged")
        self.assertEqual(log.original_from, "bob@acme.example")
        message = self.logged_on(self.bob)
        self.assertEqual(message.author_id, self.bob)
        self.assertEqual(message.subject, "Price list")
        self.assertIn("price list", message.body)
        self.assertNotIn("Forwarded message", message.body)
        # Gmail states local time: read in the forwarding user's zone (Brussels).
        self.assertEqual(message.date, datetime(2026, 11, 17, 10, 40))

    def test_forward_sender_name_only(self):
        body = (
            "FYI\n\n---------- Forwarded message ---------\n"
            "From: Bob Builder\nDate: Tue, Nov 17, 2026 at 11:40 AM\n"
            "Subject: Name only\nTo: Sam Seller <sam.seller@vendor.example>\n\n"
            "Hello\n"
        )
        log = self.send("Fwd: Name only", to=self.log_address, body=body)
        self.assertEqual(log.kind, "forward")
        self.assertEqual(log.state, "unassigned")
        self.assertIn("without an address (Bob Builder)", log.reason)

    def test_smart_button_counts(self):
        """L9: a company shows its contacts' logged emails too, each email
        once (issue 13: logged on the company and on Bob, it is one email);
        one batch."""
        self.bcc("Counted 1", to="bob@acme.example")
        self.bcc("Counted 2", to="john@boardly.example")
        partners = self.acme | self.bob | self.kate | self.boardly
        partners.invalidate_recordset(["natero_log_count"])
        with self.assertQueryCount(4):  # the same for 4 or 4 000 partners
            counts = partners.mapped("natero_log_count")
        self.assertEqual(counts, [1, 1, 0, 1])  # a company: each email once

        action = self.acme.action_natero_log_messages()
        messages = self.env["mail.message"].search(action["domain"])
        self.assertEqual(messages, self.logged_on(self.acme))  # its own note

    def test_multiple_accounts(self):
        log = self.bcc("Two accounts", to="bob@acme.example, john@boardly.example")
        self.assertEqual(
            log.partner_ids, self.bob | self.acme | self.john | self.boardly
        )

    def test_every_contact_with_the_address(self):
        twin = self.env["res.partner"].create(
            {"name": "Bob (old)", "email": "BOB@acme.example"}
        )
        self.bcc("Twins", to="bob@acme.example")
        self.assertTrue(self.logged_on(twin))
        self.assertTrue(self.logged_on(self.bob))

    def test_hubspot_five_most_recent_open_deals(self):
        deals = [
            self._deal(self.bob if i % 2 else self.kate, f"Deal {i}") for i in range(7)
        ]
        won = self._deal(self.bob, "Won deal", stage_id=self.stage_won.id)
        lost = self._deal(self.bob, "Lost deal")
        lost.action_set_lost()
        other = self._deal(self.john, "Other account's deal")
        self.env.cr.execute(
            "UPDATE crm_lead SET write_date = now() - (id || ' minutes')::interval "
            "WHERE id = ANY(%s)",
            [[d.id for d in deals]],
        )
        self.env["crm.lead"].invalidate_model(["write_date"])
        log = self.bcc("Deals", to="bob@acme.example")
        expected = sorted(deals, key=lambda d: d.id)[:5]  # lowest id: most recent
        self.assertEqual(set(log.lead_ids.ids), {d.id for d in expected})
        for record in (won, lost, other):
            self.assertFalse(self.logged_on(record))

    def test_casefleet_unambiguous_routing(self):
        self.company.natero_log_deal_routing = "unambiguous"
        only = self._deal(self.bob, "Bob's only deal")
        self._deal(self.kate, "Kate 1")
        self._deal(self.kate, "Kate 2")
        log = self.bcc("Routing", to="bob@acme.example, kate@acme.example")
        self.assertEqual(log.lead_ids, only)

    def test_unknown_address_creates_contact_in_domain_company(self):
        log = self.bcc("New contact", to="Nina New <nina@acme.example>")
        nina = self.env["res.partner"].search([("email", "=", "nina@acme.example")])
        self.assertEqual(nina.parent_id, self.acme)
        self.assertEqual(nina.name, "Nina New")
        self.assertEqual(log.partner_ids, nina | self.acme)

    def test_free_mail_contact_has_no_company(self):
        self.env["res.partner"].create(
            {"name": "Gmail Inc", "is_company": True, "email": "info@gmail.com"}
        )
        self.bcc("Free mail", to="someone@gmail.com")
        contact = self.env["res.partner"].search([("email", "=", "someone@gmail.com")])
        self.assertTrue(contact)
        self.assertFalse(contact.parent_id)

    def test_create_contacts_off_leaves_unassigned(self):
        self.company.natero_log_create_contacts = False
        log = self.bcc("No creation", to="stranger@nowhere.example")
        self.assertEqual(log.state, "unassigned")
        self.assertFalse(
            self.env["res.partner"].search([("email", "=", "stranger@nowhere.example")])
        )

    def test_logged_note_notifies_nobody(self):
        deal = self._deal(self.bob, "Followed deal")
        deal.message_subscribe(partner_ids=(self.bob | self.partner_employee).ids)
        with self.mock_mail_gateway():
            self.bcc("Quiet", to="bob@acme.example")
        self.assertNotSentEmail()
        messages = self.logged_on(deal) | self.logged_on(self.bob)
        self.assertTrue(messages)
        self.assertFalse(messages.notification_ids)
        for message in messages:
            self.assertTrue(message.is_internal)
            self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
            self.assertEqual(message.message_type, "email")
            self.assertEqual(message.author_id, self.seller.partner_id)
            self.assertIn("Logged by Sam Seller via BCC", message.body)
            self.assertEqual(message.date, datetime(2026, 11, 16, 8, 12))

    def test_attachments_kept(self):
        raw_body = (
            "--XX\nContent-Type: text/plain\n\nSee the file.\n"
            "--XX\nContent-Type: application/pdf; name=offer.pdf\n"
            "Content-Disposition: attachment; filename=offer.pdf\n"
            "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--XX--\n"
        )
        self.format_and_process(
            "From: {email_from}\nTo: {to}\nDelivered-To: "
            + self.log_address
            + "\nSubject: {subject}\nMessage-ID: {msg_id}\nMIME-Version: 1.0\n"
            'Content-Type: multipart/mixed; boundary="XX"\n\n' + raw_body,
            self.seller.email,
            "bob@acme.example",
            subject="With attachment",
            target_model="natero.mail.log",
            target_field="subject",
        )
        self.env["natero.mail.log"]._process_pending()
        message = self.logged_on(self.bob)
        self.assertEqual(message.attachment_ids.mapped("name"), ["offer.pdf"])
        self.assertEqual(message.attachment_ids.raw, b"%PDF-1.4\n")

    def test_inline_image_kept_and_shown(self):
        body = (
            "--R\nContent-Type: text/html; charset=utf-8\n\n"
            '<p>Our logo:</p><img src="cid:logo@v"/>\n'
            "--R\nContent-Type: image/png\nContent-ID: <logo@v>\n"
            "Content-Disposition: inline; filename=logo.png\n"
            "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n--R--\n"
        )
        self.bcc(
            "Inline image",
            body=body,
            extra='Content-Type: multipart/related; boundary="R"\n',
        )
        message = self.logged_on(self.bob)
        image = message.attachment_ids
        self.assertEqual(image.name, "logo.png")
        self.assertIn(
            f"/web/image/{image.id}?access_token={image.access_token}", message.body
        )
        self.assertNotIn("cid:", message.body)


@tagged("post_install", "-at_install", "natero_mail_log")
class TestOdooGatewayTraps(NateroLogCase):
    """The five traps of Odoo 18.0's gateway, each proven."""

    def test_bcc_reply_to_known_thread_is_logged(self):
        """Reply detection runs before alias matching in Odoo's router."""
        deal = self._deal(self.john, "Known thread")
        sent = deal.message_post(body="Hello John", message_type="comment")
        log = self.bcc(
            "Re: Known thread",
            to="bob@acme.example",
            extra=f"In-Reply-To: {sent.message_id}\nReferences: {sent.message_id}\n",
        )
        self.assertEqual(log.state, "logged")
        self.assertTrue(self.logged_on(self.bob))
        self.assertEqual(
            deal.message_ids, sent | deal.message_ids.filtered(lambda m: m != sent)
        )
        self.assertFalse(self.logged_on(deal))
        self.assertFalse(
            deal.message_ids.filtered(lambda m: m.subject == "Re: Known thread")
        )

    def test_known_message_id_still_logged(self):
        """Odoo drops mail whose Message-Id it has: a mail sent from Odoo and
        BCC'd to the log address would vanish."""
        sent = self.kate.message_post(body="Sent from Odoo", message_type="comment")
        log = self.bcc("Sent from Odoo", to="bob@acme.example", msg_id=sent.message_id)
        self.assertEqual(log.state, "logged")
        self.assertTrue(self.logged_on(self.bob))

    def test_two_colleagues_bcc_same_email_once_per_record(self):
        """L8: one message per (email, record); each log keeps its user."""
        msg_id = "<same-mail@vendor.example>"
        first = self.bcc("Shared 1", to="bob@acme.example", msg_id=msg_id)
        second = self.bcc(
            "Shared 2",
            to="bob@acme.example",
            msg_id=msg_id,
            email_from=self.colleague.email,
        )
        self.assertEqual(len(self.logged_on(self.bob)), 1)
        self.assertEqual(first.user_id, self.seller)
        self.assertEqual(second.user_id, self.colleague)
        self.assertEqual(second.state, "logged")
        self.assertIn("already logged", second.reason)

    def test_concurrent_duplicate_waits_for_next_run(self):
        """Another worker committed the same email on the same record after
        our snapshot: the database refuses the second message (L8), and the
        log stays pending for a later run instead of failing."""
        msg_id = "<raced@vendor.example>"
        self.bcc("Raced 1", to="bob@acme.example", msg_id=msg_id)
        Message = type(self.env["mail.message"])
        with (
            patch.object(
                Message, "_natero_logged_keys", side_effect=lambda keys: set()
            ),
            mute_logger("odoo.sql_db"),
        ):
            second = self.bcc("Raced 2", to="bob@acme.example", msg_id=msg_id)
        self.assertEqual(second.state, "pending")
        self.assertEqual(second.attempts, 1)
        self.env["natero.mail.log"]._process_pending()
        self.assertEqual(second.state, "logged")
        self.assertIn("already logged", second.reason)
        self.assertEqual(len(self.logged_on(self.bob)), 1)

    def test_reprocessing_is_noop(self):
        log = self.bcc("Twice", to="bob@acme.example")
        before = self.logged_on(self.bob) | self.logged_on(self.acme)
        log.action_retry()
        self.assertEqual(self.logged_on(self.bob) | self.logged_on(self.acme), before)
        self.assertEqual(log.state, "logged")

    def test_auto_reply_ignored(self):
        """Odoo stops auto-replies only by a volume threshold."""
        log = self.bcc(
            "Automatic reply: offer",
            email_from="bob@acme.example",
            to=self.seller.email,
            extra="Auto-Submitted: auto-replied\n",
        )
        self.assertEqual(log.state, "ignored")
        self.assertTrue(log.reason)
        self.assertFalse(self.logged_on(self.bob))

    def test_malformed_mail_stored_then_error_with_raw(self):
        """Store first, process after: a mail that breaks processing is kept."""
        raw = (
            f"Delivered-To: {self.log_address}\nFrom: =?bogus?Q?x?= <>\n"
            "Content-Type: multipart/mixed; boundary=\n\n\x00\x01garbage"
        ).encode()
        self.env["mail.thread"].sudo().message_process(False, raw)
        log = self.env["natero.mail.log"].search([], limit=1)
        self.assertEqual(log.envelope_to, self.log_address)
        self.env["natero.mail.log"]._process_pending()
        self.assertIn(log.state, ("error", "rejected"))
        self.assertTrue(log.reason)
        self.assertTrue(log.raw)

    def test_capture_queries(self):
        """The gateway only stores: a fixed, small number of queries per email."""
        # one warm-up email per processing lane: a running server has the
        # lanes' crons in its caches (each email wakes the cron of its lane)
        for n in range(LANES):
            self.bcc(f"Warm-up {n}", process=False)
        raw = self.format(
            MAIL,
            email_from=self.seller.email,
            to="bob@acme.example",
            subject="Counted",
            envelope=f"Delivered-To: {self.log_address}\n",
            body="Hi",
            date="Mon, 16 Nov 2026 09:12:00 +0100",
            msg_id="<counted@vendor.example>",
        )
        thread = self.env["mail.thread"].sudo()
        with self.assertQueryCount(6):
            thread.message_process(False, raw)

    def test_batch_queries(self):
        """Cost per email does not grow with the batch (no per-record queries)."""
        for i in range(10):
            self.bcc(
                f"Batch {i}", to=f"bob@acme.example, c{i}@acme.example", process=False
            )
        self.env.flush_all()
        # 10 emails creating 10 contacts: 43 queries alone, 44 when
        # natero_mail_trigger is installed too (as in the integration suite);
        # one of them reads the users' allowed companies (issue 10 item 5),
        # four the savepoints around taking the rows (a batch, then none left:
        # a lane must survive a row changed since its snapshot, issue 14).
        # Odoo 19.0 takes two more for the same work: pinned per series.
        with self.assertQueryCount(compat.by_series(44, 46)):
            self.env["natero.mail.log"]._process_pending()
        logs = self.env["natero.mail.log"].search([("subject", "like", "Batch %")])
        self.assertEqual(set(logs.mapped("state")), {"logged"})

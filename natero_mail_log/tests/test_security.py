# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Issue 10: every trust boundary of email logging, attacked as an attacker would.

Each test makes the attack the way its attacker would make it: an employee
through ``with_user`` (My Profile, the link wizard), an outsider through Odoo's
mail gateway (``message_process``), or a user of another company.
"""

import random
import uuid
from datetime import datetime, timedelta

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .common import MAIL, NateroLogCase

TRUSTED = "mx.vendor.example"
OUR_RECEIVED = (
    "Received: from mail.sender.example (mail.sender.example [192.0.2.7])\n"
    f"\tby {TRUSTED} (Postfix) with ESMTPS id 4Ab1Cd2;\n"
    "\tMon, 16 Nov 2026 09:12:01 +0100"
)
SENDER_RECEIVED = (
    "Received: from [10.0.0.2] (laptop.sender.example [10.0.0.2])\n"
    "\tby mail.sender.example with ESMTPSA id x1;\n"
    "\tMon, 16 Nov 2026 09:12:00 +0100"
)


def mail_bytes(header_lines, body="Hello Bob, here is our offer."):
    return ("\n".join([*header_lines, "", body, ""])).encode()


@tagged("post_install", "-at_install", "natero_mail_log", "natero_security")
class TestConnectedAddressTakeover(NateroLogCase):
    """Item 2: My Profile must not let an employee take over a colleague's mail."""

    def _profile_write(self, user, commands):
        # What the web client's My Profile form sends: a write on the user
        # itself, by that user (res.users makes self-writeable fields sudo).
        return user.with_user(user).write({"natero_log_sender_ids": commands})

    def test_profile_cannot_connect_colleague_address_backdated(self):
        """The reproduced attack: the CEO's address, connected "in 2001"."""
        ceo = self.colleague
        with self.assertRaises(ValidationError) as caught:
            self._profile_write(
                self.seller,
                [
                    Command.create(
                        {"email": ceo.email, "connected_at": "2001-01-01 00:00:00"}
                    )
                ],
            )
        self.assertIn("is the address of Cole League", str(caught.exception))
        self.assertFalse(
            self.env["natero.mail.log.sender"].search(
                [("user_id", "=", self.seller.id)]
            )
        )
        # The CEO's BCC'd mail is still the CEO's.
        log = self.bcc("Board pack", email_from=ceo.email)
        self.assertEqual(log.user_id, ceo)

    def test_profile_cannot_backdate_own_address(self):
        self._profile_write(
            self.seller,
            [
                Command.create(
                    {"email": "sam@home.example", "connected_at": "2001-01-01 00:00:00"}
                )
            ],
        )
        mine = self.seller.natero_log_sender_ids
        self.assertEqual(mine.email, "sam@home.example")
        self.assertGreater(mine.connected_at.year, 2001, "no backdating")
        with self.assertRaises(AccessError):
            self._profile_write(
                self.seller,
                [Command.update(mine.id, {"connected_at": "2001-01-01 00:00:00"})],
            )
        self.assertGreater(mine.connected_at.year, 2001)

    def test_profile_cannot_touch_colleague_rows(self):
        row = self.env["natero.mail.log.sender"].create(
            {
                "user_id": self.colleague.id,
                "email": "cole.shared@vendor.example",
                "connected_at": "2026-01-01",
            }
        )
        attempts = {
            "edit": [Command.update(row.id, {"email": "sam.two@home.example"})],
            "delete": [Command.delete(row.id)],
            "take": [Command.link(row.id)],
            "replace": [Command.set([row.id])],
        }
        for name, commands in attempts.items():
            with self.subTest(name), self.assertRaises(AccessError):
                self._profile_write(self.seller, commands)
        self.assertTrue(row.exists())
        self.assertEqual(row.user_id, self.colleague)
        self.assertEqual(row.email, "cole.shared@vendor.example")

    def test_profile_still_manages_own_rows(self):
        self._profile_write(
            self.seller, [Command.create({"email": "sam@home.example"})]
        )
        mine = self.seller.natero_log_sender_ids
        self._profile_write(self.seller, [Command.update(mine.id, {"kind": "alias"})])
        self.assertEqual(mine.kind, "alias")
        self._profile_write(self.seller, [Command.delete(mine.id)])
        self.assertFalse(mine.exists())
        # A user reads their own rows through My Profile.
        self.assertFalse(
            self.seller.with_user(self.seller).read(["natero_log_sender_ids"])[0][
                "natero_log_sender_ids"
            ]
        )

    def test_superuser_mode_is_not_a_manager(self):
        """Checks look at the acting user: sudo() code run for an employee
        does not make them an email log manager."""
        Sender = self.env["natero.mail.log.sender"].with_user(self.seller).sudo()
        with self.assertRaises(ValidationError) as caught:
            Sender.create({"user_id": self.seller.id, "email": self.colleague.email})
        self.assertIn("is the address of Cole League", str(caught.exception))
        mine = Sender.create(
            {
                "user_id": self.seller.id,
                "email": "sam@home.example",
                "connected_at": "2001-01-01 00:00:00",
            }
        )
        self.assertGreater(mine.connected_at.year, 2001)
        with self.assertRaises(AccessError):
            mine.write({"connected_at": "2001-01-01 00:00:00"})


@tagged("post_install", "-at_install", "natero_mail_log", "natero_security")
class TestSpoofedSenders(NateroLogCase):
    """Item 3: only an aligned pass stated by our own server authenticates."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {"natero_log_require_auth": True, "natero_log_trusted_authserv": TRUSTED}
        )

    def deliver(
        self, subject, ours=(), sender_wrote=(), received=True, email_from=None
    ):
        """An outsider's mail as our MX hands it to Odoo: delivery headers and
        our filter's Authentication-Results on top, then our Received header,
        then whatever the sender wrote."""
        email_from = email_from or self.seller.email
        top = [f"Return-Path: <{email_from}>", f"Delivered-To: {self.log_address}"]
        top += [f"Authentication-Results: {value}" for value in ours]
        if received:
            top.append(OUR_RECEIVED)
        top += [f"Authentication-Results: {value}" for value in sender_wrote]
        if received:
            top.append(SENDER_RECEIVED)
        top += [
            f"From: Sam Seller <{email_from}>",
            "To: Bob <bob@acme.example>",
            f"Subject: {subject}",
            "Date: Mon, 16 Nov 2026 09:12:00 +0100",
            f"Message-ID: <{uuid.uuid4().hex}@vendor.example>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
        ]
        self.env["mail.thread"].sudo().message_process(False, mail_bytes(top))
        log = self.env["natero.mail.log"].search([("subject", "=", subject)])
        self.assertEqual(len(log), 1)
        self.env["natero.mail.log"]._process_pending()
        return log

    def assertRefused(self, log):
        self.assertEqual(log.state, "rejected", log.reason)
        self.assertIn("trusted server", log.reason)
        self.assertFalse(
            self.logged_on(self.bob).filtered(lambda m: m.natero_log_id == log)
        )

    def test_unaligned_spf_pass_refused(self):
        """spf=pass for the attacker's own domain, dmarc=fail: not the From's."""
        self.assertRefused(
            self.deliver(
                "SPF of another domain",
                ours=[
                    f"{TRUSTED}; spf=pass smtp.mailfrom=mallory@attacker.example; "
                    "dkim=none; dmarc=fail header.from=vendor.example"
                ],
            )
        )

    def test_unaligned_dkim_pass_refused(self):
        for domain in (
            "attacker.example",
            "vendor.example.attacker.example",
            "xvendor.example",
        ):
            with self.subTest(domain):
                self.assertRefused(
                    self.deliver(
                        f"DKIM of {domain}",
                        ours=[
                            f"{TRUSTED}; dkim=pass (2048-bit key) header.d={domain} "
                            "header.s=s1; spf=none smtp.mailfrom=vendor.example"
                        ],
                    )
                )

    def test_header_written_by_sender_ignored(self):
        """A pass naming our server below our Received header: the sender's."""
        self.assertRefused(
            self.deliver(
                "Forged below",
                ours=[
                    f"{TRUSTED}; spf=softfail smtp.mailfrom=vendor.example; dmarc=fail"
                ],
                sender_wrote=[f"{TRUSTED}; dmarc=pass header.from=vendor.example"],
            )
        )

    def test_no_trace_of_our_server_refused(self):
        """Without our Received header nothing tells our headers from the sender's."""
        self.assertRefused(
            self.deliver(
                "No trace",
                ours=[f"{TRUSTED}; dmarc=pass header.from=vendor.example"],
                received=False,
            )
        )

    def test_other_authserv_refused(self):
        self.assertRefused(
            self.deliver(
                "Other server",
                ours=["mx.other.example; dmarc=pass header.from=vendor.example"],
            )
        )

    def test_aligned_passes_accepted(self):
        cases = {
            "dmarc": f"{TRUSTED}; dmarc=pass (p=reject) header.from=vendor.example",
            "dkim": f"{TRUSTED}; dkim=pass header.d=mail.vendor.example header.s=k1",
            "spf": f"{TRUSTED};\n\tspf=pass (sender SPF authorized) "
            "smtp.mailfrom=bounces+x@vendor.example",
        }
        for name, value in cases.items():
            with self.subTest(name):
                log = self.deliver(f"Aligned {name}", ours=[value])
                self.assertEqual(log.state, "logged", log.reason)

    def test_strict_alignment(self):
        self.company.natero_log_auth_alignment = "strict"
        log = self.deliver(
            "Strict subdomain",
            ours=[f"{TRUSTED}; dkim=pass header.d=mail.vendor.example"],
        )
        self.assertEqual(log.state, "rejected")
        log = self.deliver(
            "Strict exact", ours=[f"{TRUSTED}; dkim=pass header.d=vendor.example"]
        )
        self.assertEqual(log.state, "logged", log.reason)

    def test_own_hops_above_the_results(self):
        """An IMAP mailbox behind the MX adds its own Received header on top."""
        lmtp = (
            "Received: from mx.vendor.example by imap.vendor.example with LMTP\n"
            "\tid abc; Mon, 16 Nov 2026 09:12:02 +0100"
        )
        subject = "Behind a mailbox"
        raw = mail_bytes(
            [
                lmtp,
                f"Authentication-Results: {TRUSTED}; dmarc=pass "
                "header.from=vendor.example",
                OUR_RECEIVED,
                f"From: {self.seller.email}",
                "To: bob@acme.example",
                f"Delivered-To: {self.log_address}",
                f"Subject: {subject}",
                "Message-ID: <hops@vendor.example>",
            ]
        )
        self.env["mail.thread"].sudo().message_process(False, raw)
        log = self.env["natero.mail.log"].search([("subject", "=", subject)])
        self.env["natero.mail.log"]._process_pending()
        self.assertEqual(log.state, "rejected", "0 own hops: the results are below")
        self.company.natero_log_auth_hops = 1
        log.action_retry()
        self.assertEqual(log.state, "logged", log.reason)

    def test_settings_warn_while_check_off(self):
        arch = self.env["res.config.settings"].get_views([(False, "form")])["views"][
            "form"
        ]["arch"]
        self.assertIn('invisible="natero_log_require_auth"', arch)
        self.assertIn("o_natero_log_auth_warning", arch)


@tagged("post_install", "-at_install", "natero_mail_log", "natero_security")
class TestCompanyBoundaries(NateroLogCase):
    """Item 5: company A's mail stays in company A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.company_2
        cls.log_address_b = cls.company_b.natero_log_alias_id.alias_full_name
        cls.user_b = cls.user_employee_c2  # allowed in company B only

    def test_other_company_deal_not_used(self):
        deal_b = self._deal(
            self.bob, "B's deal", company_id=self.company_b.id, team_id=False
        )
        deal_a = self._deal(self.bob, "A's deal", company_id=self.company.id)
        shared = self._deal(self.bob, "Shared deal", company_id=False, team_id=False)
        log = self.bcc("Company A mail", to="bob@acme.example")
        self.assertEqual(log.state, "logged")
        self.assertFalse(self.logged_on(deal_b))
        self.assertEqual(log.lead_ids, deal_a | shared)

    def test_other_company_user_not_attributed(self):
        log = self.bcc("From B's user", email_from=self.user_b.email)
        self.assertEqual(log.state, "rejected")
        self.assertFalse(log.user_id)
        self.assertIn(self.user_b.email, log.reason)
        self.assertFalse(self.logged_on(self.bob))
        # Once allowed in company A, the same user is attributed.
        self.user_b.company_ids = [Command.link(self.company.id)]
        log = self.bcc("From B's user, allowed in A", email_from=self.user_b.email)
        self.assertEqual((log.state, log.user_id), ("logged", self.user_b))

    def test_other_company_contact_not_used(self):
        """Both companies' mail in one batch: each keeps to its own contacts."""
        beta_b = self.env["res.partner"].create(
            {"name": "Beta B", "is_company": True, "company_id": self.company_b.id}
        )
        xena_b = self.env["res.partner"].create(
            {
                "name": "Xena (B)",
                "email": "xena@beta.example",
                "parent_id": beta_b.id,
                "company_id": self.company_b.id,
            }
        )
        log_a = self.bcc("To Xena from A", to="xena@beta.example", process=False)
        log_b = self.bcc(
            "To Xena from B",
            to="xena@beta.example",
            email_from=self.user_b.email,
            delivered_to=self.log_address_b,
            process=False,
        )
        self.assertEqual(log_b.company_id, self.company_b)
        self.env["natero.mail.log"]._process_pending()
        self.assertEqual(log_b.state, "logged", log_b.reason)
        self.assertEqual(log_b.partner_ids, xena_b | beta_b)
        self.assertEqual(log_a.state, "logged", log_a.reason)
        self.assertFalse(log_a.partner_ids & (xena_b | beta_b))
        new = log_a.partner_ids
        self.assertEqual(new.email, "xena@beta.example")
        self.assertFalse(new.company_id, "a contact made for A's mail is shared")
        self.assertFalse(new.parent_id, "never under company B's account")
        self.assertEqual(self.logged_on(xena_b).natero_log_id, log_b)


@tagged("post_install", "-at_install", "natero_mail_log", "natero_security")
class TestRecentDeals(NateroLogCase):
    """Issue 11 item 1: the N most recent open deals, however they are attached."""

    def _recent(self, deals_by_age):
        """Create deals, the first the most recent, with explicit write dates."""
        deals = [self._deal(partner, name) for name, partner in deals_by_age]
        self.env.flush_all()  # or a pending recompute would reset write_date
        for age, deal in enumerate(deals):
            self.env.cr.execute(
                "UPDATE crm_lead SET write_date = %s WHERE id = %s",
                (datetime(2026, 11, 1, 12, 0) - timedelta(hours=age), deal.id),
            )
        self.env["crm.lead"].invalidate_model(["write_date"])
        return deals

    def test_deals_on_account_contact_and_both(self):
        cases = {
            "account only": [(f"A{i}", self.acme) for i in range(7)],
            "contact only": [(f"B{i}", self.bob) for i in range(7)],
            "both": [
                ("acc1", self.acme),
                ("bob1", self.bob),
                ("acc2", self.acme),
                ("kate1", self.kate),
                ("bob2", self.bob),
                ("acc3", self.acme),
                ("bob3", self.bob),
            ],
        }
        for n, (name, spec) in enumerate(cases.items()):
            with self.subTest(name):
                self.env["crm.lead"].search([]).write({"active": False})
                deals = self._recent([(f"{name} {d}", p) for d, p in spec])
                log = self.bcc(f"Deals {n}", to="bob@acme.example")
                self.assertEqual(
                    sorted(log.lead_ids.mapped("name")),
                    sorted(d.name for d in deals[:5]),
                    "the 5 most recently updated open deals",
                )


@tagged("post_install", "-at_install", "natero_mail_log", "natero_security")
class TestOtherDestinations(NateroLogCase):
    """Item 6: mail with another Odoo destination is logged and routed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sales_alias = cls.env["mail.alias"].create(
            {
                "alias_name": "sales",
                "alias_model_id": cls.env["ir.model"]._get_id("crm.lead"),
                "alias_domain_id": cls.mail_alias_domain.id,
            }
        )
        cls.sales = cls.sales_alias.alias_full_name
        cls.catchall = cls.mail_alias_domain.catchall_email

    def process(
        self,
        subject,
        to,
        cc="",
        delivered_to=None,
        email_from="bob@acme.example",
        msg_id=None,
        extra="",
    ):
        # The MTA prepends the envelope recipient of each delivery.
        envelope = f"Delivered-To: {delivered_to}\n" if delivered_to else ""
        raw = envelope + self.format(
            MAIL,
            email_from=email_from,
            to=to,
            cc=cc,
            subject=subject,
            envelope="",
            body="Hello",
            date="Mon, 16 Nov 2026 09:12:00 +0100",
            extra=extra,
            msg_id=msg_id or f"<{uuid.uuid4().hex}@acme.example>",
        )
        return self.env["mail.thread"].sudo().message_process(False, raw)

    def logs(self, subject):
        return self.env["natero.mail.log"].search([("subject", "=", subject)])

    def leads(self, subject):
        return self.env["crm.lead"].search([("name", "=", subject)])

    def test_mail_to_sales_alias_cc_log(self):
        self.process("Quote request", to=self.sales, cc=self.log_address)
        self.assertEqual(len(self.leads("Quote request")), 1, "routed as Odoo would")
        self.assertEqual(len(self.logs("Quote request")), 1, "and logged")

    def test_reply_all_reaches_its_thread(self):
        deal = self._deal(self.bob, "Renewal")
        sent = deal.message_post(
            body="Here is the renewal offer",
            message_type="comment",
            partner_ids=self.bob.ids,
        )
        self.process(
            "Re: Renewal",
            to=self.catchall,
            cc=f"{self.log_address}, {self.seller.email}",
            extra=f"In-Reply-To: {sent.message_id}\nReferences: {sent.message_id}\n",
        )
        reply = deal.message_ids.filtered(lambda m: m.subject == "Re: Renewal")
        self.assertEqual(len(reply), 1, "the reply reaches the deal's thread")
        self.assertEqual(reply.author_id, self.bob)
        self.assertEqual(len(self.logs("Re: Renewal")), 1)

    def test_per_recipient_deliveries_log_and_route_once(self):
        """The Postfix pipe: one delivery per envelope recipient, any order."""
        for order in (("log", "sales"), ("sales", "log")):
            subject = f"Two deliveries {order[0]} first"
            msg_id = f"<{uuid.uuid4().hex}@acme.example>"
            for who in order:
                address = self.log_address if who == "log" else self.sales
                self.process(
                    subject,
                    to=self.sales,
                    cc=self.log_address,
                    delivered_to=address,
                    msg_id=msg_id,
                )
            with self.subTest(order):
                self.assertEqual(len(self.leads(subject)), 1)
                self.assertEqual(len(self.logs(subject)), 1)

    def test_bcc_log_copy_is_not_routed(self):
        """The log's own delivery of a BCC: other recipients get their own copies."""
        self.process(
            "Seller to sales",
            to=self.sales,
            delivered_to=self.log_address,
            email_from=self.seller.email,
        )
        self.assertEqual(len(self.logs("Seller to sales")), 1)
        self.assertFalse(self.leads("Seller to sales"), "the sales@ copy routes itself")

    def test_log_local_part_on_foreign_domain_is_not_ours(self):
        self.process("Foreign log", to=self.sales, cc="log@customer.example")
        self.assertEqual(len(self.leads("Foreign log")), 1)
        self.assertFalse(self.logs("Foreign log"))

    def test_routing_failure_keeps_the_log(self):
        self.sales_alias.alias_contact = "partners"  # strangers may not write
        with mute_logger(
            "odoo.addons.mail.models.mail_thread",
            "odoo.addons.natero_mail_log.models.mail_thread",
        ):
            self.process(
                "Refused by alias",
                to=self.sales,
                cc=self.log_address,
                email_from="stranger@nowhere.example",
            )
        self.assertEqual(len(self.logs("Refused by alias")), 1)
        self.assertFalse(self.leads("Refused by alias"))


@tagged("post_install", "-at_install", "natero_mail_log", "natero_security")
class TestCraftedTokens(NateroLogCase):
    """Item 7 (and 8c): a personal address never breaks the gateway nor leaks."""

    def deliver(self, address, subject):
        raw = self.format(
            MAIL,
            email_from=self.seller.email,
            to="bob@acme.example",
            subject=subject,
            envelope=f"Delivered-To: {address}\n",
            body="Hi",
            date="Mon, 16 Nov 2026 09:12:00 +0100",
            msg_id=f"<{uuid.uuid4().hex}@vendor.example>",
        )
        result = self.env["mail.thread"].sudo().message_process(False, raw.encode())
        self.assertTrue(result, f"{address!r} was not kept")
        return self.env["natero.mail.log"].search([("subject", "=", subject)])

    def test_crafted_token_never_raises(self):
        domain = self.alias_domain
        log = self.deliver(f"log+%%%%%%%%éééééééééééééééé@{domain}", "Crafted")
        self.assertEqual(len(log), 1)
        self.assertEqual(log.state, "rejected")
        self.assertNotIn("%%", log.envelope_to + (log.reason or ""))

    def test_fuzzed_tokens(self):
        rng = random.Random(20261201)
        real = self.colleague.sudo().natero_log_token
        alphabet = (
            "abcdefghijklmnopqrstuvwxyz0123456789%_\\!#$&*/=?^`{|}~-'.éèßøÅ中文Жя"
        )
        tokens = [real[:8] + "é" * 16, real[:8] + "%" * 16, real.upper()[:23] + "_"]
        tokens += [
            "".join(
                rng.choice(alphabet) for _i in range(rng.choice([1, 8, 23, 24, 25, 40]))
            )
            for _n in range(150)
        ]
        for n, token in enumerate(tokens):
            log = self.deliver(f"log+{token}@{self.alias_domain}", f"Fuzz {n}")
            self.assertEqual(len(log), 1, token)
            self.assertFalse(log.personal_user_id, token)
            self.assertNotIn(f"+{token}@", log.envelope_to)
        self.env["natero.mail.log"]._process_pending()
        fuzz = self.env["natero.mail.log"].search([("subject", "like", "Fuzz %")])
        self.assertNotIn("pending", fuzz.mapped("state"))

    def test_tokens_masked_attribution_kept(self):
        address = self.colleague.natero_log_address
        token = self.colleague.sudo().natero_log_token
        log = self.bcc("Masked", email_from=self.colleague.email, delivered_to=address)
        self.assertEqual(log.envelope_to, f"log+…@{self.alias_domain}")
        self.assertEqual(
            (log.personal_user_id, log.attribution_rule),
            (self.colleague, "personal_address"),
        )
        log.action_retry()
        self.assertEqual((log.state, log.user_id), ("logged", self.colleague))
        unknown = self.bcc(
            "Unknown token", delivered_to=f"log+{'a' * 24}@{self.alias_domain}"
        )
        self.assertEqual(unknown.state, "rejected")
        for value in (unknown.reason, unknown.envelope_to, log.envelope_to):
            self.assertNotIn("a" * 24, value)
            self.assertNotIn(token, value)

    def test_raw_mail_needs_administrator(self):
        """The raw mail holds the token in Delivered-To: administrators only."""
        manager = mail_new_test_user(
            self.env,
            login="log_manager",
            groups="base.group_user,natero_mail_log.group_natero_mail_log_manager",
            email="lm@vendor.example",
        )
        log = self.bcc(
            "Raw",
            email_from=self.colleague.email,
            delivered_to=self.colleague.natero_log_address,
        )
        self.assertEqual(log.with_user(manager).subject, "Raw")
        with self.assertRaises(AccessError):
            log.with_user(manager).read(["raw"])


@tagged("post_install", "-at_install", "natero_mail_log", "natero_security")
class TestSmallerPoints(NateroLogCase):
    """Item 8: attachments' types and the link wizard's rights."""

    def test_hostile_svg_and_html_stored_as_text(self):
        svg = (
            '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"/>'
        )
        html = "<html><script>alert(1)</script></html>"
        body = (
            "--XX\nContent-Type: text/html; charset=utf-8\n\n"
            '<p>Logo <img src="cid:logo@x"/></p>\n'
            "--XX\nContent-Type: image/svg+xml\nContent-ID: <logo@x>\n"
            f"Content-Disposition: inline; filename=logo.svg\n\n{svg}\n"
            "--XX\nContent-Type: text/html; name=page.html\n"
            f"Content-Disposition: attachment; filename=page.html\n\n{html}\n"
            "--XX\nContent-Type: image/svg+xml; name=chart.png\n"
            f"Content-Disposition: attachment; filename=chart.svg\n\n{svg}\n--XX--\n"
        )
        self.bcc(
            "Hostile files",
            body=body,
            extra='Content-Type: multipart/mixed; boundary="XX"\n',
        )
        attachments = self.logged_on(self.bob).attachment_ids
        self.assertEqual(len(attachments), 3)
        for attachment in attachments:
            self.assertEqual(attachment.mimetype, "text/plain", attachment.name)

    def test_link_needs_write_access(self):
        emma = mail_new_test_user(
            self.env,
            login="emma",
            groups="base.group_user",
            email="emma@vendor.example",
            name="Emma Employee",
        )
        self.assertTrue(self.bob.with_user(emma).has_access("read"))
        self.assertFalse(self.bob.with_user(emma).has_access("write"))
        self.company.natero_log_create_contacts = False
        log = self.bcc(
            "Emma's mail", email_from=emma.email, to="stranger@nowhere.example"
        )
        self.assertEqual((log.state, log.user_id), ("unassigned", emma))
        wizard = (
            self.env["natero.mail.log.link"]
            .with_user(emma)
            .with_context(active_id=log.id)
            .create({"partner_ids": [Command.set(self.bob.ids)]})
        )
        with self.assertRaises(AccessError):
            wizard.action_link()
        self.assertFalse(self.logged_on(self.bob))

    def test_users_cannot_forge_logged_keys(self):
        """A user may edit their own messages, not the logging engine's keys:
        a forged key would keep a coming email off the record (L8)."""
        note = self.bob.with_user(self.seller).message_post(
            body="My note", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        with self.assertRaises(AccessError):
            note.with_user(self.seller).write(
                {"natero_log_key": "coming@vendor.example"}
            )
        with self.assertRaises(AccessError):
            self.env["mail.message"].with_user(self.seller).create(
                {
                    "model": "res.partner",
                    "res_id": self.kate.id,
                    "body": "x",
                    "natero_log_key": "coming@vendor.example",
                }
            )
        log = self.bcc(
            "Coming", to="bob@acme.example", msg_id="<coming@vendor.example>"
        )
        self.assertEqual(log.state, "logged")
        self.assertTrue(self.logged_on(self.bob))

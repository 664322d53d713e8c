# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
import base64
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import email_normalize, mute_logger

from odoo.addons.natero_mail_trigger.tools import tokens

from .common import TriggerCommon

DAY_1 = date(2025, 1, 6)

REPLY = """\
{envelope}From: {email_from}
To: {to}
Cc: {cc}
Subject: {subject}
Date: Mon, 06 Jan 2025 12:00:00 +0100
Message-ID: {msg_id}
In-Reply-To: {in_reply_to}
{extra}MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="BOUND"

--BOUND
Content-Type: text/plain; charset=utf-8

{body}

--BOUND
Content-Type: application/pdf; name="plan.pdf"
Content-Disposition: attachment; filename="plan.pdf"
Content-Transfer-Encoding: base64

{pdf}
--BOUND--
"""
PDF = base64.b64encode(b"%PDF-1.4 our rollout plan").decode()


@tagged("post_install", "-at_install", "natero_trigger_replies")
class TestTriggerReplies(TriggerCommon):
    """T9: replies to triggered emails, through the mail gateway."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.alias_domain_id = cls.mail_alias_domain
        cls.Log = cls.env["natero.mail.log"]

    def send_list(self, **values):
        """A trigger sends its list of 6 January to the three users."""
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00", **values)
        self.run_cron("2025-01-06 07:00:00")
        with self.capture_mails():
            self.run_cron("2025-01-06 09:00:00")
            mails = self._new_mails
            mails.send()
        return trigger, mails

    def mail_of(self, mails, partner):
        return mails.filtered(
            lambda mail: mail.natero_trigger_send_id.partner_id == partner
        )

    def reply(self, to, email_from="User 1 <user1@acme.example.com>", **kwargs):
        """Deliver a reply through Odoo's gateway as the Postfix pipe does
        (Delivered-To: the address), then run the logging cron. Mail nobody
        takes goes to Odoo's router, whose fallback here makes a crm.lead."""
        kwargs.setdefault("subject", "Re: Hello User 1 of Acme")
        kwargs.setdefault("body", "Yes, call me on Tuesday.")
        kwargs.setdefault("in_reply_to", "<none@example.com>")
        kwargs.setdefault("pdf", PDF)
        envelope = kwargs.pop("envelope", f"Delivered-To: {to}\n")
        leads = self.format_and_process(
            REPLY,
            email_from,
            to,
            model="crm.lead",
            target_model="crm.lead",
            envelope=envelope,
            **kwargs,
        )
        self.Log._process_pending()
        return leads

    def forwards(self):
        return (
            self.env["mail.mail"]
            .sudo()
            .search([("natero_trigger_send_id", "=", False), ("email_to", "!=", False)])
        )

    def notes(self, record):
        return self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("natero_log_id", "!=", False),
            ]
        )

    # ------------------------------------------------------------- sending

    def test_each_email_has_its_own_signed_reply_to(self):
        trigger, mails = self.send_list()
        alias = self.company.natero_trigger_reply_alias_id
        self.assertEqual(alias.alias_domain_id, self.mail_alias_domain)
        reply_tos = set()
        for mail in mails:
            send = mail.natero_trigger_send_id
            local = tokens.reply_local_part(
                alias.alias_name, trigger._get_secret(), self.env.cr.dbname, send.id
            )
            expected = f'"Customer Success" <{local}@{self.alias_domain}>'
            self.assertEqual(mail.reply_to, expected)
            reply_tos.add(mail.reply_to)
        self.assertEqual(len(reply_tos), 3)
        # the email that leaves carries it (Odoo's own path: mail.reply_to)
        sent = [
            m for m in self._mails if "user1@acme.example.com" in str(m["email_to"])
        ]
        self.assertEqual(sent[0]["reply_to"], self.mail_of(mails, self.user_1).reply_to)
        # the reply-to name stays the display name
        trigger.write(
            {"reply_to_name": "CS team", "reply_to_email": "cs@test.example.com"}
        )
        self.assertEqual(trigger._get_reply_alias()[0], "CS team")

    # --------------------------------------------------------------- replies

    def test_reply_logged_forwarded_and_counted(self):
        trigger, mails = self.send_list(
            reply_to_name="CS team", reply_to_email="cs@test.example.com"
        )
        mail = self.mail_of(mails, self.user_1)
        send = mail.natero_trigger_send_id
        reply_to = email_normalize(mail.reply_to)
        leads = self.reply(reply_to, msg_id="<reply-1@acme.example.com>")
        self.assertFalse(leads, "a reply is not left to Odoo's router")
        log = self.Log.search([("natero_trigger_send_id", "=", send.id)])
        self.assertRecordValues(
            log,
            [
                {
                    "state": "logged",
                    "kind": "reply",
                    "company_id": self.company.id,
                    "user_id": self.owner.id,
                }
            ],
        )
        self.assertNotIn(reply_to.split("-")[-1], log.envelope_to, "token masked")
        # logged on the contact and its account: the customer's internal note,
        # with its attachment and the mark
        for record in (self.user_1, self.account):
            note = self.notes(record)
            self.assertEqual(len(note), 1)
            self.assertEqual(note.author_id, self.user_1)
            self.assertTrue(note.is_internal)
            self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
            self.assertIn("Reply to trigger Feature tip", note.body)
            self.assertIn("call me on Tuesday", note.body)
            self.assertEqual(note.attachment_ids.mapped("name"), ["plan.pdf"])
        self.assertFalse(self.notes(self.user_2))
        self.assertTrue(send.replied_at)
        # forwarded to the reply-to person, the customer as Reply-To
        forward = self.forwards()
        self.assertEqual(len(forward), 1)
        self.assertEqual(forward.email_to, '"CS team" <cs@test.example.com>')
        self.assertEqual(forward.reply_to, '"User 1" <user1@acme.example.com>')
        self.assertEqual(forward.subject, "Re: Hello User 1 of Acme")
        self.assertIn("call me on Tuesday", forward.body_html)
        self.assertEqual(forward.attachment_ids.mapped("name"), ["plan.pdf"])
        self.assertIn(f"@{self.alias_domain}", forward.email_from)
        headers = ast.literal_eval(forward.headers)
        self.assertEqual(headers["Auto-Submitted"], "auto-generated")
        self.assertIn("forwarded to", log.reason)
        # the same reply delivered again (its Cc'd copy): nothing twice
        self.reply(reply_to, msg_id="<reply-1@acme.example.com>")
        self.assertEqual(len(self.notes(self.user_1)), 1)
        self.assertEqual(len(self.forwards()), 1)
        # nothing went to a customer but the triggered emails
        customers = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("email_to", "ilike", "acme.example.com"),
                    ("natero_trigger_send_id", "=", False),
                ]
            )
        )
        self.assertFalse(customers)

    def test_reply_without_reply_to_goes_to_owner(self):
        __, mails = self.send_list()
        self.reply(email_normalize(self.mail_of(mails, self.user_1).reply_to))
        self.assertEqual(self.forwards().email_to, self.owner.email_formatted)

    def test_out_of_office_is_not_a_reply(self):
        __, mails = self.send_list()
        send = self.mail_of(mails, self.user_1).natero_trigger_send_id
        self.reply(
            email_normalize(
                send.trigger_id._get_send_reply_to(
                    send, send.trigger_id._get_reply_alias(), ""
                )
            ),
            subject="Out of office: Hello User 1 of Acme",
            body="I am away until Monday.",
            extra="Auto-Submitted: auto-replied\nX-Autoreply: yes\n",
        )
        log = self.Log.search([("natero_trigger_send_id", "=", send.id)])
        self.assertEqual(log.state, "ignored")
        self.assertFalse(send.replied_at)
        self.assertFalse(self.notes(self.user_1))
        self.assertFalse(self.forwards())

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_forged_token_is_ordinary_mail(self):
        """An outsider writes to reply+<send>-<token>@ with a token of their
        own making, another send's token, or one for a send that does not
        exist: none is logged, forwarded or counted; Odoo's router gets the
        mail as any other (here its fallback makes a lead: never lost)."""
        trigger, mails = self.send_list()
        send_1 = self.mail_of(mails, self.user_1).natero_trigger_send_id
        send_2 = self.mail_of(mails, self.user_2).natero_trigger_send_id
        alias = self.company.natero_trigger_reply_alias_id.alias_name
        secret, db = trigger._get_secret(), self.env.cr.dbname

        def local(send_id, signed_id=None, key=secret):
            signed_id = send_id if signed_id is None else signed_id
            return f"{alias}+{send_id}-{tokens.reply_token(key, db, signed_id)}"

        forged = {
            "made up": f"{alias}+{send_1.id}-{'a' * 26}",
            "another send's": local(send_1.id, send_2.id),
            "another secret's": local(send_1.id, key="guess"),
            "unknown send": local(send_2.id + 1000),
        }
        addresses = [f"{part}@{self.alias_domain}" for part in forged.values()]
        addresses.append(f"{local(send_1.id)}@not-ours.example")  # not our domain
        for index, address in enumerate(addresses):
            with self.subTest(address=address):
                leads = self.reply(
                    address,
                    email_from="Mallory <mallory@evil.example>",
                    subject=f"Re: pay this invoice {index}",
                )
                self.assertEqual(len(leads), 1, "routed by Odoo as any mail")
        self.assertFalse(self.Log.search([("kind", "=", "reply")]))
        self.assertFalse((send_1 | send_2).filtered("replied_at"))
        self.assertFalse(self.notes(self.user_1) | self.notes(self.account))
        self.assertFalse(self.forwards())

    def test_reply_from_a_colleague_is_logged_and_marked(self):
        """User 1 forwarded the email to User 2, who replies."""
        __, mails = self.send_list()
        send = self.mail_of(mails, self.user_1).natero_trigger_send_id
        self.reply(
            email_normalize(self.mail_of(mails, self.user_1).reply_to),
            email_from="User 2 <user2@acme.example.com>",
        )
        note = self.notes(self.user_1)
        self.assertEqual(note.author_id, self.user_2)
        self.assertIn("from another address than the recipient", note.body)
        self.assertIn("user2@acme.example.com", note.body)
        self.assertTrue(self.notes(self.account))
        self.assertTrue(send.replied_at)
        self.assertEqual(self.forwards().reply_to, '"User 2" <user2@acme.example.com>')
        log = self.Log.search([("natero_trigger_send_id", "=", send.id)])
        self.assertIn("another address", log.reason)

    def test_reply_to_a_no_reply_trigger(self):
        """A no-reply trigger's emails are unchanged; mail to its no-reply
        address is ordinary mail."""
        __, mails = self.send_list(no_reply=True)
        mail = self.mail_of(mails, self.user_1)
        self.assertEqual(mail.reply_to, f'"No reply" <noreply@{self.alias_domain}>')
        with mute_logger("odoo.addons.mail.models.mail_thread"):
            leads = self.reply(f"noreply@{self.alias_domain}")
        self.assertEqual(len(leads), 1)
        self.assertFalse(self.Log.search([("kind", "=", "reply")]))
        self.assertFalse(mail.natero_trigger_send_id.replied_at)

    # --------------------------------------------------------------- control

    def _second_day_recipients(self, trigger):
        self.run_cron("2025-01-07 07:00:00")
        return self.sends(trigger, day=date(2025, 1, 7)).partner_id

    def test_stop_for_users_who_replied(self):
        trigger, mails = self.send_list(stop_if_replied=True)
        self.reply(email_normalize(self.mail_of(mails, self.user_1).reply_to))
        self.assertEqual(
            self._second_day_recipients(trigger), self.user_2 | self.user_3
        )
        # an out-of-office alone stops nothing: covered above (no replied_at)

    def test_global_setting_stops_every_trigger(self):
        self.company.natero_trigger_stop_replied = True
        trigger, mails = self.send_list()
        self.reply(email_normalize(self.mail_of(mails, self.user_1).reply_to))
        self.assertEqual(
            self._second_day_recipients(trigger), self.user_2 | self.user_3
        )

    def test_without_the_option_replies_change_nothing(self):
        trigger, mails = self.send_list()
        self.reply(email_normalize(self.mail_of(mails, self.user_1).reply_to))
        self.assertEqual(self._second_day_recipients(trigger), self.users)

    # ------------------------------------------------------------ monitoring

    def test_stats_reply_rate_drill_down_and_list(self):
        trigger, mails = self.send_list()
        self.reply(email_normalize(self.mail_of(mails, self.user_1).reply_to))
        stat = self.env["natero.trigger.stat"].search([("trigger_id", "=", trigger.id)])
        self.assertRecordValues(
            stat, [{"local_day": DAY_1, "delivered": 3, "replied": 1}]
        )
        self.assertAlmostEqual(stat.reply_rate, 100 / 3, places=3)
        # grouped: a ratio of sums
        groups = self.env["natero.trigger.stat"].read_group(
            [("trigger_id", "=", trigger.id)], ["replied:sum", "reply_rate:avg"], []
        )
        self.assertAlmostEqual(groups[0]["reply_rate"], 100 / 3, places=3)
        action = stat.with_context(natero_measure="replied").action_open_sends()
        replied = self.Send.search(action["domain"])
        self.assertEqual(replied.partner_id, self.user_1)
        self.assertIn("Replied", action["name"])
        with self.subTest("30-day replies in the trigger list"):
            with freeze_time("2025-01-08 12:00:00"):
                trigger.invalidate_recordset(["replies_30d", "recipients_30d"])
                self.assertEqual(trigger.replies_30d, 1)
                self.assertEqual(trigger.recipients_30d, 3)

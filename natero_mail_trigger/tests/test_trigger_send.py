# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import ast
from datetime import date
from unittest.mock import ANY, patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import compat
from .common import TriggerCommon

DAY_1 = date(2025, 1, 6)

BOUNCE = """\
From: MAILER-DAEMON@mx.example.com
To: {bounce}
Subject: Undelivered Mail Returned to Sender
Message-Id: <bounce-{token}@mx.example.com>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="BOUND"

--BOUND
Content-Type: text/plain

Your message could not be delivered: mailbox unknown.

--BOUND
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.com

Final-Recipient: rfc822; {email}
Action: failed
Status: 5.1.1

--BOUND
Content-Type: message/rfc822

Message-Id: {message_id}
From: success@test.example.com
To: {email}
Subject: Hello

Hello
--BOUND--
"""


@tagged("post_install", "-at_install")
class TestTriggerSend(TriggerCommon):
    """T4 review and T6 sending."""

    def generate(self, **values):
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00", **values)
        self.run_cron("2025-01-06 07:00:00")
        return trigger

    def send(self):
        with self.capture_mails():
            self.run_cron("2025-01-06 09:00:00")
        return self._new_mails

    def row_of(self, trigger, partner):
        return self.sends(trigger).filtered(lambda send: send.partner_id == partner)

    def test_generate_remove_recipient_then_send(self):
        trigger = self.generate()
        removed = self.row_of(trigger, self.user_2)
        removed.with_user(self.reviewer).action_remove()
        self.assertEqual(removed.state, "removed")
        self.assertEqual(removed.removed_by_id, self.reviewer)
        self.assertEqual(trigger.pending_count, 2)
        # restore and remove again: the list is editable until the send time
        removed.with_user(self.reviewer).action_restore()
        self.assertEqual(removed.state, "generated")
        removed.with_user(self.reviewer).action_remove()

        mails = self.send()
        self.assertEqual(
            mails.natero_trigger_send_id.partner_id, self.user_1 | self.user_3
        )
        self.assertEqual(removed.state, "removed")
        with self.assertRaises(UserError):
            self.row_of(trigger, self.user_1).with_user(self.reviewer).action_remove()

    def test_mail_is_personalised_with_one_click_unsubscribe(self):
        trigger = self.generate(
            email_bcc="log@test.example.com", reply_to_email="cs@x.com"
        )
        mails = self.send()
        self.assertEqual(len(mails), 3)
        row = self.row_of(trigger, self.user_1)
        mail = mails.filtered(lambda m: m.natero_trigger_send_id == row)
        self.assertEqual(mail.subject, "Hello User 1 of Acme")
        self.assertEqual(row.subject, "Hello User 1 of Acme")
        self.assertEqual(mail.email_to, '"User 1" <user1@acme.example.com>')
        # T9: its own signed reply address (the alias domain's), which
        # forwards the replies to cs@x.com
        self.assertRegex(
            mail.reply_to, rf"^reply\+{row.id}-[a-z2-7]{{26}}@test\.mycompany\.com$"
        )
        self.assertEqual(trigger._get_reply_person(), "cs@x.com")
        self.assertEqual((mail.model, mail.res_id), ("res.partner", self.user_1.id))
        self.assertEqual(row.message_id, mail.message_id)
        self.assertEqual(row.state, "queued")
        headers = ast.literal_eval(mail.headers)
        url = trigger._get_unsubscribe_url(row)
        self.assertIn(f"/natero/unsubscribe/{row.id}/", url)
        self.assertEqual(headers["List-Unsubscribe"], f"<{url}>")
        self.assertEqual(headers["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        self.assertEqual(headers["Bcc"], "log@test.example.com")
        self.assertIn(f'href="{url}"', mail.body_html)
        self.assertIn("Hi User 1", mail.body_html)
        # the mail queue then sends it with the headers, and the row is sent
        with self.mock_mail_gateway():
            compat.process_email_queue(mails.sudo())
        self.assertEqual(set(self.sends(trigger).mapped("state")), {"sent"})
        self.assertTrue(row.sent_at)
        built = [m for m in self._mails if m["email_to"] == [mail.email_to]]
        self.assertEqual(len(built), 1)
        self.assertEqual(built[0]["headers"]["List-Unsubscribe"], f"<{url}>")

    def test_user_created_or_changed_between_generate_and_send(self):
        trigger = self.generate()
        newcomer = self.env["res.partner"].create(
            {
                "name": "Newcomer",
                "email": "new@acme.example.com",
                "natero_product_user": True,
            }
        )
        self.user_1.email = "user1.renamed@acme.example.com"
        self.user_2.active = False
        mails = self.send()
        self.assertEqual(
            mails.natero_trigger_send_id.partner_id, self.user_1 | self.user_3
        )
        self.assertIn(
            '"User 1" <user1.renamed@acme.example.com>', mails.mapped("email_to")
        )
        self.assertEqual(
            self.row_of(trigger, self.user_1).email, "user1.renamed@acme.example.com"
        )
        cancelled = self.row_of(trigger, self.user_2)
        self.assertEqual(cancelled.state, "cancelled")
        self.assertTrue(cancelled.failure_reason)
        self.assertFalse(self.row_of(trigger, newcomer))
        # the newcomer is in the next day's list
        self.run_cron("2025-01-07 07:00:00")
        self.assertIn(newcomer, self.sends(trigger, day=date(2025, 1, 7)).partner_id)

    def test_recheck_rules_at_send(self):
        trigger = self.generate(recheck_rules_at_send=True)
        self.user_3.natero_product_user = False
        mails = self.send()
        self.assertEqual(
            mails.natero_trigger_send_id.partner_id, self.user_1 | self.user_2
        )
        self.assertEqual(self.row_of(trigger, self.user_3).state, "cancelled")

    def test_blacklisted_address_skipped_at_send_time(self):
        trigger = self.generate()
        self.env["mail.blacklist"]._add(self.user_1.email)
        mails = self.send()
        self.assertNotIn(self.user_1, mails.natero_trigger_send_id.partner_id)
        row = self.row_of(trigger, self.user_1)
        self.assertEqual(row.state, "cancelled")
        self.assertIn("Blacklisted", row.failure_reason)
        # and not generated the next day at all
        self.run_cron("2025-01-07 07:00:00")
        self.assertNotIn(
            self.user_1, self.sends(trigger, day=date(2025, 1, 7)).partner_id
        )

    def test_sending_twice_queues_once(self):
        trigger = self.generate()
        mails = self.send()
        self.assertEqual(len(mails), 3)
        # a second worker / a second run at the same time finds nothing to send
        trigger.write({"next_send_at": trigger.last_send_at, "pending_day": DAY_1})
        again = self.send()
        self.assertFalse(again)
        self.assertEqual(
            self.env["mail.mail"].search_count(
                [("natero_trigger_send_id.trigger_id", "=", trigger.id)]
            ),
            3,
        )

    def test_batches_report_progress(self):
        trigger = self.generate()
        with self.capture_mails():
            with patch.object(
                compat, "cron_progress", wraps=compat.cron_progress
            ) as progress:
                with freeze_time("2025-01-06 09:00:00"):
                    self.Trigger._cron_process(batch_size=2)
                progress.assert_called_with(ANY, processed=2, remaining=1)
                self.assertTrue(trigger.next_send_at)
                with freeze_time("2025-01-06 09:00:30"):
                    self.Trigger._cron_process(batch_size=2)
                progress.assert_called_with(ANY, processed=1, remaining=0)
        self.assertFalse(trigger.next_send_at)
        self.assertEqual(set(self.sends(trigger).mapped("state")), {"queued"})

    def test_bcc_reaches_the_smtp_server(self):
        """T5: the trigger's BCC is an SMTP recipient of every email (19.0
        sends only to the recipients it validated: compat 16)."""
        self.generate(email_bcc="archive@test.example.com")
        mails = self.send()
        with self.mock_smtplib_connection():
            mails.sudo().send()
        self.assertEqual(len(self.emails), 3)
        for email in self.emails:
            self.assertIn("archive@test.example.com", email["smtp_to_list"])

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_smtp_failure_marks_send_failed(self):
        trigger = self.generate()
        mails = self.send()
        with compat.smtp_failing(Exception("SMTP down")):
            mails.sudo().send()
        rows = self.sends(trigger)
        self.assertEqual(set(rows.mapped("state")), {"failed"})
        self.assertIn("SMTP down", rows[0].failure_reason)
        self.assertTrue(rows[0].failed_at)

    @mute_logger("odoo.addons.mail.models.mail_thread")
    def test_bounce_marks_send_bounced(self):
        trigger = self.generate()
        mails = self.send()
        with self.mock_mail_gateway():
            mails.sudo().send()
        row = self.row_of(trigger, self.user_1)
        self.assertEqual(row.state, "sent")
        raw = BOUNCE.format(
            bounce=f"{self.alias_bounce}@{self.alias_domain}",
            token="1",
            email=row.email,
            message_id=row.message_id,
        )
        self.env["mail.thread"].message_process(False, raw)
        self.assertEqual(row.state, "bounced")
        self.assertIn("mailbox unknown", row.failure_reason)
        self.assertEqual(self.row_of(trigger, self.user_2).state, "sent")
        self.assertEqual(self.user_1.message_bounce, 1)

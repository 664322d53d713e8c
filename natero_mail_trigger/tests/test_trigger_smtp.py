# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import collections
from contextlib import contextmanager
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import fields, modules
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TriggerCommon
from .smtp_server import SmtpServer

SEND_AT = "2025-01-06 09:00:00"
MAILER_LOGGER = "odoo.addons.natero_mail_trigger.models.natero_trigger_mailer"


@tagged("post_install", "-at_install")
class TestTriggerSmtp(TriggerCommon):
    """T6 / Scale: the batched sender against a real SMTP server.

    The server (``smtp_server.py``) listens on 127.0.0.1 and speaks SMTP over
    TCP; Odoo's test mode, which skips every real SMTP connection, is lifted
    while sending (as Odoo's own ``test_ir_mail_server_smtpd`` does).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        more = cls.env["res.partner"].create(
            [
                {
                    "name": f"User {index}",
                    "email": f"user{index}@acme.example.com",
                    "parent_id": cls.account.id,
                    "natero_product_user": True,
                }
                for index in range(4, 7)
            ]
        )
        cls.users |= more
        cls.server = SmtpServer().start()
        cls.addClassCleanup(cls.server.stop)
        # the only outgoing server (MailCommon's point at a host "smtp_host")
        cls.env["ir.mail_server"].search([]).unlink()
        cls.mail_server = cls.env["ir.mail_server"].create(
            {
                "name": "test SMTP server",
                "smtp_host": "127.0.0.1",
                "smtp_port": cls.server.port,
                "smtp_encryption": "none",
                "sequence": 0,
            }
        )

    def setUp(self):
        super().setUp()
        self.server.replies = {}
        self.server.messages = []
        self.server.sessions = self.server.attempts = 0
        self.trigger = self.make_trigger(activate_at="2025-01-06 06:00:00")
        self.run_cron("2025-01-06 07:00:00")  # generate
        self.run_cron(SEND_AT)  # queue
        self.rows = self.sends(self.trigger)
        self.mails = self.env["mail.mail"].search(
            [("natero_trigger_send_id", "in", self.rows.ids)]
        )
        self.assertEqual(len(self.mails), 6)
        self.assertEqual(set(self.rows.mapped("state")), {"queued"})

    @contextmanager
    def real_smtp(self, at=SEND_AT):
        with (
            patch.object(modules.module, "current_test", False),
            freeze_time(at),
        ):
            yield

    def cron_send(self, at=SEND_AT):
        with self.real_smtp(at):
            return self.env["natero.trigger.mailer"]._cron_send()

    def received_per_message_id(self):
        return collections.Counter(
            message["Message-Id"] for message in self.server.parsed()
        )

    def row_of(self, partner):
        return self.rows.filtered(lambda row: row.partner_id == partner)

    # ------------------------------------------------------------------ tests

    def test_batch_sends_over_one_connection_with_every_header(self):
        self.assertEqual(self.cron_send(), 6)
        self.assertEqual(self.server.sessions, 1)
        self.assertEqual(
            self.received_per_message_id(),
            collections.Counter(self.rows.mapped("message_id")),
        )
        self.assertEqual(set(self.rows.mapped("state")), {"sent"})
        self.assertTrue(all(self.rows.mapped("sent_at")))
        self.assertFalse(self.mails.exists(), "auto-deleted once sent, as Odoo's")
        bounce = f"{self.alias_bounce}@{self.alias_domain}"
        for envelope, message in zip(
            self.server.messages, self.server.parsed(), strict=True
        ):
            row = self.rows.filtered(
                lambda r, m=message: r.message_id == m["Message-Id"]
            )
            url = self.trigger._get_unsubscribe_url(row)
            self.assertEqual(envelope["from"], f"<{bounce}>")  # Return-Path
            self.assertEqual(envelope["rcpt"], [f"<{row.email}>"])
            self.assertEqual(message["List-Unsubscribe"], f"<{url}>")
            self.assertEqual(
                message["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click"
            )
            self.assertEqual(message["Precedence"], "bulk")
            self.assertEqual(message["Subject"], row.subject)
            html = message.get_body(("html",)).get_content()
            self.assertIn(f"/natero/track/open/{row.id}/", html)
            self.assertIn(url, html)

    def test_odoo_path_when_batching_is_off(self):
        """``natero_mail_trigger.batch_send = 0``: Odoo's per-email path,
        same messages."""
        self.env["ir.config_parameter"].set_param("natero_mail_trigger.batch_send", "0")
        with self.real_smtp():
            self.mails.send()
        self.assertEqual(len(self.server.messages), 6)
        self.assertEqual(set(self.rows.mapped("state")), {"sent"})

    @mute_logger(MAILER_LOGGER, "odoo.addons.base.models.ir_mail_server")
    def test_4xx_waits_then_sends_once(self):
        """451 on every DATA: nothing sent, nothing failed, retried later."""
        self.server.replies = {"data": lambda n, a: "451 4.3.0 try again later"}
        self.assertEqual(self.cron_send(), 0)
        self.assertEqual(set(self.rows.mapped("state")), {"queued"})
        self.assertEqual(set(self.mails.mapped("state")), {"outgoing"})
        self.assertEqual(set(self.mails.mapped("natero_smtp_attempts")), {1})
        self.assertIn("451", self.mails[0].failure_reason)
        # not retried before the delay, then sent once each
        self.server.replies = {}
        self.assertEqual(self.cron_send("2025-01-06 09:00:30"), 0)
        self.assertEqual(self.cron_send("2025-01-06 09:01:01"), 6)
        self.assertEqual(set(self.rows.mapped("state")), {"sent"})
        self.assertEqual(set(self.received_per_message_id().values()), {1})
        self.assertEqual(len(self.server.messages), 6)

    @mute_logger(MAILER_LOGGER, "odoo.addons.base.models.ir_mail_server")
    def test_5xx_fails_only_that_send(self):
        victim = self.user_2.email
        self.server.replies = {
            "rcpt": lambda n, address: (
                "550 5.1.1 mailbox unavailable" if victim in address else None
            )
        }
        self.assertEqual(self.cron_send(), 5)
        failed = self.row_of(self.user_2)
        self.assertEqual(failed.state, "failed")
        self.assertIn("550 5.1.1 mailbox unavailable", failed.failure_reason)
        self.assertEqual(set((self.rows - failed).mapped("state")), {"sent"})
        self.assertEqual(self.server.sessions, 1)
        # the failed email is kept, as Odoo keeps failed emails; sent ones go
        mail = self.env["mail.mail"].search(
            [("natero_trigger_send_id", "in", self.rows.ids)]
        )
        self.assertEqual(mail.natero_trigger_send_id, failed)
        self.assertEqual(mail.state, "exception")

    @mute_logger(MAILER_LOGGER, "odoo.addons.base.models.ir_mail_server")
    def test_server_down_then_back(self):
        """Connection refused: the emails wait, untouched; once the server is
        back they go out, once each."""
        self.server.stop()
        try:
            self.assertEqual(self.cron_send(), 0)
            self.assertEqual(set(self.rows.mapped("state")), {"queued"})
            self.assertEqual(set(self.mails.mapped("state")), {"outgoing"})
            self.assertEqual(set(self.mails.mapped("natero_smtp_attempts")), {0})
            lanes = self.env.ref(
                "natero_mail_trigger.ir_cron_natero_trigger_send_lane_1"
            )
            retry = self.env["ir.cron.trigger"].search([("cron_id", "=", lanes.id)])
            self.assertTrue(retry, "the lanes are woken up for the retry")
        finally:
            self.server.start()
        self.assertEqual(self.cron_send(), 6)
        self.assertEqual(set(self.rows.mapped("state")), {"sent"})
        self.assertEqual(set(self.received_per_message_id().values()), {1})

    @mute_logger(MAILER_LOGGER, "odoo.addons.base.models.ir_mail_server")
    def test_421_in_the_middle_keeps_what_was_sent(self):
        """The server closes the session after two emails (421): those two
        are sent, the rest waits untouched and goes out once on the retry."""
        self.server.replies = {
            "mail": lambda n, a: "421 4.3.2 shutting down" if n == 2 else None
        }
        self.assertEqual(self.cron_send(), 2)
        self.assertEqual(collections.Counter(self.rows.mapped("state"))["sent"], 2)
        self.assertEqual(collections.Counter(self.rows.mapped("state"))["queued"], 4)
        self.server.replies = {}
        self.assertEqual(self.cron_send("2025-01-06 09:00:01"), 4)
        self.assertEqual(set(self.rows.mapped("state")), {"sent"})
        self.assertEqual(len(self.server.messages), 6)
        self.assertEqual(set(self.received_per_message_id().values()), {1})

    def test_queries_do_not_grow_per_email(self):
        """The states of a batch are written in a few queries: five emails
        cost little more than one (Odoo's per-email path: ~20 each)."""
        one, five = self.mails[:1], self.mails[1:]
        with self.real_smtp():
            start = self.cr.sql_log_count
            one.send()
            for_one = self.cr.sql_log_count - start
            start = self.cr.sql_log_count
            five.send()
            for_five = self.cr.sql_log_count - start
        self.assertEqual(set(self.rows.mapped("state")), {"sent"})
        self.assertEqual(self.server.sessions, 2)
        self.assertLess(for_five - for_one, 4 * 3, (for_one, for_five))

    def test_bounce_after_batch_send(self):
        """The Message-Id of the send row is the one sent: a bounce finds it."""
        self.cron_send()
        row = self.row_of(self.user_1)
        self.env["natero.trigger.send"]._mark_bounced([row.message_id], reason="x")
        self.assertEqual(row.state, "bounced")

    def test_retry_time_passes_for_scheduled_mails(self):
        """A 4xx'd email is not picked before its retry time."""
        self.server.replies = {"data": lambda n, a: "452 4.3.1 insufficient storage"}
        with mute_logger(MAILER_LOGGER):
            self.cron_send()
        send_at = fields.Datetime.to_datetime(SEND_AT)
        self.assertTrue(
            all(date > send_at for date in self.mails.mapped("scheduled_date"))
        )
        self.server.replies = {}
        later = self.mails[0].scheduled_date - timedelta(seconds=1)
        self.assertEqual(self.cron_send(later), 0)

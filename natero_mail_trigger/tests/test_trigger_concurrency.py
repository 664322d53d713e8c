# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import threading
import uuid
from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import errors

from odoo import SUPERUSER_ID, api, fields, modules
from odoo.service.model import retrying
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from odoo.addons.natero_mail_trigger.models.natero_trigger_engine import (
    NateroTriggerEngine,
)
from odoo.addons.natero_mail_trigger.models.natero_trigger_send import engine
from odoo.addons.natero_mail_trigger.tools import schedule

from .smtp_server import SmtpServer


@tagged("post_install", "-at_install")
class TestTriggerConcurrency(TransactionCase):
    """SPEC T6 / Scale: several cron workers, real concurrent transactions.

    The test cursor cannot show uncommitted data to a second connection, so
    each test commits its own data (unique names) through ``registry.cursor()``
    and deletes it in a cleanup; workers are separate cursors, i.e. separate
    PostgreSQL connections and transactions, as two Odoo cron workers.
    """

    USERS = 3

    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:10]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"Concurrent {index} {tag}",
                        "email": f"c{index}.{tag}@concurrency.example.com",
                        "natero_product_user": True,
                    }
                    for index in range(self.USERS)
                ]
            )
            trigger = env["natero.trigger"].create(
                {
                    "name": f"Concurrency {tag}",
                    "email_from": "cs@concurrency.example.com",
                    "subject": f"Concurrency {tag}",
                    "include_product_users": True,
                }
            )
            now = fields.Datetime.now()
            self.day = schedule.local_day(now, trigger.schedule_tz)
            # a list of today, due to be sent; next generation far away
            trigger.write(
                {
                    "state": "active",
                    "pending_day": self.day,
                    "last_generate_day": self.day,
                    "next_send_at": now - timedelta(minutes=1),
                    "next_generate_at": now + timedelta(days=1),
                }
            )
            sends = engine(env["natero.trigger.send"]).create(
                [
                    {
                        "trigger_id": trigger.id,
                        "partner_id": partner.id,
                        "email": partner.email,
                        "local_day": self.day,
                    }
                    for partner in partners
                ]
            )
            self.trigger_id, self.partner_ids = trigger.id, partners.ids
            self.send_ids = sends.ids
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["mail.mail"].search(
                [("natero_trigger_send_id", "in", self.send_ids)]
            ).unlink()
            trigger = env["natero.trigger"].browse(self.trigger_id).exists()
            trigger.write({"state": "inactive"})
            trigger.unlink()
            env["res.partner"].browse(self.partner_ids).exists().unlink()

    def worker(self):
        """A new transaction, as a cron worker's (closed without commit)."""
        return closing(self.registry.cursor())

    def env_of(self, cr):
        return api.Environment(cr, SUPERUSER_ID, {})

    def committed_state(self):
        """``({send_id: state}, {send_id: number of mail.mail})`` as committed."""
        with self.worker() as cr:
            env = self.env_of(cr)
            sends = env["natero.trigger.send"].browse(self.send_ids)
            mails = env["mail.mail"].search(
                [("natero_trigger_send_id", "in", self.send_ids)]
            )
            counts = dict.fromkeys(self.send_ids, 0)
            for mail in mails:
                counts[mail.natero_trigger_send_id.id] += 1
            return {send.id: send.state for send in sends}, counts

    def test_two_cron_workers_at_once(self):
        """Worker A holds the due trigger while sending; worker B, running at
        the same time, skips it (SKIP LOCKED) and sends nothing."""
        with self.worker() as cr_a, self.worker() as cr_b:
            sent_a = self.env_of(cr_a)["natero.trigger"]._cron_process()
            self.assertEqual(sent_a, self.USERS)
            # A has not committed yet: B sees the list still to send, and skips it
            sent_b = self.env_of(cr_b)["natero.trigger"]._cron_process()
            self.assertEqual(sent_b, 0)
            cr_b.commit()
            cr_a.commit()
            # B's next run, after A's commit: nothing left to send
            self.assertEqual(self.env_of(cr_b)["natero.trigger"]._cron_process(), 0)
            cr_b.commit()
        states, mails = self.committed_state()
        self.assertEqual(set(states.values()), {"queued"})
        self.assertEqual(mails, dict.fromkeys(self.send_ids, 1))

    def test_workers_share_one_list_row_by_row(self):
        """A locks two rows of the list; B, at the same time, sends only the
        third one; each row becomes exactly one email."""
        with self.worker() as cr_a, self.worker() as cr_b:
            env_a = self.env_of(cr_a)
            trigger_a = env_a["natero.trigger"].browse(self.trigger_id)
            rows_a = env_a["natero.trigger.send"]._lock_pending(trigger_a, self.day, 2)
            self.assertEqual(len(rows_a), 2)

            sent_b = self.env_of(cr_b)["natero.trigger"]._cron_process()
            self.assertEqual(sent_b, 1)
            cr_b.commit()

            self.assertEqual(trigger_a._send_rows(rows_a), 2)
            cr_a.commit()
        states, mails = self.committed_state()
        self.assertEqual(set(states.values()), {"queued"})
        self.assertEqual(mails, dict.fromkeys(self.send_ids, 1))

    def test_unique_row_refuses_a_concurrent_duplicate(self):
        """Two generators inserting the same (trigger, user, day): the second
        waits for the first and is refused by the unique constraint."""
        partner_id = self.partner_ids[0]
        vals = {
            "trigger_id": self.trigger_id,
            "partner_id": partner_id,
            "local_day": self.day + timedelta(days=1),
        }
        outcome = {}

        def insert_in_b(cr_b, env_b):
            # (the environment is made by the main thread: making one takes
            # the registry lock, which the test runner holds)
            try:
                engine(env_b["natero.trigger.send"]).create(vals)
                cr_b.flush()
                outcome["b"] = "inserted"
            except errors.UniqueViolation:
                outcome["b"] = "unique_violation"

        with (
            self.worker() as cr_a,
            self.worker() as cr_b,
            mute_logger("odoo.sql_db"),
        ):
            cr_b.execute("SET lock_timeout = '20s'")
            env_b = self.env_of(cr_b)
            engine(self.env_of(cr_a)["natero.trigger.send"]).create(vals)
            cr_a.flush()
            thread = threading.Thread(target=insert_in_b, args=(cr_b, env_b))
            thread.start()
            thread.join(1.0)
            self.assertTrue(thread.is_alive(), "B must wait for A's row")
            cr_a.commit()
            thread.join(30)
        self.assertEqual(outcome, {"b": "unique_violation"})
        with self.registry.cursor() as cr:  # commits the clean-up on exit
            self.assertEqual(
                self.env_of(cr)["natero.trigger.send"].search_count(
                    [(key, "=", value) for key, value in vals.items()]
                ),
                1,
            )
            self.env_of(cr)["natero.trigger.send"].search(
                [(key, "=", value) for key, value in vals.items()]
            ).unlink()

    def test_retry_after_serialization_failure_sends_once(self):
        """The send rows are locked and change state in the transaction that
        creates their emails: when that transaction fails on a serialization
        error and is retried, the first attempt's emails are rolled back with
        it, and the retry sends each row once."""
        attempts = []
        send_rows = NateroTriggerEngine._send_rows

        def send_rows_then_conflict(trigger, rows):
            queued = send_rows(trigger, rows)
            attempts.append(
                trigger.env["mail.mail"].search_count(
                    [("natero_trigger_send_id", "in", self.send_ids)]
                )
            )
            if len(attempts) == 1:
                # another transaction changes the trigger and commits: this
                # one fails when it writes the trigger after sending
                with self.worker() as cr_c:
                    cr_c.execute(
                        "UPDATE natero_trigger SET write_date = now() WHERE id = %s",
                        [self.trigger_id],
                    )
                    cr_c.commit()
            return queued

        with (
            patch.object(NateroTriggerEngine, "_send_rows", send_rows_then_conflict),
            patch("odoo.service.model.time.sleep"),
            mute_logger("odoo.sql_db"),
            self.worker() as cr_a,
        ):
            env_a = self.env_of(cr_a)
            now = fields.Datetime.now()
            trigger_a = env_a["natero.trigger"].browse(self.trigger_id)
            result = retrying(lambda: trigger_a._run_send(now, 500), env_a)
        self.assertEqual(result, (self.USERS, 0))
        # both attempts created the emails; the first one was rolled back
        self.assertEqual(attempts, [self.USERS, self.USERS])
        states, mails = self.committed_state()
        self.assertEqual(set(states.values()), {"queued"})
        self.assertEqual(mails, dict.fromkeys(self.send_ids, 1))

    # ------------------------------------------------------------ generation

    def test_two_workers_generate_the_list_once(self):
        """Two workers at the generate time: A generates (and queues) the
        list; B, at the same time, skips the trigger A holds; after A's
        commit B finds nothing due. One row and one email per user."""
        with self.worker() as cr_setup:
            env = self.env_of(cr_setup)
            env["natero.trigger.send"].browse(self.send_ids).unlink()
            now = fields.Datetime.now()
            trigger = env["natero.trigger"].browse(self.trigger_id)
            # generated and sent at once: both times at 00:00 of the UTC day
            trigger.user_id.tz = "UTC"
            trigger.write(
                {
                    "generate_time": 0.0,
                    "send_time": 0.0,
                    # this test's users only, whatever else the database holds
                    "user_domain": repr([("id", "in", self.partner_ids)]),
                }
            )
            trigger.write(
                {
                    "pending_day": False,
                    "last_generate_day": False,
                    "next_send_at": False,
                    "next_generate_at": now - timedelta(minutes=1),
                }
            )
            cr_setup.commit()
        with self.worker() as cr_a, self.worker() as cr_b:
            sent_a = self.env_of(cr_a)["natero.trigger"]._cron_process()
            self.assertEqual(self.env_of(cr_b)["natero.trigger"]._cron_process(), 0)
            cr_b.commit()
            cr_a.commit()
            self.assertEqual(self.env_of(cr_b)["natero.trigger"]._cron_process(), 0)
            cr_b.commit()
        with self.worker() as cr:
            env = self.env_of(cr)
            sends = env["natero.trigger.send"].search(
                [("trigger_id", "=", self.trigger_id)]
            )
            self.send_ids = sends.ids  # for the clean-up
            self.assertEqual(sorted(sends.partner_id.ids), sorted(self.partner_ids))
            self.assertEqual(len(sends), self.USERS)
            mails = env["mail.mail"].search(
                [("natero_trigger_send_id", "in", sends.ids)]
            )
            self.assertEqual(len(mails), self.USERS)
        # the worker that generated also queued (the list was due at once)
        self.assertEqual(sent_a, self.USERS)

    # --------------------------------------------------------- sending lanes

    def test_two_sending_lanes_send_each_email_once(self):
        """Two sending lanes (``natero.trigger.mailer`` crons on two workers)
        at once, to a real SMTP server: lane A holds two emails (and their
        send rows) while sending; lane B, at the same time, sends only the
        third; every email reaches the server once and every row is sent."""
        server = SmtpServer().start()
        self.addCleanup(server.stop)
        with self.worker() as cr_setup:
            env = self.env_of(cr_setup)
            env["natero.trigger"]._cron_process()  # queue the 3 emails
            mail_server = env["ir.mail_server"].create(
                {
                    "name": f"lanes {self.trigger_id}",
                    "smtp_host": "127.0.0.1",
                    "smtp_port": server.port,
                    "smtp_encryption": "none",
                }
            )
            mails = env["mail.mail"].search(
                [("natero_trigger_send_id", "in", self.send_ids)]
            )
            mails.write({"mail_server_id": mail_server.id})
            self.assertEqual(len(mails), self.USERS)
            cr_setup.commit()
            self.addCleanup(self._delete_mail_server, mail_server.id)
        with (
            patch.object(modules.module, "current_test", False),
            self.worker() as cr_a,
            self.worker() as cr_b,
        ):
            mailer_a = self.env_of(cr_a)["natero.trigger.mailer"]
            claimed_a = mailer_a._claim(2)
            self.assertEqual(len(claimed_a), 2)
            # lane B at the same time: A's emails are skipped, not waited for
            self.assertEqual(self.env_of(cr_b)["natero.trigger.mailer"]._cron_send(), 1)
            cr_b.commit()
            self.assertEqual(mailer_a._send_claimed(claimed_a), (2, False))
            cr_a.commit()
            # a lane running again finds nothing left
            self.assertEqual(self.env_of(cr_b)["natero.trigger.mailer"]._cron_send(), 0)
        states, __ = self.committed_state()
        self.assertEqual(set(states.values()), {"sent"})
        message_ids = [message["Message-Id"] for message in server.parsed()]
        self.assertEqual(len(message_ids), self.USERS)
        self.assertEqual(len(set(message_ids)), self.USERS)
        self.assertEqual(server.sessions, 2)

    def _delete_mail_server(self, server_id):
        with self.registry.cursor() as cr:
            self.env_of(cr)["ir.mail_server"].browse(server_id).unlink()

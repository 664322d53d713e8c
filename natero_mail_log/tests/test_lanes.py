# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Processing lanes: several cron workers, on one or several Odoo servers,
share the pending logs without ever holding the same one (SPEC "Scale").

These tests need real concurrent transactions, as two cron workers have:
they use their own cursors and commit, like Odoo's own concurrency tests
(``base/tests/test_ir_sequence.py``), and delete what they made.
"""

import base64
from contextlib import ExitStack, contextmanager
from unittest.mock import patch

import psycopg2

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import common, tagged

from ..models.natero_mail_log import LANE_CRONS, LANES
from .common import NateroLogCase

RAW = """From: Nobody Known <nobody@unknown.example>
To: someone@unknown.example
Subject: Lane test {n}
Message-ID: <lane-{n}@unknown.example>
Date: Mon, 16 Nov 2026 09:12:00 +0100

Hello.
"""


@contextmanager
def environment(commit=True):
    """A superuser environment on a cursor of its own (a worker's
    transaction): committed at the end when ``commit``, else rolled back."""
    # the cursor commits when the block ends without an error (as in
    # base/tests/test_ir_sequence.py); rolled back first when not ``commit``
    with Registry(common.get_db_name()).cursor() as cr:
        yield api.Environment(cr, SUPERUSER_ID, {})
        if not commit:
            cr.rollback()


@tagged("post_install", "-at_install")
class TestProcessingLanes(common.BaseCase):
    """Two and three transactions at once, as cron workers of two servers."""

    def setUp(self):
        super().setUp()
        with environment() as env:
            company = env.ref("base.main_company")
            logs = env["natero.mail.log"].create(
                [
                    {
                        "company_id": company.id,
                        "raw": base64.b64encode(RAW.format(n=n).encode()),
                        "subject": f"Lane test {n}",
                    }
                    for n in range(3 * LANES)
                ]
            )
            self.ids = logs.ids
        self.addCleanup(self._drop_logs)

    def _drop_logs(self):
        with environment() as env:
            env["natero.mail.log"].browse(self.ids).unlink()

    def test_lanes_take_disjoint_shares_then_help(self):
        """Each lane takes its own share first (id modulo the lanes); a lane
        with room left helps with the others' logs, but never takes one that
        another worker holds."""
        with ExitStack() as stack:
            env_a, env_b, env_c = (
                stack.enter_context(environment(commit=False)) for _ in range(3)
            )
            held_a = env_a["natero.mail.log"]._natero_lock_pending(2, lane=0).ids
            held_b = env_b["natero.mail.log"]._natero_lock_pending(3, lane=1).ids
            held_c = env_c["natero.mail.log"]._natero_lock_pending(100, lane=2).ids
        share = {lane: [i for i in self.ids if i % LANES == lane] for lane in (0, 1)}
        self.assertEqual(held_a, share[0][:2])
        self.assertEqual(held_b, share[1])
        # lane 2: its own share first, then every log no one holds, lane 0's
        # third log included; nothing that lanes 0 and 1 hold
        own = [i for i in held_c if i % LANES == 2]
        self.assertEqual(held_c[: len(own)], own)
        self.assertEqual(
            set(held_c) & set(self.ids), set(self.ids) - set(held_a) - set(held_b)
        )

    def test_rows_changed_since_the_snapshot(self):
        """A lane whose snapshot predates another worker's commit on the same
        logs (REPEATABLE READ: FOR UPDATE then fails to serialize) takes
        nothing, raises nothing, and wakes itself for a new transaction."""
        with environment(commit=False) as late:
            cron = late.ref(LANE_CRONS[1])
            Log = late["natero.mail.log"].with_context(cron_id=cron.id)
            Log.browse(self.ids).mapped("state")  # the snapshot is taken
            with environment() as other:
                taken = other["natero.mail.log"]._natero_lock_pending(100, lane=0)
                taken._natero_process()
            Log._cron_process_pending(lane=1)
            woken = late["ir.cron.trigger"].search([("cron_id", "=", cron.id)])
            self.assertTrue(woken)

    def test_crashed_batch_is_recovered_once(self):
        """A worker takes a batch, processes it and dies before committing:
        while it lives no other lane touches its logs; once it is gone its
        rows are free again and another lane logs each of them once."""
        with environment(commit=False) as crashed:
            Log = crashed["natero.mail.log"]
            batch = Log._natero_lock_pending(100, lane=0)
            self.assertEqual(set(batch.ids), set(self.ids))
            batch._natero_process()  # done, never committed
            with environment() as other:
                other["natero.mail.log"]._cron_process_pending(lane=1)
                untouched = other["natero.mail.log"].browse(self.ids)
                self.assertEqual(set(untouched.mapped("state")), {"pending"})
        # the crashed transaction rolled back: its locks are released
        with environment() as env:
            env["natero.mail.log"]._cron_process_pending(lane=1)
        with environment(commit=False) as env:
            logs = env["natero.mail.log"].browse(self.ids)
            self.assertEqual(set(logs.mapped("state")), {"rejected"})
            self.assertEqual(set(logs.mapped("attempts")), {1})


class TestLaneTrigger(NateroLogCase):
    def test_capture_wakes_the_lane_of_the_log(self):
        """The gateway wakes the cron of the stored log's lane, once per lane
        and transaction; a lane whose cron is off hands over to lane 0."""
        Trigger = self.env["ir.cron.trigger"]
        crons = [self.env.ref(xmlid) for xmlid in LANE_CRONS]
        Trigger.search([("cron_id", "in", [c.id for c in crons])]).unlink()
        logs = self.env["natero.mail.log"]
        for n in range(LANES):
            logs |= self.bcc(f"Lane {n}", to="bob@acme.example", process=False)
        woken = Trigger.search([("cron_id", "in", [c.id for c in crons])])
        self.assertEqual(
            set(woken.cron_id.ids), {crons[log.id % LANES].id for log in logs}
        )
        self.assertEqual(len(woken), len(woken.cron_id))  # once per lane
        log = next(log for log in logs if log.id % LANES)
        crons[log.id % LANES].active = False
        self.env.cr.precommit.data.pop("natero_mail_log.triggered", None)
        woken.unlink()
        log._natero_trigger_cron()
        self.assertEqual(
            Trigger.search([("cron_id", "in", [c.id for c in crons])]).cron_id,
            crons[0],
        )

    def test_lost_database_is_not_the_emails_fault(self):
        """A batch that loses its database connection is not retried log by
        log (each would fail and be marked error): it stops, and its logs stay
        pending for the next run."""
        logs = self.env["natero.mail.log"]
        for n in range(3):
            logs |= self.bcc(f"Lost {n}", to="bob@acme.example", process=False)
        lost = psycopg2.OperationalError("server closed the connection unexpectedly")
        Log = type(self.env["natero.mail.log"])
        with (
            patch.object(Log, "_natero_step_targets", side_effect=lost),
            self.assertRaises(psycopg2.OperationalError),
        ):
            logs._natero_process()
        self.assertEqual(set(logs.mapped("state")), {"pending"})
        self.assertEqual(set(logs.mapped("attempts")), {0})

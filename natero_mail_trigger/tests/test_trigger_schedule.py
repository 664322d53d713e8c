# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .common import TriggerCommon, utc


@tagged("post_install", "-at_install")
class TestTriggerSchedule(TriggerCommon):
    """T4: daily generate and send times in the owner's zone, walked by day."""

    def test_walk_days_generate_then_send(self):
        # Monday 2025-01-06, Oslo is UTC+1: generate 08:00 = 07:00Z, send 10:00 = 09:00Z
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00")
        self.assertEqual(trigger.state, "active")
        self.assertEqual(trigger.start_date, date(2025, 1, 6))
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 6, 7, 0))
        self.assertFalse(trigger.next_send_at)

        self.run_cron("2025-01-06 06:59:00")
        self.assertFalse(self.sends(trigger))

        self.run_cron("2025-01-06 07:03:00")
        rows = self.sends(trigger)
        self.assertEqual(rows.partner_id, self.users)
        self.assertEqual(set(rows.mapped("state")), {"generated"})
        self.assertEqual(set(rows.mapped("local_day")), {date(2025, 1, 6)})
        self.assertEqual(rows.account_id, self.account)
        self.assertEqual(trigger.pending_day, date(2025, 1, 6))
        self.assertEqual(trigger.pending_count, 3)
        self.assertEqual(trigger.next_send_at, utc(2025, 1, 6, 9, 0))
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 7, 7, 0))

        # between generate and send time nothing is sent
        self.run_cron("2025-01-06 08:59:00")
        self.assertEqual(set(rows.mapped("state")), {"generated"})

        with self.capture_mails():
            self.run_cron("2025-01-06 09:01:00")
        self.assertEqual(set(rows.mapped("state")), {"queued"})
        self.assertEqual(len(self._new_mails), 3)
        self.assertFalse(trigger.next_send_at)
        self.assertFalse(trigger.pending_day)
        self.assertEqual(trigger.last_send_at, utc(2025, 1, 6, 9, 1))

        # next day, next list (re-trigger delay of 1 day)
        self.run_cron("2025-01-07 07:00:00")
        self.assertEqual(len(self.sends(trigger, day=date(2025, 1, 7))), 3)

    def test_send_time_before_generate_time_sends_next_day(self):
        trigger = self.make_trigger(
            activate_at="2025-01-06 06:00:00", generate_time=20.0, send_time=7.5
        )
        self.run_cron("2025-01-06 19:00:00")  # 20:00 Oslo
        self.assertEqual(trigger.pending_day, date(2025, 1, 6))
        self.assertEqual(trigger.next_send_at, utc(2025, 1, 7, 6, 30))
        with self.capture_mails():
            self.run_cron("2025-01-07 06:30:00")
        self.assertEqual(len(self._new_mails), 3)

    def test_same_generate_and_send_time_sends_in_the_same_run(self):
        trigger = self.make_trigger(
            activate_at="2025-01-06 06:00:00", generate_time=8.0, send_time=8.0
        )
        with self.capture_mails():
            self.run_cron("2025-01-06 07:00:00")
        self.assertEqual(set(self.sends(trigger).mapped("state")), {"queued"})
        self.assertEqual(len(self._new_mails), 3)

    def test_missed_days_generate_once_for_the_latest_day(self):
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00")
        # the cron did not run for three days
        self.run_cron("2025-01-09 07:30:00")
        rows = self.sends(trigger)
        self.assertEqual(set(rows.mapped("local_day")), {date(2025, 1, 9)})
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 10, 7, 0))

    def test_dst_spring_forward_europe_oslo(self):
        # last Sunday of March 2025: 02:00 CET -> 03:00 CEST; 02:30 does not exist
        trigger = self.make_trigger(
            activate_at="2025-03-29 00:00:00", generate_time=2.5, send_time=2.75
        )
        self.assertEqual(trigger.next_generate_at, utc(2025, 3, 29, 1, 30))
        with self.capture_mails():
            self.run_cron("2025-03-29 01:30:00")
            self.assertEqual(trigger.next_send_at, utc(2025, 3, 29, 1, 45))
            self.run_cron("2025-03-29 01:45:00")
        # Sunday: 02:30 moves forward to 03:30 CEST = 01:30Z
        self.assertEqual(trigger.next_generate_at, utc(2025, 3, 30, 1, 30))
        self.run_cron("2025-03-30 01:29:00")
        self.assertFalse(self.sends(trigger, day=date(2025, 3, 30)))
        self.run_cron("2025-03-30 01:30:00")
        self.assertEqual(len(self.sends(trigger, day=date(2025, 3, 30))), 3)
        self.assertEqual(trigger.next_send_at, utc(2025, 3, 30, 1, 45))
        with self.capture_mails():
            self.run_cron("2025-03-30 01:45:00")
        # Monday: 02:30 CEST = 00:30Z
        self.assertEqual(trigger.next_generate_at, utc(2025, 3, 31, 0, 30))
        self.run_cron("2025-03-31 00:30:00")
        self.assertEqual(len(self.sends(trigger, day=date(2025, 3, 31))), 3)
        self.assertEqual(trigger.next_send_at, utc(2025, 3, 31, 0, 45))

    def test_dst_fall_back_takes_first_occurrence(self):
        # 2025-10-26: 03:00 CEST -> 02:00 CET, 02:30 happens at 00:30Z and 01:30Z
        trigger = self.make_trigger(
            activate_at="2025-10-25 12:00:00",
            generate_time=2.5,
            send_time=2.5,
            retrigger_delay_days=0,
        )
        self.assertEqual(trigger.next_generate_at, utc(2025, 10, 26, 0, 30))
        with self.capture_mails():
            self.run_cron("2025-10-26 00:30:00")
            self.run_cron("2025-10-26 01:30:00")  # second 02:30: nothing new
        self.assertEqual(len(self.sends(trigger)), 3)
        self.assertEqual(len(self._new_mails), 3)
        self.assertEqual(trigger.next_generate_at, utc(2025, 10, 27, 1, 30))

    def test_time_or_owner_change_reschedules(self):
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00")
        with freeze_time("2025-01-06 06:10:00"):
            trigger.generate_time = 9.0
            self.assertEqual(trigger.next_generate_at, utc(2025, 1, 6, 8, 0))
            new_owner = self.reviewer
            new_owner.tz = "America/New_York"
            trigger.user_id = new_owner
        self.assertEqual(trigger.schedule_tz, "America/New_York")
        # 09:00 in New York (UTC-5) = 14:00Z
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 6, 14, 0))

    def test_generate_now_then_cron_does_not_regenerate_today(self):
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00")
        with freeze_time("2025-01-06 06:30:00"):
            trigger.with_user(self.owner).action_generate_now()
        self.assertEqual(len(self.sends(trigger)), 3)
        self.assertEqual(trigger.next_send_at, utc(2025, 1, 6, 9, 0))
        self.run_cron("2025-01-06 07:00:00")
        self.assertEqual(len(self.sends(trigger)), 3)
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 7, 7, 0))

    def test_generate_now_after_send_time_sends_at_next_run(self):
        trigger = self.make_trigger(activate_at="2025-01-06 12:00:00")
        # activated after today's generate time: the next scheduled list is tomorrow
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 7, 7, 0))
        with freeze_time("2025-01-06 12:05:00"):
            trigger.action_generate_now()
        self.assertEqual(trigger.pending_day, date(2025, 1, 6))
        self.assertEqual(trigger.next_send_at, utc(2025, 1, 6, 9, 0))
        with self.capture_mails():
            self.run_cron("2025-01-06 12:10:00")
        self.assertEqual(len(self._new_mails), 3)

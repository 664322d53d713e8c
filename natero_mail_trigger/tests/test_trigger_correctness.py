# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Held-out correctness checks of the trigger engine (issue 11, items 8-12)."""

from datetime import date, datetime

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import TriggerCommon, utc

NEW_YORK = "America/New_York"
LOS_ANGELES = "America/Los_Angeles"


@tagged("post_install", "-at_install")
class TestTriggerNextSend(TriggerCommon):
    """T7 "Next send" of the trigger list: the next scheduled send at all times
    while the trigger is active, in the owner's zone, DST-correct."""

    def next_send_shown(self, trigger):
        """The value of the trigger list's "Next send" column."""
        arch = self.Trigger.get_view(view_type="list")["arch"]
        for node in etree.fromstring(arch).iter("field"):
            label = node.get("string") or self.Trigger._fields[node.get("name")].string
            if label == "Next send":
                trigger.invalidate_recordset()
                return trigger[node.get("name")]
        self.fail("the trigger list has no 'Next send' column")

    def test_next_send_shown_all_day_across_spring_forward(self):
        # Friday 2026-03-27, Oslo is UTC+1: generate 08:00 = 07:00Z, send 10:00 = 09:00Z
        trigger = self.make_trigger(activate_at="2026-03-27 06:00:00")
        with freeze_time("2026-03-27 06:00:00"):
            self.assertEqual(self.next_send_shown(trigger), utc(2026, 3, 27, 9, 0))
        self.run_cron("2026-03-27 07:00:00")
        with freeze_time("2026-03-27 07:00:00"):
            self.assertEqual(self.next_send_shown(trigger), utc(2026, 3, 27, 9, 0))
        with self.capture_mails():
            self.run_cron("2026-03-27 09:00:00")
        self.assertEqual(len(self._new_mails), 3)
        # after today's send: tomorrow's (was empty until the next generation)
        with freeze_time("2026-03-27 09:01:00"):
            self.assertEqual(self.next_send_shown(trigger), utc(2026, 3, 28, 9, 0))
        self.run_cron("2026-03-28 07:00:00")
        with self.capture_mails():
            self.run_cron("2026-03-28 09:00:00")
        # Saturday after the send, both sides of local midnight: Sunday 10:00
        # CEST (UTC+2) = 08:00Z, 23 hours after Saturday's send
        for now in (
            "2026-03-28 09:01:00",
            "2026-03-28 22:59:00",
            "2026-03-28 23:01:00",
        ):
            with freeze_time(now):
                self.assertEqual(
                    self.next_send_shown(trigger), utc(2026, 3, 29, 8, 0), now
                )
        self.run_cron("2026-03-29 06:00:00")
        with self.capture_mails():
            self.run_cron("2026-03-29 08:00:00")
        with freeze_time("2026-03-29 08:01:00"):
            # Monday 2026-03-30 10:00 Europe/Oslo (CEST)
            self.assertEqual(self.next_send_shown(trigger), utc(2026, 3, 30, 8, 0))
        trigger.action_deactivate()
        self.assertFalse(self.next_send_shown(trigger))

    def test_next_send_without_a_list_today(self):
        # activated after today's generate time: no list today, tomorrow's send
        trigger = self.make_trigger(activate_at="2026-01-09 12:00:00")
        with freeze_time("2026-01-09 12:00:00"):
            self.assertEqual(self.next_send_shown(trigger), utc(2026, 1, 10, 9, 0))
        # send time before the generate time: today's list is sent tomorrow
        evening = self.make_trigger(
            activate_at="2026-01-09 05:00:00", generate_time=20.0, send_time=7.5
        )
        with freeze_time("2026-01-09 05:00:00"):
            self.assertEqual(self.next_send_shown(evening), utc(2026, 1, 10, 6, 30))
        self.run_cron("2026-01-09 19:00:00")
        with freeze_time("2026-01-09 19:00:00"):
            self.assertEqual(self.next_send_shown(evening), utc(2026, 1, 10, 6, 30))
        with self.capture_mails():
            self.run_cron("2026-01-10 06:30:00")
        with freeze_time("2026-01-10 06:31:00"):
            self.assertEqual(self.next_send_shown(evening), utc(2026, 1, 11, 6, 30))

    def test_draft_trigger_has_no_next_send(self):
        trigger = self.make_trigger()
        self.assertFalse(self.next_send_shown(trigger))


@tagged("post_install", "-at_install")
class TestTriggerSubjectRequired(TriggerCommon):
    """T2: a trigger without a subject is refused on every path that makes one,
    not given the trigger's name as subject."""

    def test_create_without_subject_refused(self):
        for subject in (None, False, "", "   "):
            values = {
                "name": "No subject",
                "email_from": "cs@test.example.com",
                "include_product_users": True,
            }
            if subject is not None:
                values["subject"] = subject
            with self.subTest(subject=subject), self.assertRaises(UserError) as caught:
                self.Trigger.create(values)
            self.assertIn("subject", str(caught.exception))
        self.assertFalse(self.Trigger.search([("name", "=", "No subject")]))
        self.assertFalse(
            self.env["mail.template"].search([("name", "like", "No subject")])
        )

    def test_form_and_rpc_create_without_subject_refused(self):
        # what the form sends when the subject is left empty (web_save)
        with self.assertRaises(UserError):
            self.Trigger.with_user(self.owner).web_save(
                {
                    "name": "Form trigger",
                    "email_from": "cs@test.example.com",
                    "subject": False,
                },
                specification={"name": {}},
            )
        # the form view marks it required
        form = Form(self.Trigger.with_user(self.owner))
        form.name = "Form trigger"
        with self.assertRaises(AssertionError):
            form.save()
        self.assertFalse(self.Trigger.search([("name", "=", "Form trigger")]))

    def test_copy_and_load_template_without_subject_refused(self):
        trigger = self.make_trigger()
        # a trigger saved before subjects were required
        trigger.mail_template_id.sudo().subject = False
        with self.assertRaises(UserError):
            trigger.copy()
        trigger.subject = "Back"
        self.assertEqual(trigger.copy().subject, "Back")
        empty = self.env["mail.template"].create(
            {
                "name": "Empty subject",
                "model_id": self.env["ir.model"]._get_id("res.partner"),
                "body_html": "<p>Body</p>",
            }
        )
        trigger.template_source_id = empty
        with self.assertRaises(UserError):
            trigger.action_load_template()
        self.assertEqual(trigger.subject, "Back")
        with self.assertRaises(UserError):
            trigger.subject = " "
        self.assertEqual(trigger.subject, "Back")


@tagged("post_install", "-at_install")
class TestTriggerOwnerZone(TriggerCommon):
    """T4: a change of the owner's time zone reschedules the stored instants."""

    def test_owner_zone_change_reschedules_before_the_first_run(self):
        # Monday 2025-01-06: 08:00 Oslo = 07:00Z
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00")
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 6, 7, 0))
        with freeze_time("2025-01-06 06:10:00"):
            self.owner.tz = NEW_YORK
        # 08:00 in New York (UTC-5) = 13:00Z
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 6, 13, 0))
        self.run_cron("2025-01-06 07:00:00")  # 02:00 in New York
        self.assertFalse(self.sends(trigger))
        self.run_cron("2025-01-06 13:00:00")
        self.assertEqual(len(self.sends(trigger, day=date(2025, 1, 6))), 3)
        self.assertEqual(trigger.next_send_at, utc(2025, 1, 6, 15, 0))

    def test_zone_change_moves_a_waiting_list_dst(self):
        # 2025-03-20: New York is already on summer time (UTC-4), Oslo not (UTC+1)
        trigger = self.make_trigger(activate_at="2025-03-20 06:00:00")
        self.run_cron("2025-03-20 07:00:00")
        self.assertEqual(trigger.next_send_at, utc(2025, 3, 20, 9, 0))
        with freeze_time("2025-03-20 08:00:00"):
            # through the contact (the user's tz is its partner's)
            self.owner.partner_id.tz = NEW_YORK
        # the list of 2025-03-20 is sent at 10:00 EDT = 14:00Z
        self.assertEqual(trigger.pending_day, date(2025, 3, 20))
        self.assertEqual(trigger.next_send_at, utc(2025, 3, 20, 14, 0))
        self.assertEqual(trigger.next_generate_at, utc(2025, 3, 21, 12, 0))
        with self.capture_mails():
            self.run_cron("2025-03-20 09:00:00")
            self.assertFalse(self._new_mails)
            self.run_cron("2025-03-20 14:00:00")
        self.assertEqual(len(self._new_mails), 3)

    def test_owner_change_with_waiting_list(self):
        trigger = self.make_trigger(activate_at="2025-01-06 06:00:00")
        self.run_cron("2025-01-06 07:00:00")
        self.reviewer.tz = NEW_YORK
        with freeze_time("2025-01-06 07:30:00"):
            trigger.user_id = self.reviewer
        self.assertEqual(trigger.next_send_at, utc(2025, 1, 6, 15, 0))
        self.assertEqual(trigger.next_generate_at, utc(2025, 1, 7, 13, 0))

    def test_zone_change_reschedules_all_triggers_in_one_batch(self):
        def queries_of_zone_change(triggers, tz):
            with freeze_time("2025-01-06 06:10:00"):
                self.env.invalidate_all()
                before = self.env.cr.sql_log_count
                self.owner.tz = tz
                self.env.flush_all()
                return self.env.cr.sql_log_count - before

        first = self.make_trigger(activate_at="2025-01-06 06:00:00")
        one = queries_of_zone_change(first, NEW_YORK)
        others = self.make_trigger(
            name="Other", generate_time=9.0, activate_at="2025-01-06 06:00:00"
        ) | self.make_trigger(
            name="Third", generate_time=7.0, activate_at="2025-01-06 06:00:00"
        )
        # the triggers of another owner are not touched
        foreign = self.make_trigger(
            name="Foreign", user_id=self.reviewer.id, activate_at="2025-01-06 06:00:00"
        )
        three = queries_of_zone_change(first | others, LOS_ANGELES)
        self.assertEqual(three, one)
        # 08:00, 09:00 and 07:00 in Los Angeles (UTC-8)
        self.assertEqual(
            (first | others).mapped("next_generate_at"),
            [utc(2025, 1, 6, 16, 0), utc(2025, 1, 6, 17, 0), utc(2025, 1, 6, 15, 0)],
        )
        self.assertEqual(foreign.next_generate_at, utc(2025, 1, 6, 7, 0))


@tagged("post_install", "-at_install")
class TestTriggerRecipients30Days(TriggerCommon):
    """T7 "30-day recipients": users the trigger attempted to email on its runs
    of the last 30 days of the owner's calendar."""

    def make_send(self, trigger, partner, day, state):
        return self.engine_sends().create(
            {
                "trigger_id": trigger.id,
                "partner_id": partner.id,
                "email": partner.email,
                "local_day": day,
                "state": state,
                "queued_at": datetime(day.year, day.month, day.day, 9),
            }
        )

    def recipients_seen_by(self, user, triggers, now):
        with freeze_time(now):
            triggers = triggers.with_user(user)
            triggers.invalidate_recordset(["recipients_30d"])
            return triggers.mapped("recipients_30d")

    def test_owner_calendar_on_both_sides_of_midnight(self):
        trigger = self.make_trigger()
        self.make_send(trigger, self.user_1, date(2024, 12, 12), "sent")
        self.make_send(trigger, self.user_2, date(2025, 1, 11), "queued")
        # a viewer in Los Angeles, where it is still the afternoon of 2025-01-10
        self.reviewer.tz = LOS_ANGELES
        # 23:30 in Oslo on 2025-01-10: the 30 days are 2024-12-12 .. 2025-01-10
        self.assertEqual(
            self.recipients_seen_by(self.reviewer, trigger, "2025-01-10 22:30:00"), [2]
        )
        # 00:30 in Oslo on 2025-01-11: 2024-12-12 is 31 days ago
        self.assertEqual(
            self.recipients_seen_by(self.reviewer, trigger, "2025-01-10 23:30:00"), [1]
        )

    def test_failed_sends_count_as_attempted(self):
        trigger = self.make_trigger()
        self.make_send(trigger, self.user_1, date(2025, 1, 9), "failed")
        self.make_send(trigger, self.user_2, date(2025, 1, 9), "bounced")
        self.make_send(trigger, self.user_3, date(2025, 1, 9), "cancelled")
        removed = self.make_trigger(name="Removed only")
        self.make_send(removed, self.user_3, date(2025, 1, 9), "removed")
        self.assertEqual(
            self.recipients_seen_by(
                self.owner, trigger | removed, "2025-01-10 12:00:00"
            ),
            [2, 0],
        )
        self.assertIn("attempted", self.Trigger._fields["recipients_30d"].help)

    def test_one_query_for_owners_in_several_zones(self):
        self.reviewer.tz = LOS_ANGELES
        oslo = self.make_trigger()
        los_angeles = self.make_trigger(name="LA", user_id=self.reviewer.id)
        for trigger in oslo | los_angeles:
            self.make_send(trigger, self.user_1, date(2024, 12, 12), "sent")
            self.make_send(trigger, self.user_2, date(2025, 1, 10), "failed")
        triggers = (oslo | los_angeles).with_user(self.owner)
        # 00:30 on 2025-01-11 in Oslo, 15:30 on 2025-01-10 in Los Angeles
        with freeze_time("2025-01-10 23:30:00"):
            self.assertEqual(triggers.mapped("recipients_30d"), [1, 2])  # warm-up
            triggers.invalidate_recordset(["recipients_30d"])
            with self.assertQueryCount(1):
                self.assertEqual(triggers.mapped("recipients_30d"), [1, 2])


@tagged("post_install", "-at_install")
class TestNeverLoggedIn(TriggerCommon):
    """T1: a user who never logged in is inactive since signup; "days since
    login" and inactivity agree."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # user 1 logged in; user 2 signed up on 2025-01-03 and never logged in;
        # user 3 has neither date
        cls.user_1.write(
            {
                "natero_signup_date": "2025-01-01",
                "natero_last_login": "2025-01-09 12:00:00",
            }
        )
        cls.user_2.write(
            {"natero_signup_date": "2025-01-03", "natero_last_login": False}
        )
        cls.user_3.write({"natero_signup_date": False, "natero_last_login": False})
        cls.env.company.natero_inactive_days = 7

    def search(self, domain):
        return self.env["res.partner"].search([("id", "in", self.users.ids)] + domain)

    def test_days_since_login_is_days_since_signup_around_midnight(self):
        # the 7th day after signup starts at midnight (UTC)
        with freeze_time("2025-01-09 23:59:00"):
            self.users.invalidate_recordset()
            self.assertEqual(self.user_2.natero_days_since_login, 6)
            self.assertEqual(
                self.search([("natero_days_since_login", "=", 6)]), self.user_2
            )
            self.assertFalse(self.user_2.natero_inactive)
            self.assertEqual(self.search([("natero_inactive", "=", True)]), self.user_3)
            self.assertNotIn(
                self.user_2, self.search([("natero_days_since_login", ">=", 7)])
            )
        with freeze_time("2025-01-10 00:01:00"):
            self.users.invalidate_recordset()
            self.assertEqual(self.user_2.natero_days_since_login, 7)
            self.assertEqual(
                self.search([("natero_days_since_login", ">=", 7)]), self.user_2
            )
            self.assertTrue(self.user_2.natero_inactive)
            self.assertEqual(
                self.search([("natero_inactive", "=", True)]), self.user_2 | self.user_3
            )
            self.assertEqual(
                self.search([("natero_inactive", "=", False)]), self.user_1
            )

    def test_inactive_box_and_no_login_rule_agree(self):
        with freeze_time("2025-01-12 10:00:00"):
            self.users.invalidate_recordset()
            inactive_box = self.make_trigger(
                include_product_users=False, include_inactive=True
            )
            no_login_rule = self.make_trigger(
                user_domain="[('natero_days_since_login', '>=', 7)]"
            )
            Partner = self.env["res.partner"]
            boxed = Partner.search(inactive_box._get_recipient_domain())
            ruled = Partner.search(no_login_rule._get_recipient_domain())
            self.assertEqual(boxed, self.user_2 | self.user_3)
            self.assertEqual(ruled, self.user_2)
            # the rule and the box agree on every user whose days are known
            for partner in self.users:
                self.assertEqual(
                    partner.natero_inactive,
                    partner.natero_days_since_login >= 7
                    or not (partner.natero_last_login or partner.natero_signup_date),
                    partner.name,
                )

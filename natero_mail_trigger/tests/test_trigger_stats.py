# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.natero_mail_trigger.models.natero_trigger_send import engine

from .. import compat
from .common import TriggerCommon

DAY_1, DAY_2, DAY_3 = date(2025, 1, 6), date(2025, 1, 7), date(2025, 1, 8)
FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
PROXY = "Mozilla/5.0 (via ggpht.com GoogleImageProxy)"


@tagged("post_install", "-at_install")
class TestTriggerStats(TriggerCommon):
    """T7 daily statistics against hand-computed figures, T8 account logs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.user_4, cls.user_5 = Partner.create(
            [
                {
                    "name": f"User {index}",
                    "email": f"user{index}@tiny.example.com",
                    "parent_id": cls.account_small.id,
                    "natero_product_user": True,
                }
                for index in (4, 5)
            ]
        )
        cls.loner = Partner.create(
            {
                "name": "Lone user",
                "email": "lone@example.com",
                "natero_product_user": True,
            }
        )

    def make_send(self, trigger, partner, day, state, sent_hour=10):
        sent_at = datetime(day.year, day.month, day.day, sent_hour)
        values = {
            "trigger_id": trigger.id,
            "partner_id": partner.id,
            "account_id": partner.commercial_partner_id.id,
            "email": partner.email,
            "local_day": day,
            "state": state,
        }
        if state != "removed":
            values["queued_at"] = sent_at
        if state in ("sent", "bounced", "failed"):
            values["sent_at"] = sent_at
        if state in ("bounced", "failed"):
            values["failed_at"] = sent_at
        return self.engine_sends().create(values)

    def stat(self, trigger, day):
        return self.env["natero.trigger.stat"].search(
            [("trigger_id", "=", trigger.id), ("local_day", "=", day)]
        )

    def figures(self, stat):
        return {
            name: stat[name]
            for name in (
                "recipients",
                "delivered",
                "opened",
                "auto_opened",
                "clicked",
                "failed",
                "unsubscribed",
            )
        }

    def test_daily_statistics_match_hand_computed_figures(self):
        trigger = self.make_trigger()
        make = self.make_send
        # day 1: u1 opened and clicked; u2 opened by Google's image proxy only;
        # u3 bounced
        d1 = [
            make(trigger, self.user_1, DAY_1, "sent"),
            make(trigger, self.user_2, DAY_1, "sent"),
            make(trigger, self.user_3, DAY_1, "bounced"),
        ]
        with freeze_time("2025-01-06 12:00:00"):
            d1[0]._register_open(FIREFOX)
            d1[0]._register_click()
            d1[1]._register_open(PROXY)
        # day 2: u1 opened 3 s after sending (automated), then by the person,
        # twice; u2 clicked without loading images; u3 opened and unsubscribed;
        # u4 failed; u5 removed by a reviewer (not a recipient)
        d2 = [
            make(trigger, self.user_1, DAY_2, "sent"),
            make(trigger, self.user_2, DAY_2, "sent"),
            make(trigger, self.user_3, DAY_2, "sent"),
            make(trigger, self.user_4, DAY_2, "failed"),
            make(trigger, self.user_5, DAY_2, "removed"),
        ]
        with freeze_time("2025-01-07 10:00:03"):
            self.assertTrue(d2[0]._register_open(FIREFOX).automated)
        with freeze_time("2025-01-07 15:00:00"):
            d2[0]._register_open(FIREFOX)
            d2[1]._register_click()
            d2[2]._register_open(FIREFOX)
        with freeze_time("2025-01-08 08:00:00"):
            d2[0]._register_open(FIREFOX)  # the next day: still day 2's email
            self.engine_sends().browse(d2[2].id).write(
                {"unsubscribed_at": datetime(2025, 1, 8, 8)}
            )
        # day 3: queued, not sent yet; a cancelled row
        make(trigger, self.user_1, DAY_3, "queued")
        make(trigger, self.user_2, DAY_3, "cancelled")

        expected = {
            DAY_1: (
                dict(
                    recipients=3,
                    delivered=2,
                    opened=1,
                    auto_opened=1,
                    clicked=1,
                    failed=1,
                    unsubscribed=0,
                ),
                100.0,
                50.0,
            ),
            DAY_2: (
                dict(
                    recipients=4,
                    delivered=3,
                    opened=3,
                    auto_opened=0,
                    clicked=1,
                    failed=1,
                    unsubscribed=1,
                ),
                100 / 3,
                100 / 3,
            ),
            DAY_3: (
                dict(
                    recipients=1,
                    delivered=0,
                    opened=0,
                    auto_opened=0,
                    clicked=0,
                    failed=0,
                    unsubscribed=0,
                ),
                0.0,
                0.0,
            ),
        }
        for day, (figures, ctr, ctr_delivered) in expected.items():
            stat = self.stat(trigger, day)
            self.assertEqual(len(stat), 1)
            self.assertEqual(self.figures(stat), figures, day)
            self.assertAlmostEqual(stat.ctr, ctr, places=4)
            self.assertAlmostEqual(stat.ctr_delivered, ctr_delivered, places=4)
        self.assertEqual(d2[0].open_count, 3)

        # all days together: rates are ratios of sums (2 clicks / 4 opened,
        # 2 clicks / 5 delivered), not averages of daily rates
        [(recipients, opened, clicked, ctr, ctr_delivered)] = self.env[
            "natero.trigger.stat"
        ]._read_group(
            [("trigger_id", "=", trigger.id)],
            [],
            [
                "recipients:sum",
                "opened:sum",
                "clicked:sum",
                "ctr:avg",
                "ctr_delivered:avg",
            ],
        )
        self.assertEqual((recipients, opened, clicked), (8, 4, 2))
        self.assertAlmostEqual(ctr, 50.0)
        self.assertAlmostEqual(ctr_delivered, 40.0)

        # every number opens the list of those recipients
        stat = self.stat(trigger, DAY_2)
        for measure, partners in {
            "recipients": self.users | self.user_4,
            "delivered": self.users,
            "opened": self.users,
            "clicked": self.user_2,
            "failed": self.user_4,
            "unsubscribed": self.user_3,
        }.items():
            action = stat.with_context(natero_measure=measure).action_open_sends()
            self.assertEqual(action["res_model"], "natero.trigger.send")
            self.assertEqual(
                self.Send.search(action["domain"]).partner_id, partners, measure
            )
        action = (
            self.stat(trigger, DAY_1)
            .with_context(natero_measure="auto_opened")
            .action_open_sends()
        )
        self.assertEqual(self.Send.search(action["domain"]).partner_id, self.user_2)

        # issue 13: the details page's cards and chart, from the same figures
        data = trigger.details_data
        cards = {measure["name"]: measure for measure in data["measures"]}
        self.assertEqual(
            list(cards),
            [
                "recipients",
                "delivered",
                "opened",
                "clicked",
                "ctr",
                "failed",
                "unsubscribed",
                "replied",
            ],
        )
        self.assertEqual(
            {name: card["total"] for name, card in cards.items() if name != "ctr"},
            dict(
                recipients=8,
                delivered=5,
                opened=4,
                clicked=2,
                failed=2,
                unsubscribed=1,
                replied=0,
            ),
        )
        self.assertAlmostEqual(cards["ctr"]["total"], 50.0)
        self.assertTrue(cards["ctr"]["rate"])
        self.assertEqual(
            [name for name, card in cards.items() if card["chart"]],
            ["recipients", "delivered", "opened", "clicked"],
        )
        self.assertEqual(data["days"], ["2025-01-06", "2025-01-07", "2025-01-08"])
        self.assertEqual(cards["recipients"]["series"], [3, 4, 1])
        self.assertEqual(cards["opened"]["series"], [1, 3, 0])
        # each card opens its recipients, all days; CTR's are who clicked
        for measure, partners in {
            "recipients": self.users | self.user_4,
            "failed": self.user_3 | self.user_4,
            "ctr": self.user_1 | self.user_2,
        }.items():
            action = trigger.action_open_measure(measure)
            self.assertEqual(
                self.Send.search(action["domain"]).partner_id, partners, measure
            )
        # a day's breadcrumb keeps the trigger's name
        self.assertEqual(
            self.stat(trigger, DAY_1).display_name, "Feature tip, 01/06/2025"
        )

    def test_recipients_30_days_and_trigger_actions(self):
        trigger = self.make_trigger()
        self.make_send(trigger, self.user_1, DAY_1, "sent")
        self.make_send(trigger, self.user_1, DAY_2, "sent")
        self.make_send(trigger, self.user_2, DAY_2, "queued")
        self.make_send(trigger, self.user_3, DAY_2, "failed")
        self.make_send(trigger, self.user_4, date(2024, 11, 1), "sent")
        with freeze_time("2025-01-10 12:00:00"):
            trigger.invalidate_recordset(["recipients_30d"])
            # distinct users attempted, the failed one included (issue 11: was 2)
            self.assertEqual(trigger.recipients_30d, 3)
        details = trigger.action_open_details()
        self.assertEqual(
            (details["res_model"], details["res_id"]), ("natero.trigger", trigger.id)
        )
        self.assertEqual(
            trigger.with_context(**details["context"]).display_name,
            "Details of Feature tip",
        )
        analysis = trigger.action_open_stat_analysis()
        self.assertEqual(analysis["res_model"], "natero.trigger.stat")
        self.assertEqual(analysis["domain"], [("trigger_id", "=", trigger.id)])
        copy = self.Trigger.browse(trigger.action_copy()["res_id"])
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.subject, trigger.subject)
        copy.action_delete()
        self.assertFalse(copy.exists())

    # ------------------------------------------------------------------ T8

    def account_notes(self, account):
        subtype = self.env.ref("natero_mail_trigger.mt_natero_trigger")
        return self.env["mail.message"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", account.id),
                ("subtype_id", "=", subtype.id),
            ],
            order="id",
        )

    def send_queue(self):
        """Odoo's mail queue sends the queued trigger emails (mock gateway)."""
        mails = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [("natero_trigger_send_id", "!=", False), ("state", "=", "outgoing")]
            )
        )
        mails.send()

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_account_not_logged_when_email_failed(self):
        """Issue 13: the account's "Trigger" note is written for emails that
        went out only: a failed email (here the server refused the
        connection) logs nothing."""
        tip = self.make_trigger(activate_at="2025-01-06 06:00:00")
        self.run_cron("2025-01-06 07:00:00")
        with self.capture_mails():
            self.run_cron("2025-01-06 09:00:00")
        refused = ConnectionRefusedError(111, "Connection refused")
        connect = "_connect__" if compat.IS_19 else "connect"  # compat 17
        with patch.object(compat.IrMailServer, connect, side_effect=refused):
            self.send_queue()
        # the batched sender keeps them waiting for a retry (issue 14): none
        # went out, so no account note
        sends = self.sends(tip, day=DAY_1)
        self.assertEqual(len(sends), 6)
        self.assertNotIn("sent", sends.mapped("state"))
        self.assertFalse(self.account_notes(self.account))
        self.assertFalse(self.account_notes(self.account_small))
        self.assertFalse(
            self.env["natero.trigger.account.log"].search([("trigger_id", "=", tip.id)])
        )

    def test_account_logged_once_per_trigger_and_day(self):
        tip = self.make_trigger(activate_at="2025-01-06 06:00:00")
        news = self.make_trigger(
            activate_at="2025-01-06 06:00:00",
            name="Newsletter",
            subject="Our news for {{ object.commercial_partner_id.name }}",
        )
        self.run_cron("2025-01-06 07:00:00")  # generate both lists
        with self.capture_mails():
            with freeze_time("2025-01-06 09:00:00"):
                # two batches: the account of users 1-3 spans both
                self.Trigger._cron_process(batch_size=2)
                self.Trigger._cron_process(batch_size=2)
                self.Trigger._cron_process(batch_size=50)
            self.assertEqual(
                len(self.sends(tip | news, day=DAY_1, state="queued")), 2 * 6
            )
            # issue 13: nothing is logged before the emails go out
            self.assertFalse(self.account_notes(self.account))
            self.send_queue()
        self.assertEqual(len(self.sends(tip | news, day=DAY_1, state="sent")), 2 * 6)
        acme, tiny = (
            self.account_notes(self.account),
            self.account_notes(self.account_small),
        )
        self.assertEqual(len(acme), 2)
        self.assertEqual(len(tiny), 2)
        self.assertEqual(
            sorted(acme.mapped("subject")), ["Hello … of …", "Our news for …"]
        )
        for note in acme | tiny:
            self.assertTrue(note.is_internal)
            self.assertEqual(note.message_type, "comment")
            self.assertFalse(note.notification_ids)
            self.assertFalse(note.partner_ids)
            for name in ("User 1", "User 2", "Acme", "user1@"):
                self.assertNotIn(name, str(note.body))
        # the lone user has no company account: nothing logged on them
        self.assertFalse(self.account_notes(self.loner))
        logs = self.env["natero.trigger.account.log"].search(
            [("trigger_id", "in", (tip | news).ids)]
        )
        self.assertEqual(len(logs), 4)
        self.assertEqual(set(logs.mapped("day")), {DAY_1})
        self.assertEqual(logs.message_id, acme | tiny)

        # logging the same emails again (a retried batch) adds nothing
        Log = self.env["natero.trigger.account.log"]
        self.assertFalse(Log._log_sends(tip, self.sends(tip, day=DAY_1)))
        self.assertEqual(len(self.account_notes(self.account)), 2)

        # the next day: once more per trigger
        self.run_cron("2025-01-07 07:00:00")
        with self.capture_mails():
            self.run_cron("2025-01-07 09:00:00")
            self.send_queue()
        self.assertEqual(len(self.account_notes(self.account)), 4)
        self.assertEqual(len(self.account_notes(self.account_small)), 4)


@tagged("post_install", "-at_install")
class TestTriggerStatsQueries(TriggerCommon):
    """The details page of a trigger with 10 000 sends reads its data in a
    fixed number of queries (SPEC Scale)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.trigger = cls.make_trigger()
        partners = cls.env["res.partner"].create(
            [
                {"name": f"Bulk {index}", "email": f"bulk{index}@bulk.example.com"}
                for index in range(1000)
            ]
        )
        states = ["sent", "sent", "sent", "queued", "failed", "bounced"]
        cls.env["natero.trigger.send"].flush_model()
        sends = engine(cls.env["natero.trigger.send"]).create(
            [
                {
                    "trigger_id": cls.trigger.id,
                    "partner_id": partner.id,
                    "email": partner.email,
                    "local_day": date(2025, 1, 1 + day),
                    "state": states[(index + day) % len(states)],
                    "company_id": cls.trigger.company_id.id,
                }
                for day in range(10)
                for index, partner in enumerate(partners)
            ]
        )
        cls.sends = sends
        sends.filtered(lambda send: send.id % 3 == 0).write(
            {"opened_at": datetime(2025, 1, 11)}
        )
        sends.filtered(lambda send: send.id % 7 == 0).write(
            {"clicked_at": datetime(2025, 1, 11), "opened_at": datetime(2025, 1, 11)}
        )
        cls.env.flush_all()

    def test_details_queries(self):
        self.assertEqual(len(self.sends), 10000)
        Stat = self.env["natero.trigger.stat"].with_user(self.owner)
        domain = [("trigger_id", "=", self.trigger.id)]
        fields_ = ["local_day", "recipients", "delivered", "opened", "clicked", "ctr"]
        Stat.search_read(domain, fields_)  # warm the caches (rules, fields)
        Stat._read_group(domain, ["local_day:day"], ["clicked:sum", "ctr:avg"])
        # the table: one query
        with self.assertQueryCount(1):
            rows = Stat.search_read(domain, fields_)
        self.assertEqual(len(rows), 10)
        self.assertEqual(sum(row["recipients"] for row in rows), 10000)
        # the chart: one query, whatever the number of sends
        with self.assertQueryCount(1):
            groups = Stat._read_group(
                domain,
                ["local_day:day"],
                ["recipients:sum", "opened:sum", "clicked:sum", "ctr:avg"],
            )
        self.assertEqual(len(groups), 10)
        # the list's 30-day recipients column
        triggers = self.Trigger.with_user(self.owner).browse(self.trigger.ids)
        with freeze_time("2025-01-15"):
            self.assertEqual(triggers.recipients_30d, 1000)  # warm-up
            triggers.invalidate_recordset(["recipients_30d"])
            with self.assertQueryCount(1):
                self.assertEqual(triggers.recipients_30d, 1000)

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import datetime

from freezegun import freeze_time

from odoo.tests import new_test_user

from odoo.addons.mail.tests.common import MailCommon
from odoo.addons.natero_mail_trigger.models.natero_trigger_send import engine

OSLO = "Europe/Oslo"


class TriggerCommon(MailCommon):
    """Accounts, users and triggers owned by someone in Europe/Oslo.

    Days are walked with ``freeze_time``; ``run_cron(at)`` runs the one
    frequent cron at a UTC instant.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.owner = new_test_user(
            cls.env,
            login="trigger_owner",
            name="Olga Owner",
            email="olga.owner@test.example.com",
            tz=OSLO,
            groups="base.group_user,natero_mail_trigger.group_natero_trigger_manager",
        )
        cls.reviewer = new_test_user(
            cls.env,
            login="trigger_reviewer",
            name="Rita Reviewer",
            email="rita.reviewer@test.example.com",
            tz=OSLO,
            groups="base.group_user,natero_mail_trigger.group_natero_trigger_user",
        )
        Partner = cls.env["res.partner"]
        cls.account = Partner.create(
            {"name": "Acme", "is_company": True, "natero_arr": 50000}
        )
        cls.account_small = Partner.create(
            {"name": "Tiny", "is_company": True, "natero_arr": 5000}
        )
        cls.user_1, cls.user_2, cls.user_3 = Partner.create(
            [
                {
                    "name": f"User {index}",
                    "email": f"user{index}@acme.example.com",
                    "parent_id": cls.account.id,
                    "natero_product_user": True,
                    "natero_role": "admin" if index == 1 else "member",
                }
                for index in (1, 2, 3)
            ]
        )
        cls.users = cls.user_1 | cls.user_2 | cls.user_3
        cls.Trigger = cls.env["natero.trigger"]
        cls.Send = cls.env["natero.trigger.send"]

    @classmethod
    def make_trigger(cls, activate_at=None, **values):
        """A trigger on product users, generate 08:00 / send 10:00 Oslo time."""
        vals = {
            "name": "Feature tip",
            "user_id": cls.owner.id,
            "email_from": '"Customer Success" <success@test.example.com>',
            "subject": "Hello {{ object.name }} of "
            "{{ object.commercial_partner_id.name }}",
            "body_html": '<p>Hi <t t-out="object.name"/>, '
            '<a t-att-href="unsubscribe_url">Unsubscribe</a></p>',
            "include_product_users": True,
            "generate_time": 8.0,
            "send_time": 10.0,
            "retrigger_delay_days": 1,
        }
        vals.update(values)
        trigger = cls.Trigger.create(vals)
        if activate_at:
            with freeze_time(activate_at):
                trigger.action_activate()
        return trigger

    def run_cron(self, at):
        with freeze_time(at):
            return self.Trigger._cron_process()

    def sends(self, trigger=None, day=None, state=None):
        domain = []
        if trigger:
            domain.append(("trigger_id", "in", trigger.ids))
        if day:
            domain.append(("local_day", "=", day))
        if state:
            domain.append(("state", "=", state))
        return self.Send.search(domain)

    def engine_sends(self):
        return engine(self.Send)

    @contextmanager
    def capture_mails(self):
        """``mail.mail`` created inside the block (through MailCase's mock)."""
        with self.mock_mail_gateway(mail_unlink_sent=False):
            yield


def utc(*args):
    return datetime(*args)

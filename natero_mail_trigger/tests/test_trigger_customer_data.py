# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.tests import tagged

from .common import TriggerCommon


@tagged("post_install", "-at_install")
class TestTriggerCustomerData(TriggerCommon):
    """T1 customer data and metrics, T3 include-boxes and rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_1.write(
            {
                "natero_signup_date": "2025-01-01",
                "natero_last_login": "2025-01-09 12:00:00",
            }
        )
        cls.user_2.write(
            {
                "natero_signup_date": "2024-12-01",
                "natero_last_login": "2024-12-20 12:00:00",
            }
        )
        cls.user_3.write({"natero_signup_date": False, "natero_last_login": False})

    def search(self, domain):
        return self.env["res.partner"].search([("id", "in", self.users.ids)] + domain)

    @freeze_time("2025-01-10 10:00:00")
    def test_days_since_metrics(self):
        self.assertEqual(self.user_1.natero_days_since_signup, 9)
        self.assertEqual(self.user_1.natero_days_since_login, 0)
        # 20 days and 22 hours
        self.assertEqual(self.user_2.natero_days_since_login, 20)
        u1, u2 = self.user_1, self.user_2
        self.assertEqual(self.search([("natero_days_since_signup", ">=", 10)]), u2)
        self.assertEqual(self.search([("natero_days_since_signup", "<", 10)]), u1)
        self.assertEqual(self.search([("natero_days_since_signup", "=", 9)]), u1)
        self.assertEqual(self.search([("natero_days_since_login", ">", 7)]), u2)
        self.assertEqual(self.search([("natero_days_since_login", "=", 20)]), u2)
        self.assertFalse(self.search([("natero_days_since_login", "=", 21)]))
        self.assertEqual(self.search([("natero_days_since_login", "<=", 0)]), u1)
        self.assertEqual(
            self.search([("natero_days_since_login", "!=", 20)]), u1 | self.user_3
        )

    @freeze_time("2025-01-10 10:00:00")
    def test_inactive_users_follow_company_setting(self):
        self.env.company.natero_inactive_days = 30
        # never logged in counts as inactive
        self.assertEqual(self.search([("natero_inactive", "=", True)]), self.user_3)
        self.env.company.natero_inactive_days = 7
        self.assertEqual(
            self.search([("natero_inactive", "=", True)]), self.user_2 | self.user_3
        )
        self.assertEqual(self.search([("natero_inactive", "=", False)]), self.user_1)
        self.assertTrue(self.user_2.natero_inactive)

    def test_include_boxes(self):
        Partner = self.env["res.partner"]
        self.account.natero_churned = True
        churned_only = self.make_trigger(
            include_product_users=False, include_churned=True
        )
        self.assertEqual(
            Partner.search(churned_only._get_recipient_domain()), self.users
        )
        self.user_3.natero_crm_contact = True
        crm_only = self.make_trigger(
            include_product_users=False, include_crm_contacts=True
        )
        self.assertEqual(Partner.search(crm_only._get_recipient_domain()), self.user_3)
        nobody = self.make_trigger(include_product_users=False)
        self.assertFalse(Partner.search(nobody._get_recipient_domain()))
        with freeze_time("2025-01-10 10:00:00"):
            self.env.company.natero_inactive_days = 7
            inactive = self.make_trigger(
                include_product_users=False, include_inactive=True
            )
            self.assertEqual(
                Partner.search(inactive._get_recipient_domain()),
                self.user_2 | self.user_3,
            )

    def test_user_and_account_rule(self):
        # e.g. role is admin AND no login in 7 days AND account ARR above 10 000
        self.user_2.natero_role = "admin"
        with freeze_time("2025-01-10 10:00:00"):
            trigger = self.make_trigger(
                user_domain="[('natero_role', '=', 'admin'), "
                "('natero_days_since_login', '>=', 7)]",
                use_account_rule=True,
                account_domain="[('natero_arr', '>', 10000)]",
            )
            found = self.env["res.partner"].search(trigger._get_recipient_domain())
            self.assertEqual(found, self.user_2)
            self.account.natero_arr = 9000
            found = self.env["res.partner"].search(trigger._get_recipient_domain())
            self.assertFalse(found)

    def test_event_count_rules(self):
        Event = self.env["natero.usage.event"]
        Event.create(
            [
                {"name": "report_run", "partner_id": self.user_1.id, "time": t}
                for t in ("2025-01-08 10:00:00", "2025-01-09 10:00:00")
            ]
            + [
                {
                    "name": "report_run",
                    "partner_id": self.user_2.id,
                    "time": "2024-11-01 10:00:00",
                },
                {"name": "login", "partner_id": self.user_3.id},
            ]
        )
        Partner = self.env["res.partner"]
        with freeze_time("2025-01-10 10:00:00"):
            at_least_2 = Partner._natero_event_count_domain("report_run", 7, ">=", 2)
            self.assertEqual(self.search(at_least_2), self.user_1)
            # "did not use the feature": the count of 0 matches users without events
            never = Partner._natero_event_count_domain("report_run", 30, "<", 1)
            self.assertEqual(self.search(never), self.user_2 | self.user_3)
            trigger = self.make_trigger(
                usage_rule_ids=[
                    (
                        0,
                        0,
                        {
                            "event_name": "report_run",
                            "days": 30,
                            "operator": "=",
                            "count": 0,
                        },
                    )
                ]
            )
            self.assertEqual(
                Partner.search(trigger._get_recipient_domain()),
                self.user_2 | self.user_3,
            )
            self.assertIn("report_run", trigger.usage_rule_ids.display_rule)

    def test_usage_event_resolution(self):
        self.user_2.ref = "U-2"
        self.account_small.ref = "ACC-T"
        events = self.env["natero.usage.event"].create(
            [
                {"name": "a", "user_email": "USER1@acme.example.com"},
                {"name": "b", "user_ref": "U-2", "account_ref": "ACC-T"},
                {"name": "c", "user_email": "nobody@example.com"},
                {"name": "d", "partner_id": self.user_3.id},
            ]
        )
        self.assertEqual(events[0].partner_id, self.user_1)
        self.assertEqual(events[0].account_id, self.account)
        self.assertEqual(events[1].partner_id, self.user_2)
        self.assertEqual(events[1].account_id, self.account_small)
        self.assertFalse(events[2].partner_id)
        self.assertEqual(events[2].user_email, "nobody@example.com")
        self.assertEqual(events[3].account_id, self.account)
        self.assertEqual(self.user_1.natero_usage_event_count, 1)
        events[0].properties_text = '{"plan": "pro"}'
        self.assertEqual(events[0].properties, {"plan": "pro"})

    def test_api_key_hashed_and_checked(self):
        ApiKey = self.env["natero.trigger.api.key"]
        key_record = ApiKey.create({"name": "Product"})
        action = key_record.action_generate_key()
        key = action["context"]["default_key"]
        self.assertTrue(key.startswith("ntk_"))
        self.assertNotIn(key, key_record.sudo().key_hash)
        self.assertEqual(ApiKey._authenticate(key), key_record)
        self.assertFalse(ApiKey._authenticate(key + "x"))
        self.assertFalse(ApiKey._authenticate("garbage"))
        rotated = key_record.action_generate_key()["context"]["default_key"]
        self.assertFalse(ApiKey._authenticate(key))
        self.assertEqual(ApiKey._authenticate(rotated), key_record)
        key_record.active = False
        self.assertFalse(ApiKey._authenticate(rotated))

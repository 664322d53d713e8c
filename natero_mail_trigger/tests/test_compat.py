# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 18.0 / 19.0 compatibility layer (``compat.py``) does on the running
series what the addon needs: run on both series (``setup/test``)."""

from psycopg2 import IntegrityError

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .. import compat

# Every SQL constraint of the addon, by the name it has in the database
# (<table>_<key> on both series): 19.0 ignores ``_sql_constraints`` (it only
# logs a warning), so without compat.sql_constraints they would not exist.
CONSTRAINTS = [
    ("natero_trigger", "natero_trigger_delays_positive", "c"),
    ("natero_trigger", "natero_trigger_times_in_day", "c"),
    ("natero_trigger_usage_rule", "natero_trigger_usage_rule_days_positive", "c"),
    ("natero_trigger_usage_rule", "natero_trigger_usage_rule_count_positive", "c"),
    ("natero_trigger_api_key", "natero_trigger_api_key_key_lookup_unique", "u"),
    ("natero_trigger_send", "natero_trigger_send_trigger_partner_day_unique", "u"),
    (
        "natero_trigger_account_log",
        "natero_trigger_account_log_account_trigger_day_unique",
        "u",
    ),
]


@tagged("post_install", "-at_install")
class TestCompat(TransactionCase):
    def test_series(self):
        self.assertIn(compat.SERIES, ("18.0", "19.0"))
        self.assertEqual(compat.IS_19, compat.SERIES == "19.0")
        self.assertEqual(compat.by_series(18, 19), 19 if compat.IS_19 else 18)
        self.assertEqual(compat.QWEB_COMPILE_ONCE, not compat.IS_19)

    def test_sql_constraints_exist(self):
        for table, name, kind in CONSTRAINTS:
            self.env.cr.execute(
                "SELECT contype FROM pg_constraint c JOIN pg_class t "
                "ON t.oid = c.conrelid WHERE t.relname = %s AND c.conname = %s",
                [table, name],
            )
            self.assertEqual(self.env.cr.fetchall(), [(kind,)], name)

    @mute_logger("odoo.sql_db")
    def test_sql_constraint_holds(self):
        trigger = self.env["natero.trigger"].create({"name": "Compat"})
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            trigger.write({"global_delay_days": -1})
            trigger.flush_recordset()

    def test_groups_in_their_category(self):
        category = self.env.ref("natero_mail_trigger.module_category_natero")
        for xmlid in ("group_natero_trigger_user", "group_natero_trigger_manager"):
            group = self.env.ref(f"natero_mail_trigger.{xmlid}")
            if compat.IS_19:
                self.assertEqual(group.privilege_id.category_id, category)
            else:
                self.assertEqual(group.category_id, category)
        manager = self.env.ref("natero_mail_trigger.group_natero_trigger_manager")
        self.assertIn(self.env.ref("base.user_admin"), manager[compat.GROUP_USERS])
        self.assertIn(manager, self.env.ref("base.user_admin")[compat.USER_GROUPS])

    def test_expression(self):
        a, b = [("name", "=", "a")], [("id", ">", 1)]
        expression = compat.expression
        self.assertEqual(expression.AND([a, b]), ["&", *a, *b])
        self.assertEqual(expression.OR([a, b]), ["|", *a, *b])
        self.assertEqual(expression.normalize_domain(a), a)
        Partner = self.env["res.partner"]
        self.assertTrue(expression.is_false(Partner, expression.FALSE_DOMAIN))
        self.assertFalse(expression.is_false(Partner, a))
        self.assertEqual(Partner.search(expression.FALSE_DOMAIN), Partner)

    def test_ir_mail_server_class(self):
        self.assertIsInstance(self.env["ir.mail_server"], compat.IrMailServer)

    def test_process_email_queue(self):
        mail = self.env["mail.mail"].create(
            {"email_to": "compat@example.com", "subject": "Compat", "body_html": "x"}
        )
        other = self.env["mail.mail"].create(
            {"email_to": "other@example.com", "subject": "Other", "body_html": "y"}
        )
        compat.process_email_queue(mail)
        # only the mails given are sent (the test mode fakes the SMTP server)
        self.assertTrue(not mail.exists() or mail.state == "sent", mail.state)
        self.assertEqual(other.state, "outgoing")

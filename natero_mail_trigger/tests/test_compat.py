# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 18.0 / 19.0 compatibility layer (``compat.py``) does on the running
series what the addon needs: run on both series (``setup/test``)."""

from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import compat
from .common import TriggerCommon

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
class TestCompat(TriggerCommon):
    def test_series(self):
        self.assertIn(compat.SERIES, ("18.0", "19.0"))
        self.assertEqual(compat.IS_19, compat.SERIES == "19.0")
        self.assertEqual(compat.by_series(18, 19), 19 if compat.IS_19 else 18)

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
        # the CHECK of natero_trigger_delays_positive, below the ORM's checks
        trigger = self.make_trigger()
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            self.env.cr.execute(
                "UPDATE natero_trigger SET global_delay_days = -1 WHERE id = %s",
                [trigger.id],
            )

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

    def test_field_is_readable(self):
        """mail.message.mail_ids: for base.group_system only, on both series."""
        user = self.env["res.users"].create(
            {
                "name": "Compat",
                "login": "compat.fields",
                compat.USER_GROUPS: [(6, 0, [self.env.ref("base.group_user").id])],
            }
        )
        Message = self.env["mail.message"]
        field = Message._fields["mail_ids"]
        self.assertFalse(compat.field_is_readable(Message.with_user(user), field))
        self.assertTrue(compat.field_is_readable(Message, field))  # superuser
        self.assertTrue(
            compat.field_is_readable(Message.with_user(user), Message._fields["body"])
        )

    def test_ir_mail_server_class(self):
        self.assertIsInstance(self.env["ir.mail_server"], compat.IrMailServer)

    def test_process_email_queue(self):
        mail = self.env["mail.mail"].create(
            {"email_to": "compat@example.com", "subject": "Compat", "body_html": "x"}
        )
        other = self.env["mail.mail"].create(
            {"email_to": "other@example.com", "subject": "Other", "body_html": "y"}
        )
        with self.mock_mail_gateway():
            compat.process_email_queue(mail)
        # only the mails given are sent
        self.assertEqual([m["email_to"] for m in self._mails], [["compat@example.com"]])
        self.assertEqual(other.state, "outgoing")

    def test_cron_progress(self):
        Cron = type(self.env["ir.cron"])
        if compat.IS_19:
            with patch.object(Cron, "_commit_progress") as commit:
                # outside a cron run: nothing reported, nothing committed
                compat.cron_progress(self.env, processed=2, remaining=1)
                commit.assert_not_called()
                in_cron = self.env(
                    context=dict(self.env.context, ir_cron_progress_id=1)
                )
                compat.cron_progress(in_cron, processed=2, remaining=1)
                commit.assert_called_once_with(2, remaining=1)
        else:
            with patch.object(Cron, "_notify_progress") as notify:
                compat.cron_progress(self.env, processed=2, remaining=1)
                notify.assert_called_once_with(done=2, remaining=1)

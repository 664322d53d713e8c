# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The 18.0 / 19.0 compatibility layer (``compat.py``) does on the running
series what the addon needs: run on both series (``setup/test``)."""

from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger

from .. import compat

# Every SQL constraint of the addon, by the name it has in the database
# (<table>_<key> on both series): 19.0 ignores ``_sql_constraints`` (it only
# logs a warning), so without compat.sql_constraints they would not exist.
CONSTRAINTS = [
    ("natero_mail_log_free_domain", "natero_mail_log_free_domain_name_uniq"),
    ("natero_mail_log_exclusion", "natero_mail_log_exclusion_name_company_uniq"),
    ("natero_mail_log_sender", "natero_mail_log_sender_user_email_uniq"),
    ("res_users", "res_users_natero_log_token_uniq"),
]


@tagged("post_install", "-at_install")
class TestCompat(TransactionCase):
    def test_series(self):
        self.assertIn(compat.SERIES, ("18.0", "19.0"))
        self.assertEqual(compat.IS_19, compat.SERIES == "19.0")

    def test_sql_constraints_exist(self):
        for table, name in CONSTRAINTS:
            self.env.cr.execute(
                "SELECT contype FROM pg_constraint c JOIN pg_class t "
                "ON t.oid = c.conrelid WHERE t.relname = %s AND c.conname = %s",
                [table, name],
            )
            self.assertEqual(self.env.cr.fetchall(), [("u",)], name)
        if compat.IS_19:  # left, it would only be warned about
            model = self.env["natero.mail.log.free.domain"]
            self.assertFalse(hasattr(type(model), "_sql_constraints"))

    @mute_logger("odoo.sql_db")
    def test_sql_constraint_holds(self):
        Free = self.env["natero.mail.log.free.domain"]
        Free.create({"name": "compat-test.example"})
        with self.assertRaises(IntegrityError), self.env.cr.savepoint():
            Free.create({"name": "compat-test.example"})

    def test_unique_index(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
            ["mail_message_natero_log_key_uniq"],
        )
        [(definition,)] = self.env.cr.fetchall()
        self.assertIn("UNIQUE", definition)

    def test_user_groups_field(self):
        group = self.env.ref("natero_mail_log.group_natero_mail_log_manager")
        user = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Compat",
                    "login": "compat.user",
                    compat.USER_GROUPS: [(4, group.id)],
                }
            )
        )
        self.assertTrue(user.has_group("natero_mail_log.group_natero_mail_log_manager"))
        self.assertIn(user, group[compat.GROUP_USERS])

    def test_groups_in_their_category(self):
        category = self.env.ref("natero_mail_log.module_category_natero")
        for xmlid in ("group_natero_mail_log_user", "group_natero_mail_log_manager"):
            group = self.env.ref(f"natero_mail_log.{xmlid}")
            if compat.IS_19:
                self.assertEqual(group.privilege_id.category_id, category)
            else:
                self.assertEqual(group.category_id, category)
        manager = self.env.ref("natero_mail_log.group_natero_mail_log_manager")
        self.assertIn(self.env.ref("base.user_admin"), manager[compat.GROUP_USERS])

    def test_expression_and(self):
        domain = compat.expression.AND([[("name", "=", "a")], [("id", ">", 1)]])
        self.assertEqual(domain, ["&", ("name", "=", "a"), ("id", ">", 1)])

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

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .. import compat
from .common import TriggerCommon


@tagged("post_install", "-at_install")
class TestTriggerLifecycle(TriggerCommon):
    """T2 message, T3 rules preview, T5 review: preview, test send, states,
    copy, deactivate, delete; engine-only send rows."""

    def test_own_template_and_load_from_saved_template(self):
        trigger = self.make_trigger()
        template = trigger.mail_template_id
        self.assertEqual(template.model, "res.partner")
        self.assertEqual(template.subject, trigger.subject)
        saved = self.env.ref("natero_mail_trigger.mail_template_trigger_inactive")
        trigger.template_source_id = saved
        trigger.action_load_template()
        self.assertEqual(trigger.subject, saved.subject)
        self.assertIn("We have not seen you", str(trigger.body_html))
        # the saved template itself is not the trigger's
        self.assertNotEqual(trigger.mail_template_id, saved)

    def test_preview_and_test_send(self):
        trigger = self.make_trigger()
        action = trigger.with_user(self.owner).action_open_preview(partner=self.user_1)
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.subject, "Hello User 1 of Acme")
        self.assertIn("Hi User 1", wizard.body_html)
        self.assertIn("/natero/unsubscribe/preview", wizard.body_html)
        wizard.partner_id = self.user_2
        self.assertEqual(wizard.subject, "Hello User 2 of Acme")
        with self.mock_mail_gateway():
            wizard.with_user(self.owner).action_send_test()
        self.assertEqual(len(self._new_mails), 1)
        self.assertEqual(self._new_mails.subject, "[Test] Hello User 2 of Acme")
        self.assertEqual(self._new_mails.email_to, self.owner.email_formatted)
        self.assertFalse(self._new_mails.natero_trigger_send_id)

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_send_test_reports_failure(self):
        """Issue 13: a test the mail server refused is reported as not sent,
        with the server's error, and is not left in the queue."""
        trigger = self.make_trigger()
        wizard = self.env["natero.trigger.preview"].create(
            {"trigger_id": trigger.id, "partner_id": self.user_1.id}
        )
        refused = ConnectionRefusedError(111, "Connection refused")
        mails_before = self.env["mail.mail"].sudo().search_count([])
        with compat.smtp_failing(refused):
            action = wizard.with_user(self.owner).action_send_test()
        params = action["params"]
        self.assertEqual(params["type"], "warning")
        self.assertIn("Connection refused", params["message"])
        self.assertNotIn("next", params)  # the preview stays open
        self.assertEqual(self.env["mail.mail"].sudo().search_count([]), mails_before)
        # and a test that went out says so
        with self.mock_mail_gateway():
            action = wizard.with_user(self.owner).action_send_test()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn(self.owner.email, action["params"]["message"])

    def test_preview_opens_on_first_recipient(self):
        """Issue 13: without a list waiting, Preview email opens on the first
        contact matching the rules, not on nobody."""
        trigger = self.make_trigger()
        action = trigger.action_open_preview()
        wizard = self.env[action["res_model"]].browse(action["res_id"])
        self.assertEqual(wizard.partner_id, self.user_1)
        self.assertEqual(wizard.subject, "Hello User 1 of Acme")

    def test_candidate_count_applies_boxes_and_rules(self):
        """Issue 13: the rule editor counts the trigger's candidates (include
        boxes, user rule, account rule, usage rules), not every contact."""
        trigger = self.make_trigger(include_product_users=False)
        self.assertEqual(trigger.candidate_count, 0)
        trigger.include_product_users = True
        product_users = self.env["res.partner"].search_count(
            trigger._get_recipient_domain()
        )
        self.assertGreaterEqual(product_users, 3)
        self.assertEqual(trigger.candidate_count, product_users)
        trigger.user_domain = "[('natero_role', '=', 'admin')]"
        self.assertEqual(trigger.candidate_count, 1)
        # in the form, before saving (onchange), as the user edits the rules
        form = Form(trigger)
        form.user_domain = "[]"
        form.use_account_rule = True
        form.account_domain = "[('name', '=', 'Acme')]"
        self.assertEqual(form.candidate_count, 3)

    @mute_logger(
        "odoo.addons.mail.models.mail_render_mixin",
        "odoo.addons.mail.models.mail_template",  # 19.0: checked at save
    )
    def test_preview_shows_template_errors(self):
        if compat.TEMPLATE_CHECKED_AT_SAVE:  # 19.0: the template is refused
            with self.assertRaises(ValidationError):
                self.make_trigger(subject="{{ object.no_such_field }}")
            return
        trigger = self.make_trigger(subject="{{ object.no_such_field }}")
        wizard = self.env["natero.trigger.preview"].create(
            {"trigger_id": trigger.id, "partner_id": self.user_1.id}
        )
        self.assertTrue(wizard.error)

    def test_preview_recipients_matches_rules_now(self):
        trigger = self.make_trigger(
            use_account_rule=True, account_domain="[('natero_arr', '>', 10000)]"
        )
        small_user = self.env["res.partner"].create(
            {
                "name": "Small",
                "email": "small@tiny.example.com",
                "parent_id": self.account_small.id,
                "natero_product_user": True,
            }
        )
        action = trigger.action_preview_recipients()
        found = self.env["res.partner"].search(action["domain"])
        self.assertEqual(found, self.users)
        self.assertNotIn(small_user, found)

    def test_states_copy_deactivate_delete(self):
        trigger = self.make_trigger()
        self.assertEqual(trigger.state, "draft")
        trigger.action_activate()
        self.assertEqual(trigger.state, "active")
        self.assertTrue(trigger.next_generate_at)
        with self.assertRaises(UserError):
            trigger.unlink()

        copy = trigger.copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.name, "Feature tip (copy)")
        self.assertNotEqual(copy.mail_template_id, trigger.mail_template_id)
        self.assertEqual(copy.subject, trigger.subject)
        self.assertFalse(copy.next_generate_at)

        trigger.action_generate_now()
        pending = self.sends(trigger)
        self.assertEqual(len(pending), 3)
        trigger.action_deactivate()
        self.assertEqual(trigger.state, "inactive")
        self.assertFalse(trigger.next_generate_at)
        self.assertFalse(trigger.next_send_at)
        self.assertEqual(set(pending.mapped("state")), {"cancelled"})

        template = trigger.mail_template_id
        trigger.unlink()
        self.assertFalse(template.exists())
        self.assertFalse(pending.exists())

    def test_activation_checks(self):
        nobody = self.make_trigger(include_product_users=False)
        with self.assertRaises(UserError):
            nobody.action_activate()
        self.assertFalse(self.env["res.partner"].search(nobody._get_recipient_domain()))
        bad_from = self.make_trigger(email_from="not an address")
        with self.assertRaises(UserError):
            bad_from.action_activate()

    def test_invalid_domain_refused(self):
        with self.assertRaises(ValidationError):
            self.make_trigger(user_domain="[('no_such_field', '=', 1)]")
        with self.assertRaises(ValidationError):
            self.make_trigger(user_domain="[('name', '=', ")

    def test_reply_to_and_no_reply(self):
        trigger = self.make_trigger()
        self.assertEqual(trigger._get_reply_to(), trigger.email_from)
        trigger.write(
            {"reply_to_name": "CS team", "reply_to_email": "cs@test.example.com"}
        )
        self.assertEqual(trigger._get_reply_to(), '"CS team" <cs@test.example.com>')
        trigger.no_reply = True
        self.assertIn("noreply@", trigger._get_reply_to())

    def test_send_rows_are_engine_only(self):
        trigger = self.make_trigger()
        trigger.action_activate()
        trigger.action_generate_now()
        row = self.sends(trigger)[0]
        with self.assertRaises(AccessError):
            row.write({"state": "sent"})
        with self.assertRaises(AccessError):
            self.Send.create(
                {
                    "trigger_id": trigger.id,
                    "partner_id": self.user_1.id,
                    "local_day": row.local_day,
                }
            )
        with self.assertRaises(AccessError):
            row.with_user(self.reviewer).write({"state": "sent"})

    def test_multi_company_rules(self):
        self.owner.write(
            {
                "company_ids": [(4, self.company_2.id)],
            }
        )
        trigger_c1 = self.make_trigger(name="C1")
        trigger_c2 = self.make_trigger(name="C2", company_id=self.company_2.id)
        trigger_c2.with_company(self.company_2).action_activate()
        trigger_c2.action_generate_now()
        rows_c2 = self.sends(trigger_c2)
        self.assertEqual(set(rows_c2.company_id.ids), {self.company_2.id})
        # a trigger user of company 1 only sees company 1
        visible = self.Trigger.with_user(self.reviewer).search([])
        self.assertIn(trigger_c1, visible)
        self.assertNotIn(trigger_c2, visible)
        self.assertFalse(
            self.Send.with_user(self.reviewer).search([("id", "in", rows_c2.ids)])
        )
        # recipients are contacts of the trigger's company or of no company
        self.user_3.company_id = self.company_admin
        self.assertNotIn(
            self.user_3,
            self.env["res.partner"].search(trigger_c2._get_recipient_domain()),
        )

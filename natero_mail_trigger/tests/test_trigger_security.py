# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .. import compat
from .common import TriggerCommon

# issue 10, item 1: the user rule a trigger user saved to become an administrator
ADMIN_PAYLOAD = (
    "[('id','=', user.sudo().write({'" + compat.USER_GROUPS + "':"
    "[(4, user.env.ref('base.group_system').id)]}) and 0)]"
)
# issue 10, item 4: template code reading the database secret
SECRET_BODY = (
    "<p><t t-out=\"object.env['ir.config_parameter'].sudo()"
    ".get_param('database.secret')\"/></p>"
)
SECRET_SUBJECT = (
    "{{ object.env['ir.config_parameter'].sudo().get_param('database.secret') }}"
)


@tagged("post_install", "-at_install")
class TestTriggerRuleSecurity(TriggerCommon):
    """Issue 10 item 1: rules are data, never code; they are checked as the
    user who saves them."""

    def is_admin(self, user):
        self.env.invalidate_all()
        return user.sudo().has_group("base.group_system")

    def test_rule_code_does_not_make_a_trigger_user_admin(self):
        self.assertFalse(self.is_admin(self.reviewer))
        Trigger = self.Trigger.with_user(self.reviewer)
        refused = None
        try:
            with self.env.cr.savepoint():
                Trigger.create(
                    {
                        "name": "Innocent",
                        "email_from": "cs@test.example.com",
                        "subject": "Hello",
                        "include_product_users": True,
                        "user_domain": ADMIN_PAYLOAD,
                    }
                )
        except ValidationError as error:
            refused = error
        self.assertFalse(self.is_admin(self.reviewer))
        self.assertTrue(refused, "the rule was saved")
        self.assertIn("User rule", str(refused))
        self.assertIn("literal", str(refused))
        # nor by writing it on an existing trigger, in either rule
        trigger = Trigger.create(
            {"name": "Tip", "email_from": "cs@test.example.com", "subject": "Hello"}
        )
        for field_name in ("user_domain", "account_domain"):
            with self.assertRaises(ValidationError):
                trigger.write({field_name: ADMIN_PAYLOAD, "use_account_rule": True})
            self.assertFalse(self.is_admin(self.reviewer))

    def test_stored_rule_code_is_never_run(self):
        """A rule stored before this fix (or by SQL) is refused where it is
        read: Preview recipients as the user, the cron as superuser."""
        trigger = self.make_trigger()
        self.env.cr.execute(
            "UPDATE natero_trigger SET user_domain = %s WHERE id = %s",
            (ADMIN_PAYLOAD, trigger.id),
        )
        self.env.invalidate_all()
        as_reviewer = trigger.with_user(self.reviewer)
        action = as_reviewer.action_preview_recipients()
        with self.assertRaises(ValidationError):
            self.env["res.partner"].with_user(self.reviewer).search(action["domain"])
        self.assertFalse(self.is_admin(self.reviewer))
        with self.assertRaises(ValidationError):
            trigger._get_recipient_domain()

    def test_rule_checked_as_the_acting_user(self):
        Trigger = self.Trigger.with_user(self.reviewer)
        # a field the user may not read (Access Rights group only)
        with self.assertRaises(ValidationError) as caught:
            Trigger.create(
                {
                    "name": "Probe",
                    "email_from": "cs@test.example.com",
                    "subject": "Hello",
                    "user_domain": "[('signup_type', '=', 'reset')]",
                }
            )
        self.assertIn("signup_type", str(caught.exception))
        # a field that does not exist, one that cannot be searched, a sub-path
        for rule, named in (
            ("[('no_such_field', '=', 1)]", "no_such_field"),
            ("[('natero_usage_event_count', '>', 1)]", "natero_usage_event_count"),
            ("[('parent_id.no_such_field', '=', 1)]", "no_such_field"),
            ("[('natero_role.name', '=', 1)]", "is not a relation"),
            ("[('natero_role', 'like like', 'x')]", "like like"),
            ("[('natero_role', '=', {'a': 1})]", "{'a': 1}"),
        ):
            with self.assertRaises(ValidationError) as caught:
                Trigger.create(
                    {
                        "name": "Bad",
                        "email_from": "cs@test.example.com",
                        "subject": "Hello",
                        "user_domain": rule,
                    }
                )
            self.assertIn(named, str(caught.exception), rule)
        # literal rules keep working, including the nested forms
        trigger = Trigger.create(
            {
                "name": "Good",
                "email_from": "cs@test.example.com",
                "subject": "Hello",
                "include_product_users": True,
                "user_domain": "['|', ('natero_role', '=', 'admin'), "
                "('commercial_partner_id', 'any', [('natero_arr', '>', 10000)])]",
            }
        )
        self.assertEqual(
            self.env["res.partner"].search(trigger._get_recipient_domain()),
            self.users,
        )

    def test_rule_cannot_use_its_own_matches(self):
        """The search-only field ``natero_trigger_match_id`` in a rule that
        leads back to its own trigger is refused, not expanded forever."""
        first = self.make_trigger(name="First")
        second = self.make_trigger(
            name="Second",
            user_domain=f"[('natero_trigger_match_id', '=', {first.id})]",
        )
        self.assertEqual(
            self.env["res.partner"].search(second._get_recipient_domain()),
            self.users,
        )
        for rule in (
            f"[('natero_trigger_match_id', '=', {first.id})]",
            f"[('natero_trigger_match_id', '=', {second.id})]",
        ):
            with self.assertRaises(ValidationError) as caught:
                first.with_user(self.reviewer).user_domain = rule
            self.assertIn("its own trigger", str(caught.exception))

    def test_time_relative_rules_are_fields(self):
        """What ``context_today()`` did is done by days-since fields."""
        self.account.write({"natero_churned": True, "natero_churn_date": "2025-01-01"})
        self.account_small.write(
            {"natero_churned": True, "natero_churn_date": "2024-06-01"}
        )
        self.env["res.partner"].create(
            {
                "name": "Small",
                "email": "small@tiny.example.com",
                "parent_id": self.account_small.id,
                "natero_product_user": True,
            }
        )
        with freeze_time("2025-01-10 10:00:00"):
            trigger = self.make_trigger(
                use_account_rule=True,
                account_domain="[('natero_days_since_churn', '<=', 30)]",
            )
            found = self.env["res.partner"].search(trigger._get_recipient_domain())
        self.assertEqual(found, self.users)


@tagged("post_install", "-at_install")
class TestTriggerTemplateSecurity(TriggerCommon):
    """Issue 10 item 4: template code needs the template editor group, as in
    Odoo; previews and tests render only contacts the user may see, of the
    trigger's company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Settings > Restrict Template Rendering
        cls.env["ir.config_parameter"].set_param(
            "mail.restrict.template.rendering", True
        )
        cls.company_2_partner = cls.env["res.partner"].create(
            {
                "name": "Other Company Customer",
                "email": "secret@company2.example.com",
                "company_id": cls.company_2.id,
            }
        )

    def test_restriction_active(self):
        self.assertFalse(self.reviewer.has_group("mail.group_mail_template_editor"))

    def test_non_editor_cannot_save_template_code(self):
        Trigger = self.Trigger.with_user(self.reviewer)
        for values in ({"body_html": SECRET_BODY}, {"subject": SECRET_SUBJECT}):
            with self.assertRaises(AccessError):
                Trigger.create(
                    {
                        "name": "Leak",
                        "email_from": "cs@test.example.com",
                        "subject": "Hello",
                        **values,
                    }
                )
        # writing it on a trigger, or loading a template with code, is refused
        trigger = Trigger.create(
            {"name": "Tip", "email_from": "cs@test.example.com", "subject": "Hello"}
        )
        self.assertIn("Hello", trigger.body_html)
        for values in ({"body_html": SECRET_BODY}, {"subject": SECRET_SUBJECT}):
            with self.assertRaises(AccessError):
                trigger.write(values)
        trigger.template_source_id = self.env.ref(
            "natero_mail_trigger.mail_template_trigger_inactive"
        )
        with self.assertRaises(AccessError):
            trigger.action_load_template()
        # copying an editor's trigger with code is writing that code
        editor_trigger = self.make_trigger(body_html=SECRET_BODY)
        with self.assertRaises(AccessError):
            editor_trigger.with_user(self.reviewer).copy()
        # plain text and the placeholders of non-editors stay allowed
        trigger.write(
            {
                "subject": "News for {{ object.name }}",
                "body_html": '<p>Hi <t t-out="object.name"/></p>',
            }
        )
        wizard = self.preview(trigger, self.user_1, user=self.reviewer)
        self.assertEqual(wizard.subject, "News for User 1")

    def test_trigger_cannot_take_another_template(self):
        """A trigger's template is its own: pointing a trigger at another
        template would let its user edit it, and delete it with the trigger."""
        saved = self.env.ref("natero_mail_trigger.mail_template_trigger_inactive")
        Trigger = self.Trigger.with_user(self.owner)
        trigger = Trigger.create(
            {"name": "Tip", "email_from": "cs@test.example.com", "subject": "Hello"}
        )
        with self.assertRaises(UserError):
            trigger.write({"mail_template_id": saved.id})
        taken = Trigger.create(
            {
                "name": "Taker",
                "email_from": "cs@test.example.com",
                "subject": "Hello",
                "mail_template_id": saved.id,
            }
        )
        self.assertNotEqual(taken.mail_template_id, saved)
        (trigger | taken).unlink()
        self.assertTrue(saved.exists())

    def test_secret_not_rendered_for_a_non_editor(self):
        """The attack end to end: save, then Preview and Send test."""
        secret = self.env["ir.config_parameter"].sudo().get_param("database.secret")
        with self.assertRaises(AccessError):
            trigger = self.Trigger.with_user(self.reviewer).create(
                {
                    "name": "Leak",
                    "email_from": "cs@test.example.com",
                    "subject": "Hello",
                    "body_html": SECRET_BODY,
                }
            )
            wizard = self.preview(trigger, self.user_1, user=self.reviewer)
            self.assertNotIn(secret, wizard.body_html or "")

    def preview(self, trigger, partner, user):
        return (
            self.env["natero.trigger.preview"]
            .with_user(user)
            .create({"trigger_id": trigger.id, "partner_id": partner.id})
        )

    @mute_logger("odoo.addons.natero_mail_trigger.models.natero_trigger")
    def test_preview_renders_only_allowed_contacts(self):
        trigger = self.make_trigger()
        # a contact of another company, that the user cannot read
        wizard = self.preview(trigger, self.company_2_partner, user=self.reviewer)
        self.assertFalse(wizard.subject)
        self.assertNotIn("Other Company", wizard.body_html or "")
        self.assertTrue(wizard.error)
        # a user of both companies: still not a contact of the trigger's company
        self.owner.company_ids = [(4, self.company_2.id)]
        owner_env = self.env(
            user=self.owner,
            context=dict(
                self.env.context,
                allowed_company_ids=[self.owner.company_id.id, self.company_2.id],
            ),
        )
        wizard = owner_env["natero.trigger.preview"].create(
            {"trigger_id": trigger.id, "partner_id": self.company_2_partner.id}
        )
        self.assertFalse(wizard.subject)
        self.assertTrue(wizard.error)
        with self.mock_mail_gateway(), self.assertRaises(UserError):
            wizard.action_send_test()
        self.assertFalse(self._new_mails)
        # a contact of the trigger's company renders
        wizard = self.preview(trigger, self.user_1, user=self.reviewer)
        self.assertEqual(wizard.subject, "Hello User 1 of Acme")

    def test_send_test_goes_to_me_only(self):
        trigger = self.make_trigger()
        wizard = self.preview(trigger, self.user_1, user=self.reviewer)
        wizard.write({"test_email_to": "attacker@evil.example.com"})
        with self.mock_mail_gateway():
            wizard.action_send_test()
        self.assertEqual(len(self._new_mails), 1)
        self.assertEqual(self._new_mails.email_to, self.reviewer.email_formatted)
        self.assertNotIn("evil.example.com", self._new_mails.email_to)


@tagged("post_install", "-at_install")
class TestTriggerCompanySecurity(TriggerCommon):
    """Issue 10 item 5 (triggers): usage events and usage rules stay inside
    their company."""

    def test_usage_events_resolve_within_their_company(self):
        self.user_1.write({"ref": "U-1", "company_id": self.company_admin.id})
        self.account.write({"ref": "ACME", "company_id": self.company_admin.id})
        events = (
            self.env["natero.usage.event"]
            .with_company(self.company_2)
            .create(
                [
                    {
                        "name": "login",
                        "user_email": self.user_1.email,
                        "company_id": self.company_2.id,
                    },
                    {
                        "name": "login",
                        "user_ref": "U-1",
                        "account_ref": "ACME",
                        "company_id": self.company_2.id,
                    },
                ]
            )
        )
        self.assertFalse(events.partner_id)
        self.assertFalse(events.account_id)
        # within company 1 they resolve
        event = self.env["natero.usage.event"].create(
            {
                "name": "login",
                "user_ref": "U-1",
                "company_id": self.company_admin.id,
            }
        )
        self.assertEqual(event.partner_id, self.user_1)
        self.assertEqual(event.account_id, self.account)
        # and a given contact of another company is refused
        with self.assertRaises(UserError):
            self.env["natero.usage.event"].create(
                {
                    "name": "login",
                    "partner_id": self.user_1.id,
                    "company_id": self.company_2.id,
                }
            )

    def test_usage_rules_of_another_company_are_hidden(self):
        trigger_c2 = self.make_trigger(
            name="C2",
            company_id=self.company_2.id,
            usage_rule_ids=[(0, 0, {"event_name": "login", "count": 1})],
        )
        Rule = self.env["natero.trigger.usage.rule"].with_user(self.reviewer)
        self.assertFalse(Rule.search([("trigger_id", "=", trigger_c2.id)]))
        with self.assertRaises(AccessError):
            Rule.browse(trigger_c2.usage_rule_ids.ids).write({"count": 0})
        with self.assertRaises(AccessError):
            Rule.create({"trigger_id": trigger_c2.id, "event_name": "x"})

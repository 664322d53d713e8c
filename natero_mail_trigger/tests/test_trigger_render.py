# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from odoo.addons.natero_mail_trigger.models.natero_trigger_links import (
    UNSUBSCRIBE_PLACEHOLDER,
)

from .common import TriggerCommon

# bodies that Odoo renders with QWeb (not its regex path), none keeping state
BODIES = {
    "data template": "natero_mail_trigger.mail_template_trigger_inactive",
    "conditions, links, attributes": """<div>
    <p>Hello <t t-out="object.name or ''"/>,</p>
    <p t-if="object.natero_role == 'admin'">As an admin,
       <a href="https://product.example.com/invite">invite</a> your team.</p>
    <p t-else="">Ask <t t-esc="object.commercial_partner_id.name"/>'s admin.</p>
    <a t-attf-href="https://example.com/u/{{ object.id }}">you</a>
    <a href="/web/login">a local link, made absolute by Odoo</a>
    <a t-att-href="unsubscribe_url">Unsubscribe</a>
</div>""",
    "text around, comment, accents": """  Bonjour <t t-out="object.name or ''"/>
<!-- a comment --> été, <b>&amp;</b> <t t-out="trigger.name"/>
  """,
    "table": """<table><tr><td><t t-out="object.display_name"/></td></tr>
<tr><td style="color: red;">x</td></tr></table>""",
    "several roots, escaping": "<p t-out=\"object.name or ''\"/><p>x</p>"
    "<span t-out=\"object.comment or 'none'\"/>",
}


@tagged("post_install", "-at_install")
class TestTriggerRender(TriggerCommon):
    """A list's body is compiled once (``natero_trigger_render.py``) and must
    give, contact by contact, what Odoo's ``_render_field`` gives: when Odoo's
    QWeb rendering changes, these tests say whether the batch still agrees."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.user_2.write({"name": 'Zoë <b>"&', "lang": "fr_FR", "comment": "<i>"})
        cls.user_3.natero_role = "admin"

    def odoo_render(self, trigger, partner_ids):
        """Odoo's own rendering, body compiled per contact."""
        return trigger.mail_template_id._render_field(
            "body_html",
            partner_ids,
            compute_lang=True,
            add_context={
                "unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER,
                "trigger": trigger,
            },
        )

    def body_of(self, source):
        if source.startswith("natero_mail_trigger."):
            return self.env.ref(source).body_html
        return source

    def test_batch_renders_as_odoo(self):
        ids = self.users.ids
        for name, source in BODIES.items():
            with self.subTest(body=name):
                trigger = self.make_trigger(body_html=self.body_of(source))
                template = trigger.mail_template_id
                self.assertTrue(trigger._can_render_batch(template, ids))
                expected = self.odoo_render(trigger, ids)
                batch = trigger._render_body_batch(
                    template,
                    ids,
                    {"unsubscribe_url": UNSUBSCRIBE_PLACEHOLDER, "trigger": trigger},
                )
                self.assertEqual(batch, expected)
                self.assertEqual(
                    {pid: body for pid, (__, body) in trigger._render(ids).items()},
                    expected,
                )
                self.assertIn("Zoë &lt;b&gt;&#34;&amp;", expected[self.user_2.id])

    def test_stateful_body_rendered_contact_by_contact(self):
        """A variable set for one contact is never seen in another's email."""
        trigger = self.make_trigger(
            body_html="""<div>
    <t t-if="object.natero_role == 'admin'">
        <t t-set="secret" t-value="object.email"/>
    </t>
    <p>Secret: <t t-out="secret"/> of <t t-out="object.name or ''"/></p>
</div>"""
        )
        ids = (self.user_1 | self.user_2).ids
        self.assertFalse(trigger._can_render_batch(trigger.mail_template_id, ids))
        rendered = trigger._render(ids)
        self.assertEqual(
            {pid: body for pid, (__, body) in rendered.items()},
            self.odoo_render(trigger, ids),
        )
        self.assertIn(self.user_1.email, rendered[self.user_1.id][1])
        self.assertNotIn(self.user_1.email, rendered[self.user_2.id][1])

    def test_document_rendered_contact_by_contact(self):
        """A whole HTML document is parsed by Odoo otherwise than a fragment:
        it is rendered as Odoo renders it, contact by contact."""
        trigger = self.make_trigger(
            body_html="""<html><head><style>p { color: red; }</style></head><body>
<p><t t-out="object.email or ''"/></p></body></html>"""
        )
        ids = self.users.ids
        self.assertFalse(trigger._can_render_batch(trigger.mail_template_id, ids))
        self.assertEqual(
            {pid: body for pid, (__, body) in trigger._render(ids).items()},
            self.odoo_render(trigger, ids),
        )

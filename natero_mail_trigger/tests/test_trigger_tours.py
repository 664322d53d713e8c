# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""An email trigger made and followed in a real browser (issue 13).

The tours are in ``static/tests/tours/natero_trigger_flow_tours.js``; each
test runs one as a user would (HttpCase.start_tour: headless Chromium; Odoo
skips these tests when no browser is installed), then checks on the server
what the user's clicks and keystrokes saved. ``setup/screenshots`` runs the
same tests to take the README's screenshots.
"""

import re
from datetime import datetime, timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import html2plaintext

from odoo.addons.natero_mail_trigger.models.natero_trigger_send import engine


def text_of(html):
    return re.sub(r"\s+", " ", html2plaintext(html or "")).strip()


@tagged("post_install", "-at_install", "natero_tours")
class TestTriggerTours(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.admin.write({"email": "admin@example.com", "tz": "Europe/Oslo"})
        Partner = cls.env["res.partner"]
        # the only product users: the rule editor counts 2 candidates
        Partner.search([("natero_product_user", "=", True)]).natero_product_user = False
        cls.account = Partner.create({"name": "Lovelace Ltd", "is_company": True})
        cls.ada, cls.bob = Partner.create(
            [
                {
                    "name": "Ada Admin",
                    "email": "ada@lovelace.example.com",
                    "function": "CTO",
                    "parent_id": cls.account.id,
                    "natero_product_user": True,
                },
                {
                    "name": "Bob Builder",
                    "email": "bob@lovelace.example.com",
                    "parent_id": cls.account.id,
                    "natero_product_user": True,
                },
            ]
        )

    def test_create_trigger_with_variables(self):
        """Four steps, a variable from the placeholder tool, saved, edited and
        saved twice through the real editor, previewed, tested, activated."""
        self.start_tour(
            "/odoo/action-natero_mail_trigger.natero_trigger_action",
            "natero_trigger_create",
            login="admin",
        )
        trigger = self.env["natero.trigger"].search([("name", "=", "Welcome tip")])
        self.assertEqual(len(trigger), 1)
        self.assertEqual(trigger.state, "active")
        self.assertTrue(trigger.include_product_users)
        self.assertTrue(trigger.never_retrigger)
        self.assertEqual(trigger.subject, "A tip for you")
        body = str(trigger.body_html)
        # the editor kept the placeholders as QWeb, with their defaults
        self.assertRegex(body, r'<t t-out="object\.name"[^>]*>there</t>')
        self.assertRegex(body, r'<t t-out="object\.function"[^>]*>a valued user</t>')
        # the email as sent: each variable's value, and the words after it
        rendered = trigger._render([self.ada.id, self.bob.id])
        ada_text = text_of(rendered[self.ada.id][1])
        self.assertIn("Hi Ada Admin,", ada_text)
        self.assertIn("Your role: CTO, glad to have you aboard.", ada_text)
        self.assertIn("Unsubscribe", ada_text)
        bob_text = text_of(rendered[self.bob.id][1])
        self.assertIn("Your role: a valued user, glad to have you aboard.", bob_text)
        self.assertNotIn("t-out", rendered[self.ada.id][1])

    def test_details(self):
        """Cards, chart, table with percent signs, drill-down with reasons."""
        trigger = self.env["natero.trigger"].create(
            {
                "name": "Onboarding tips",
                "subject": "Tips for {{ object.name }}",
                "include_product_users": True,
                "user_id": self.admin.id,
            }
        )
        trigger.action_activate()
        today = fields.Date.context_today(trigger.with_context(tz="Europe/Oslo"))
        Partner = self.env["res.partner"]
        people = Partner.create(
            [
                {"name": f"Reader {index}", "email": f"reader{index}@example.com"}
                for index in range(6)
            ]
        )
        now = datetime.now()
        rows = []
        for day_offset, partners in ((2, people[:2]), (1, people[2:6])):
            day = today - timedelta(days=day_offset)
            for partner in partners:
                rows.append(
                    {
                        "trigger_id": trigger.id,
                        "partner_id": partner.id,
                        "email": partner.email,
                        "local_day": day,
                        "state": "sent",
                        "sent_at": now,
                    }
                )
        rows[0].update(opened_at=now, clicked_at=now)
        rows[2].update(opened_at=now)
        rows[3].update(opened_at=now, clicked_at=now)
        rows[5].update(
            state="failed",
            failure_reason="Connection refused",
            sent_at=False,
            failed_at=now,
        )
        engine(self.env["natero.trigger.send"]).create(rows)
        self.start_tour(
            "/odoo/action-natero_mail_trigger.natero_trigger_action",
            "natero_trigger_details",
            login="admin",
        )

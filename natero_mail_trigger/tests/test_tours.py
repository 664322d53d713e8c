# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Screens of natero_mail_trigger walked in a real browser (issue 13).

The tours are in ``static/tests/tours/``; each test runs one as a user would
(HttpCase.start_tour: headless Chromium; Odoo skips these tests when no
browser is installed).  ``setup/screenshots`` runs the same tests to take
the README's screenshots: steps made by ``screenshot(name)``
(``natero_tour_utils.js``) save ``docs/screens/<name>.png``.
"""

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install", "natero_tours")
class TestTriggerTours(HttpCase):
    def test_settings_beside_email_log(self):
        """The inactivity setting has its own Settings page, not CRM's."""
        self.start_tour(
            "/odoo/action-natero_mail_trigger.natero_trigger_settings_action",
            "natero_mail_trigger_settings",
            login="admin",
        )

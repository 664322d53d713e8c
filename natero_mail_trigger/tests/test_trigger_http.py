# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import date

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.natero_mail_trigger.models.natero_trigger_send import engine


@tagged("post_install", "-at_install")
class TestTriggerHttp(HttpCase):
    """T6 unsubscribe routes and T1 usage events endpoint, over real HTTP."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner = cls.env["res.partner"].create(
            {"name": "Una", "email": "una@example.com", "natero_product_user": True}
        )
        cls.trigger = cls.env["natero.trigger"].create(
            {
                "name": "Tip",
                "email_from": "cs@example.com",
                "subject": "Tip",
                "include_product_users": True,
            }
        )
        cls.send = engine(cls.env["natero.trigger.send"]).create(
            {
                "trigger_id": cls.trigger.id,
                "partner_id": cls.partner.id,
                "email": "una@example.com",
                "local_day": date(2025, 1, 6),
                "state": "sent",
            }
        )
        cls.url = cls.trigger._get_unsubscribe_url(cls.send).replace(
            cls.trigger.get_base_url(), ""
        )
        cls.Blacklist = cls.env["mail.blacklist"]

    def blacklisted(self):
        return bool(self.Blacklist.search([("email", "=", "una@example.com")]))

    def test_unsubscribe_get_only_confirms(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("natero_unsubscribe_confirm", response.text)
        self.assertIn("una@example.com", response.text)
        self.assertFalse(self.blacklisted())
        self.assertFalse(self.send.unsubscribed_at)

    def test_unsubscribe_post_blacklists(self):
        # RFC 8058 one-click: a POST without session nor CSRF token
        response = self.url_open(self.url, data={"List-Unsubscribe": "One-Click"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("natero_unsubscribe_done", response.text)
        self.assertTrue(self.blacklisted())
        self.assertTrue(self.send.unsubscribed_at)
        # twice is harmless
        response = self.url_open(self.url, data={"List-Unsubscribe": "One-Click"})
        self.assertEqual(response.status_code, 200)

    def test_unsubscribe_bad_token_refused(self):
        bad = self.url[:-3] + "abc"
        for data in (None, {"List-Unsubscribe": "One-Click"}):
            response = self.url_open(bad, data=data)
            self.assertEqual(response.status_code, 404)
            self.assertIn("natero_unsubscribe_invalid", response.text)
        other_row = (
            f"/natero/unsubscribe/{self.send.id + 1}/{self.url.rsplit('/', 1)[1]}"
        )
        self.assertEqual(self.url_open(other_row, data={"x": "1"}).status_code, 404)
        self.assertFalse(self.blacklisted())

    def post_events(self, payload, key=None, raw=None):
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return self.opener.post(
            f"{self.base_url()}/natero/usage/events",
            data=raw if raw is not None else json.dumps(payload),
            headers=headers,
            timeout=12,
        )

    @mute_logger("odoo.addons.natero_mail_trigger.controllers.usage")
    def test_usage_events_endpoint(self):
        key_record = self.env["natero.trigger.api.key"].create({"name": "Product"})
        key = key_record.action_generate_key()["context"]["default_key"]
        Event = self.env["natero.usage.event"]
        good = {
            "events": [
                {
                    "name": "report_run",
                    "user_email": "una@example.com",
                    "time": "2025-01-06T10:00:00+01:00",
                    "properties": {"report": "churn"},
                },
                {"name": "login", "user_ref": "unknown-7"},
            ]
        }
        # authentication
        response = self.post_events(good)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "unauthorized")
        self.assertEqual(self.post_events(good, key=key + "x").status_code, 401)
        # bad input: clear 4xx, nothing recorded
        response = self.post_events(None, key=key, raw="{not json")
        self.assertEqual(
            (response.status_code, response.json()["error"]), (400, "invalid_json")
        )
        bad = {"events": [good["events"][0], {"user_email": "a@b.c"}, {"name": "x"}]}
        response = self.post_events(bad, key=key)
        self.assertEqual(response.status_code, 400)
        body = response.json()
        self.assertEqual(body["error"], "invalid_events")
        self.assertEqual([d["index"] for d in body["details"]], [1, 2])
        self.assertFalse(Event.search([("api_key_id", "=", key_record.id)]))
        self.assertEqual(self.post_events({"events": []}, key=key).status_code, 400)
        # a good batch
        response = self.post_events(good, key=key)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"created": 2, "matched": 1, "unmatched": 1})
        events = Event.search([("api_key_id", "=", key_record.id)], order="id")
        self.assertEqual(events[0].partner_id, self.partner)
        self.assertEqual(str(events[0].time), "2025-01-06 09:00:00")
        self.assertEqual(events[0].properties, {"report": "churn"})
        self.assertEqual(events[1].user_ref, "unknown-7")
        self.assertTrue(key_record.last_used_at)
        # the key may also come in X-Natero-Api-Key
        response = self.opener.post(
            f"{self.base_url()}/natero/usage/events",
            data=json.dumps([{"name": "x", "user_email": "una@example.com"}]),
            headers={"X-Natero-Api-Key": key},
            timeout=12,
        )
        self.assertEqual(response.status_code, 200)

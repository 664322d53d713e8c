# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import csv
import hashlib
import hmac
import io
import json
from datetime import date, datetime

from odoo.tests import HttpCase, tagged

from odoo.addons.natero_mail_trigger.controllers.tracking import PIXEL
from odoo.addons.natero_mail_trigger.models.natero_trigger_send import engine

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
GOOGLE_PROXY = (
    "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 "
    "(via ggpht.com GoogleImageProxy)"
)


@tagged("post_install", "-at_install")
class TestTriggerTracking(HttpCase):
    """T7 open pixel, click redirect, unsubscribe and CSV export, over HTTP:
    good token, bad token, replay, unknown id."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.ann, cls.bob = Partner.create(
            [
                {"name": "Ann", "email": "ann@example.com"},
                {"name": "Bob", "email": "bob@example.com"},
            ]
        )
        cls.trigger = cls.env["natero.trigger"].create(
            {"name": "Tip", "email_from": "cs@example.com", "subject": "Tip"}
        )
        cls.send_ann, cls.send_bob = engine(cls.env["natero.trigger.send"]).create(
            [
                {
                    "trigger_id": cls.trigger.id,
                    "partner_id": partner.id,
                    "email": partner.email,
                    "local_day": date(2025, 1, 6),
                    "state": "sent",
                    "queued_at": datetime(2025, 1, 6, 9, 0),
                    "sent_at": datetime(2025, 1, 6, 9, 0, 5),
                }
                for partner in (cls.ann, cls.bob)
            ]
        )
        cls.link, cls.other_link = cls.env["link.tracker"].create(
            [
                {"url": "https://product.example.com/docs", "title": "Docs"},
                {"url": "https://evil.example.com/", "title": "Other"},
            ]
        )
        base = cls.trigger.get_base_url()
        opens, clicks = cls.trigger._get_tracking_urls(
            cls.send_ann | cls.send_bob,
            {(cls.send_ann.id, cls.link.id), (cls.send_bob.id, cls.link.id)},
        )
        cls.open_ann = opens[cls.send_ann.id].replace(base, "")
        cls.open_bob = opens[cls.send_bob.id].replace(base, "")
        cls.click_ann = clicks[cls.send_ann.id, cls.link.id].replace(base, "")

    def get(self, url, agent=FIREFOX):
        return self.url_open(url, headers={"User-Agent": agent}, allow_redirects=False)

    def refresh(self):
        self.env.invalidate_all()

    # ------------------------------------------------------------------ open

    def test_open_pixel_sets_opened_once(self):
        response = self.get(self.open_ann)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, PIXEL)
        self.assertEqual(response.headers["Content-Type"], "image/gif")
        self.refresh()
        first = self.send_ann.opened_at
        self.assertTrue(first)
        self.assertFalse(self.send_ann.auto_opened_at)
        # replay: counted, the first open time is kept
        self.get(self.open_ann)
        self.refresh()
        self.assertEqual(self.send_ann.opened_at, first)
        self.assertEqual(self.send_ann.open_count, 2)

    def test_automated_open_kept_apart(self):
        self.get(self.open_bob, agent=GOOGLE_PROXY)
        self.get(self.open_bob, agent="Mozilla/5.0")  # Apple Mail Privacy Protection
        self.refresh()
        self.assertFalse(self.send_bob.opened_at)
        self.assertTrue(self.send_bob.auto_opened_at)
        self.assertEqual(self.send_bob.auto_open_reason, "proxy")
        self.assertEqual(self.send_bob.open_count, 2)
        # then the person opens it: a human open
        self.get(self.open_bob)
        self.refresh()
        self.assertTrue(self.send_bob.opened_at)

    def test_open_bad_token_and_unknown_id_look_the_same(self):
        bad_token = self.open_ann.replace("/blank.gif", "x/blank.gif")
        unknown = self.open_ann.replace(
            f"/open/{self.send_ann.id}/", f"/open/{self.send_ann.id + 1000}/"
        )
        other_row = self.open_ann.replace(
            f"/open/{self.send_ann.id}/", f"/open/{self.send_bob.id}/"
        )
        answers = {
            url: (response.status_code, response.content)
            for url in (bad_token, unknown, other_row, self.open_ann)
            for response in [self.get(url)]
        }
        self.assertEqual(len(set(answers.values())), 1, answers)
        self.refresh()
        self.assertFalse(self.send_bob.opened_at)
        self.assertEqual(self.send_bob.open_count, 0)

    # ----------------------------------------------------------------- click

    def test_click_redirects_and_records_once(self):
        response = self.get(self.click_ann)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            response.headers["Location"], "https://product.example.com/docs"
        )
        self.refresh()
        first = self.send_ann.clicked_at
        self.assertTrue(first)
        # a click is a human open too (images may be blocked)
        self.assertTrue(self.send_ann.opened_at)
        clicks = self.env["link.tracker.click"].search(
            [("natero_trigger_send_id", "=", self.send_ann.id)]
        )
        self.assertEqual(clicks.link_id, self.link)
        self.assertEqual(self.link.count, 1)
        # replay
        self.assertEqual(self.get(self.click_ann).status_code, 302)
        self.refresh()
        self.assertEqual(self.send_ann.clicked_at, first)
        self.assertEqual(self.send_ann.click_count, 2)
        self.assertEqual(self.link.count, 2)

    def test_click_refused_without_revealing_anything(self):
        send_id, link_id = self.send_ann.id, self.link.id
        bad_token = self.click_ann[:-2] + "xx"
        unknown_send = self.click_ann.replace(
            f"/click/{send_id}/", f"/click/{send_id + 1000}/"
        )
        # a valid token for one link does not open another (no open redirect)
        other_link = self.click_ann.replace(
            f"/{send_id}/{link_id}/", f"/{send_id}/{self.other_link.id}/"
        )
        answers = set()
        for url in (bad_token, unknown_send, other_link):
            response = self.get(url)
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("Location", response.headers)
            answers.add(response.status_code)
        self.assertEqual(answers, {404})
        # a signed URL of a deleted link: the same 404
        self.link.unlink()
        self.assertEqual(self.get(self.click_ann).status_code, 404)
        self.refresh()
        self.assertFalse(self.send_ann.clicked_at)
        self.assertFalse(
            self.env["link.tracker.click"].search_count(
                [("natero_trigger_send_id", "=", send_id)]
            )
        )

    # ------------------------------------------------------- links already sent

    def test_links_of_sent_emails_stay_valid(self):
        """The token format of links in emails already sent, written out here
        as 18.0.1.1.0 signed them: URL-safe base64 (no padding) of
        HMAC-SHA256(natero_mail_trigger.secret, compact JSON [purpose, database,
        ids...]). Changing it would break every open, click and unsubscribe
        link in people's mailboxes."""
        secret = "a secret of an older release"
        self.env["ir.config_parameter"].set_param("natero_mail_trigger.secret", secret)
        dbname = self.env.cr.dbname

        def signed(purpose, *values):
            message = json.dumps([purpose, dbname, *values], separators=(",", ":"))
            digest = hmac.new(secret.encode(), message.encode(), hashlib.sha256)
            return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()

        ann, link = self.send_ann.id, self.link.id
        self.get(f"/natero/track/open/{ann}/{signed('open', ann)}/blank.gif")
        response = self.get(
            f"/natero/track/click/{ann}/{link}/{signed('click', ann, link)}"
        )
        self.assertEqual(response.status_code, 302)
        response = self.url_open(
            f"/natero/unsubscribe/{ann}/{signed('unsubscribe', ann)}",
            data={"List-Unsubscribe": "One-Click"},
        )
        self.assertEqual(response.status_code, 200)
        self.refresh()
        self.assertTrue(self.send_ann.opened_at)
        self.assertTrue(self.send_ann.clicked_at)
        self.assertTrue(self.send_ann.unsubscribed_at)
        # and the links signed now are the same
        self.assertEqual(
            self.trigger._unsubscribe_token(ann), signed("unsubscribe", ann)
        )

    # ----------------------------------------------------------- unsubscribe

    def test_unsubscribe_bad_token_and_unknown_id_look_the_same(self):
        Trigger = self.env["natero.trigger"]
        good = Trigger.browse(self.trigger.id)._get_unsubscribe_url(self.send_ann)
        good = good.replace(self.trigger.get_base_url(), "")
        unknown_id = self.send_ann.id + 1000
        unknown = f"/natero/unsubscribe/{unknown_id}/" + Trigger._unsubscribe_token(
            unknown_id
        )
        bad = good[:-2] + "xx"
        pages = []
        for url in (bad, unknown):
            response = self.url_open(url, data={"List-Unsubscribe": "One-Click"})
            self.assertEqual(response.status_code, 404)
            pages.append(response.text)
        self.assertEqual(pages[0], pages[1])
        # good token, twice (replay): one blacklist entry, the first time kept
        for __ in range(2):
            response = self.url_open(good, data={"List-Unsubscribe": "One-Click"})
            self.assertEqual(response.status_code, 200)
        self.refresh()
        self.assertTrue(self.send_ann.unsubscribed_at)
        self.assertEqual(
            self.env["mail.blacklist"].search_count(
                [("email", "=", "ann@example.com")]
            ),
            1,
        )

    # ------------------------------------------------------------------- CSV

    def test_csv_export_of_a_number(self):
        self.get(self.click_ann)
        self.authenticate("admin", "admin")
        response = self.url_open(
            f"/natero/trigger/sends.csv?trigger_id={self.trigger.id}"
            "&day=2025-01-06&measure=clicked"
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("text/csv", response.headers["Content-Type"])
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows[0][:4], ["Day", "Trigger", "User", "Email"])
        self.assertEqual([row[3] for row in rows[1:]], ["ann@example.com"])
        response = self.url_open(
            f"/natero/trigger/sends.csv?trigger_id={self.trigger.id}&measure=recipients"
        )
        emails = sorted(
            row[3]
            for row in list(
                csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
            )[1:]
        )
        self.assertEqual(emails, ["ann@example.com", "bob@example.com"])
        self.assertEqual(
            self.url_open(
                f"/natero/trigger/sends.csv?trigger_id={self.trigger.id}&measure=nope"
            ).status_code,
            404,
        )
        # the stat form's button points to the same export
        stat = self.env["natero.trigger.stat"].search(
            [("trigger_id", "=", self.trigger.id)]
        )
        action = stat.with_context(natero_measure="clicked").action_export_csv()
        self.assertIn("measure=clicked", action["url"])
        self.assertIn("day=2025-01-06", action["url"])

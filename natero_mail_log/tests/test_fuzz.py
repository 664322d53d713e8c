# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""L7: malformed mail never breaks the gateway and is never lost.

At least 10 000 malformed, truncated, mis-encoded, header-injected and
oversized emails go through Odoo's gateway: every one must end as a log row
with a final state and a reason, and none may raise.
"""

import logging
import random
from collections import Counter

from odoo.tests import tagged

from .common import NateroLogCase

_logger = logging.getLogger(__name__)

FUZZ_COUNT = 10_000

BASES = [
    "From: Sam Seller <{seller}>\nTo: Bob <bob@acme.example>\nSubject: Offer {n}\n"
    "Date: Mon, 16 Nov 2026 09:12:00 +0100\nMessage-ID: <fuzz-{n}@vendor.example>\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\nHello Bob, {n}\n",
    "From: {seller}\nTo: {log}\nSubject: Fwd: Question {n}\nMessage-ID: <fz{n}@v>\n"
    "Content-Type: text/html; charset=iso-8859-1\n\n<p>FYI</p><div>---------- "
    "Forwarded message ---------<br>From: Kate &lt;kate@acme.example&gt;<br>"
    "Date: Tue, Nov 17, 2026 at 11:40 AM<br>Subject: Question<br>To: {seller}"
    "</div><p>Caf\xe9?</p>\n",
    "From: {seller}\nTo: kate@acme.example\nSubject: Files {n}\nMIME-Version: 1.0\n"
    'Content-Type: multipart/mixed; boundary="B{n}"\n\n--B{n}\n'
    "Content-Type: text/plain\n\nSee attached.\n--B{n}\n"
    "Content-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n"
    "\nJVBERi0xLjQK\n--B{n}--\n",
]


def mutate(rng, text):
    """One random kind of damage, as real mail servers and clients produce."""
    data = text.encode("latin-1", "replace")
    kind = rng.randrange(9)
    if kind == 0:  # truncated anywhere
        return data[: rng.randrange(len(data) + 1)], "truncated"
    if kind == 1:  # random bytes flipped
        data = bytearray(data)
        for _i in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data), "flipped"
    if kind == 2:  # wrong or unknown charset
        charset = rng.choice(["utf-16", "x-unknown", "utf-7", "gb2312", ""])
        return data.replace(b"charset=utf-8", f"charset={charset}".encode()), "charset"
    if kind == 3:  # header injection: CR/LF and NUL inside header values
        evil = rng.choice(["\r\nBcc: victim@x.example", "\x00", "\rX: y", "\n\n"])
        return data.replace(b"Subject: ", f"Subject: a{evil}b ".encode()), "injected"
    if kind == 4:  # huge header
        return b"X-Long: " + b"a" * rng.randint(1000, 200_000) + b"\n" + data, "long"
    if kind == 5:  # broken MIME structure
        return data.replace(b"boundary=", b'boundary="').replace(
            b"--B", b"-B"
        ) + b"\n--\n", "mime"
    if kind == 6:  # binary junk body
        return data.split(b"\n\n")[0] + b"\n\n" + rng.randbytes(
            rng.randint(1, 4000)
        ), "junk"
    if kind == 7:  # encoded words gone wrong
        return data.replace(
            b"Subject: ", b"Subject: =?utf-8?B?////?= =?x?Q?=ZZ?= "
        ), "words"
    # garbage from the first byte (no headers at all)
    return rng.randbytes(rng.randint(0, 500)), "garbage"


@tagged("post_install", "-at_install", "natero_mail_log", "natero_fuzz")
class TestGatewayFuzz(NateroLogCase):
    def test_ten_thousand_malformed_emails(self):
        rng = random.Random(20261123)
        thread = self.env["mail.thread"].sudo()
        kinds = Counter()
        oversize = 0
        for n in range(FUZZ_COUNT):
            base = rng.choice(BASES).format(
                n=n, seller=self.seller.email, log=self.log_address
            )
            raw, kind = mutate(rng, base)
            if n % 1000 == 0:  # a few oversized bodies (L7)
                raw += b"\n" + b"x" * (self.company.natero_log_max_body_size + 10)
                oversize += 1
            kinds[kind] += 1
            # The MTA's envelope header comes first, whatever the damage.
            result = thread.message_process(
                False, f"Delivered-To: {self.log_address}\n".encode() + raw
            )
            self.assertTrue(result, f"email {n} ({kind}) was not stored")
        logs = self.env["natero.mail.log"].search([])
        self.assertEqual(len(logs), FUZZ_COUNT, "every email is kept")
        self.env["natero.mail.log"]._process_pending()
        states = Counter(logs.mapped("state"))
        tally = ", ".join(f"{k}: {v}" for k, v in sorted(states.items()))
        damage = ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items()))
        _logger.info(
            "fuzz tally over %s emails: %s (damage: %s)", len(logs), tally, damage
        )
        errors = Counter(
            (log.reason or "").split("\n")[0][:60]
            for log in logs
            if log.state == "error"
        )
        _logger.info("fuzz error reasons: %s", errors.most_common(8))
        self.assertNotIn("pending", states)
        self.assertFalse(logs.filtered(lambda log: not log.reason), "each has a reason")
        self.assertTrue(all(log.raw_size for log in logs), "raw mail kept")
        self.assertGreater(states["logged"], 0)

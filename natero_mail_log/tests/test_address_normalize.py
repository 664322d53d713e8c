# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import random

from odoo.tests import tagged
from odoo.tools import email_normalize

from ..tools import addresses
from .common import NateroLogCase

# Hand-picked inputs: case, non-ASCII local parts, IDNA and unicode domains,
# quoted local parts, names, comments, groups, several addresses, junk.
INPUTS = [
    "John Doe <John.Doe@Acme.COM>",
    "Jöhn@acme.example",
    "Jöhn <Jöhn@Example.COM>",
    "JÖHN@EXAMPLE.COM",
    "José.Pérez@Correo.ES",
    "用户@例子.广告",
    "x@ΔΕΖ.GR",
    "Jörg <jörg@BÜCHER.de>",
    "x@XN--BCHER-KVA.example",
    "İ@x.com",
    "ß@X.com",
    '"john doe"@Example.com',
    '"John.Doe"@EXAMPLE.com',
    '"bob@old.example" <bob@new.example>',
    '"O\'Neil, Pat" <Pat.ONeil@X.org>',
    "o'brien@example.ie",
    "MAILER-DAEMON@b-s-c.co.jp (Mail Delivery System)",
    "MAILER-DAEMON <>",
    "foo (f@x.com)",
    "(comment) a@x.com",
    "John Doe john@x.com",
    "a b c@x.com d",
    "a@x.com, b@y.com",
    "a@x.com;b@y.com",
    "Group: A@B.com, c@D.com;",
    "Undisclosed recipients:;",
    "mailto:link@example.org",
    "=?utf-8?q?J=C3=B6rg?= <jorg@example.de>",
    "@gmail.com",
    "A B <@x.com>",
    "abc@def@ghi.com",
    "x@[1.2.3.4]",
    "a@b",
    "john@",
    "<>",
    "not an address",
    "",
    "  spaced@X.com  ",
    "a+tag@X.com",
]
# Well-formed header values holding one address.
HEADERS = [
    "John Doe <John.Doe@Acme.COM>",
    "Jöhn@acme.example",
    "Jöhn <Jöhn@Example.COM>",
    '"Jöhn, Doe" <JÖHN@EXAMPLE.COM>',
    "José.Pérez@Correo.ES",
    "用户@例子.广告",
    "x@ΔΕΖ.GR",
    "Jörg <jörg@BÜCHER.de>",
    "x@XN--BCHER-KVA.example",
    '"O\'Neil, Pat" <Pat.ONeil@X.org>',
    "MAILER-DAEMON@b-s-c.co.jp (Mail Delivery System)",
    "=?utf-8?q?J=C3=B6rg?= <jorg@example.de>",
    "a+tag@X.com",
]
ALPHABET = list('aBöÖ@.- <>",;()É߀İ:\\[]+') + ["x.com", "é@Ex.COM", "Jöhn"]


@tagged("post_install", "-at_install", "natero_mail_log")
class TestAddressNormalize(NateroLogCase):
    """L3: addresses are normalised exactly as Odoo's email_normalize does,
    so a contact whose stored address has a non-ASCII local part is matched
    (issue 11, item 2)."""

    def _inputs(self):
        rng = random.Random(11)
        fuzz = [
            "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14)))
            for _ in range(2000)
        ]
        return INPUTS + fuzz

    def test_normalize_agrees_with_odoo(self):
        differ = []
        for value in self._inputs():
            for strict in (False, True):
                odoo = email_normalize(value, strict=strict) or ""
                ours = addresses.normalize(value, strict=strict)
                if ours != odoo:
                    differ.append((value, strict, odoo, ours))
        self.assertEqual(differ, [])

    def test_header_addresses_in_odoos_form(self):
        """split() reads headers its own way but gives Odoo's form."""
        for value in HEADERS:
            self.assertEqual(addresses.split(value), [email_normalize(value)], value)

    def test_non_ascii_local_part_finds_existing_contact(self):
        johns = self.env["res.partner"].create(
            {"name": "Jöhn", "email": "Jöhn@acme.example", "parent_id": self.acme.id}
        )
        self.assertEqual(johns.email_normalized, "Jöhn@acme.example")
        log = self.bcc("Offer", to="Jöhn <Jöhn@acme.example>")
        self.assertEqual(log.state, "logged", log.reason)
        self.assertEqual(log.partner_ids, johns | self.acme)
        self.assertTrue(self.logged_on(johns))
        same = self.env["res.partner"].search([("email", "ilike", "@acme.example")])
        same = same.filtered(lambda p: p.email.lower() == "jöhn@acme.example")
        self.assertEqual(same, johns, "no duplicate contact is created")

    def test_forward_from_non_ascii_local_part(self):
        johns = self.env["res.partner"].create(
            {"name": "Jöhn", "email": "Jöhn@acme.example", "parent_id": self.acme.id}
        )
        log = self.forward(
            "Prices", orig_from="Jöhn@acme.example", orig_to=self.seller.email
        )
        self.assertEqual(log.kind, "forward")
        self.assertEqual(log.original_from, "Jöhn@acme.example")
        self.assertEqual(log.partner_ids, johns | self.acme)
        self.assertEqual(self.logged_on(johns).author_id, johns)

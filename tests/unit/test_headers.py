"""tools/headers.py: the one header reader of the gateway and the parser."""

import pytest
from conftest import TOOLS

headers = TOOLS.headers

RAW = (
    b"Return-Path: <sam@vendor.example>\n"
    b"Delivered-To: <LOG+Tok3n%%\xc3\xa9@Vendor.Example>\n"
    b"Received: from mx.vendor.example\n"
    b"  by odoo.vendor.example\n"
    b"From: =?utf-8?q?Sam_S=C3=A9ller?= <Sam@Vendor.Example>\n"
    b'To: "Doe, John" <John@Acme.Example>,\n'
    b" kate@acme.example\n"
    b"Cc: J\xc3\xb6hn@Acme.Example\n"
    b"Subject: =?utf-8?q?Offre_d=C3=A9taill=C3=A9e?=\n"
    b"Message-ID: <m1@vendor.example> (comment)\n"
    b"\n"
    b"Body: not a header\n"
)


def test_read_cleans_values_and_leaves_the_body():
    read = headers.Headers.from_bytes(RAW)
    assert read.first("subject") == "Offre détaillée"
    assert read.first("from") == "Sam Séller <Sam@Vendor.Example>"
    assert read.first("body") is None
    assert headers.first_id(read.first("message-id")) == "m1@vendor.example"


def test_addresses_in_odoos_form():
    read = headers.Headers.from_bytes(RAW)
    assert read.addresses(*headers.VISIBLE_HEADERS) == (
        "john@acme.example",
        "kate@acme.example",
        "Jöhn@acme.example",
    )
    assert read.addresses("from") == ("sam@vendor.example",)


def test_envelope_value_read_whole_then_scanned():
    """A crafted token is read whole (the gateway masks it), in Odoo's form."""
    envelope = headers.Headers.from_bytes(RAW).envelope()
    assert envelope[0] == "LOG+Tok3n%%é@vendor.example"  # non-ASCII: case kept


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" <A.B@X.IO> ", "a.b@x.io"),
        ("Jöhn@X.IO", "Jöhn@x.io"),
        ("Name <a@x.io>", ""),
        ("no address", ""),
    ],
)
def test_bare_address(value, expected):
    assert headers.bare_address(value) == expected


def test_without_delivery_headers():
    one = b"Delivered-To: a@x.io\nReceived: by mx\n  (folded)\nFrom: s@y.io\n\nHi\n"
    two = b"Return-Path: <s@y.io>\nDelivered-To: b@x.io\nFrom: s@y.io\n\nHi\n"
    assert headers.without_delivery_headers(one) == b"From: s@y.io\n\nHi\n"
    assert headers.without_delivery_headers(one) == headers.without_delivery_headers(
        two
    )

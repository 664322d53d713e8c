"""Fuzzing the parser (SPEC L2, L7): it returns a ParsedMail or raises
ParseError, never anything else, and never hangs, whatever the input.

Inputs: random bytes, random header soup, and mutations of the corpus files
(truncation, byte flips, wrong charsets, huge headers, injected markers).
"""

import json
import os
from datetime import timedelta

import pytest
from conftest import CORPUS_MISSING, TOOLS, corpus_dir, corpus_entries
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

parse = TOOLS.parse
FUZZ = settings(
    max_examples=int(os.environ.get("NATERO_FUZZ_EXAMPLES", "300")),
    deadline=timedelta(seconds=3),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
KINDS = {"bcc", "forward", "auto"}
CORPUS = [(corpus_dir() / e["file"]).read_bytes() for e in corpus_entries()]
HEADER_NAMES = [
    "From",
    "To",
    "Cc",
    "Subject",
    "Date",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Content-Type",
    "Content-Transfer-Encoding",
    "Delivered-To",
    "Auto-Submitted",
    "Precedence",
    "Return-Path",
    "List-Id",
    "X-Autoreply",
    "MIME-Version",
    "Content-Disposition",
    "Sender",
    "Reply-To",
    "X-Loop",
]
SNIPPETS = [
    "=?utf-8?b?w6k=?=",
    "=?bogus?q?x?=",
    "=?utf-8?q?",
    '"',
    "<",
    ">",
    ",",
    ";",
    "multipart/mixed; boundary=x",
    "multipart/report",
    "text/html",
    "base64",
    "quoted-printable",
    "charset=big5",
    "charset=nonexistent",
    "<>",
    "@",
    "a@b.example",
    "Fwd: ",
    "RE: ",
    "\r\n ",
    "\t",
    "\u00e9",
    "\x00",
    "--x--",
]
INSERTS = [
    b"\n---------- Forwarded message ---------\nFrom: A <a@x.example>\n"
    b"To: b@y.example\n",
    b"\n________________________________\nFrom: a@x.example\nSent: Monday\n",
    b"\nSubject: " + b"Fwd: " * 2000 + b"\n",
    b"\nTo: " + b"a@b.example, " * 5000 + b"\n",
    b"\nContent-Type: text/html; charset=utf-16\n",
    b"<html>" + b"<div>" * 3000 + b"From: x",
    b"\n> > > > > > > > > > > > > > > > > > > > Begin forwarded message:\n",
    b"\n--\n\n--\n",
]


def check(raw, log_addresses=()):
    """Parse and check the invariants of a successful result."""
    try:
        mail = parse.parse_message(raw, log_addresses=log_addresses)
    except parse.ParseError as exc:
        # Internal faults are wrapped as "unparseable message": those are bugs.
        assert not str(exc).startswith("unparseable message"), exc
        return None
    assert mail.kind in KINDS
    # Addresses are in Odoo's normal form (lower case unless the local part
    # is non-ASCII, issue 11 item 2).
    normal = TOOLS.addresses.odoo_case
    assert mail.outer_from == normal(mail.outer_from)
    assert all(address == normal(address) for address in mail.to + mail.cc)
    assert mail.forward is None or mail.kind == "forward"
    json.dumps(parse.cli_record(mail, "fuzz.eml"))
    return mail


@FUZZ
@given(st.binary(max_size=5000))
def test_random_bytes(raw):
    check(raw)


@FUZZ
@given(st.text(max_size=3000))
def test_random_text(raw):
    check(raw)


header_value = st.lists(
    st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=30)), max_size=8
).map("".join)
header = st.tuples(
    st.one_of(
        st.sampled_from(HEADER_NAMES), st.from_regex(r"[A-Za-z-]{1,12}", fullmatch=True)
    ),
    header_value,
)


@FUZZ
@given(
    st.lists(header, min_size=1, max_size=15),
    st.text(max_size=2000),
    st.sampled_from(["\n", "\r\n"]),
)
def test_header_soup(headers, body, newline):
    head = newline.join(f"{name}: {value}" for name, value in headers)
    raw = (head + newline + newline + body).encode("utf-8", "surrogatepass")
    check(raw, log_addresses=["log@vendor.example"])


def _mutate(data, draw):
    """One random mutation of a corpus file."""
    how = draw(st.sampled_from(["truncate", "flip", "charset", "insert", "repeat"]))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if how == "flip":
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 40))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if how == "charset":
        name = draw(st.sampled_from([b"big5", b"utf-16", b"x-unknown", b"", b"koi8-r"]))
        return data.replace(b"utf-8", name).replace(b"UTF-8", name)
    if how == "insert":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.sampled_from(INSERTS)) + data[at:]
    return data[: draw(st.integers(0, 400))] * draw(st.integers(2, 30))


@pytest.mark.skipif(not CORPUS, reason=CORPUS_MISSING)
@FUZZ
@given(st.data())
def test_corpus_mutations(data):
    original = data.draw(st.sampled_from(CORPUS)) if CORPUS else b""
    check(_mutate(original, data.draw), log_addresses=["log@vendor.example"])


@FUZZ
@given(st.text(max_size=300))
def test_dates_and_addresses_never_raise(text):
    result = TOOLS.dates.parse_loose(text)
    assert result is None or result.year >= 1900
    assert all("@" in a for a in TOOLS.addresses.split(text))
    TOOLS.forwards.subject_kind(text)


def test_huge_and_deep_inputs_are_fast():
    """Big headers, deep HTML and many MIME parts stay bounded."""
    huge = b"From: a@b.example\nSubject: " + b"x" * 2_000_000 + b"\n\nbody"
    assert check(huge).outer_from == "a@b.example"
    deep = b"From: a@b.example\nContent-Type: text/html\n\n" + b"<div>" * 50000
    assert check(deep) is not None
    parts = b"".join(b"--b\nContent-Type: text/plain\n\nx\n" for _ in range(5000))
    many = b"From: a@b.example\nContent-Type: multipart/mixed; boundary=b\n\n" + parts
    assert check(many) is not None

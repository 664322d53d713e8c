"""Sender authentication (issue 10 item 3): which Authentication-Results count."""

import doctest
import importlib

import pytest
from conftest import TOOLS

authres = importlib.import_module(f"{TOOLS.__name__}.authres")
policy = importlib.import_module(f"{TOOLS.__name__}.policy")

TRUSTED = "mx.v.example"
OUR_RECEIVED = f"from mail.s.example (mail.s.example [192.0.2.1]) by {TRUSTED}"


def mail(*lines):
    return (
        "\n".join([*lines, "", "body", "Authentication-Results: x; dmarc=pass"])
    ).encode()


def test_doctests():
    failures, tried = doctest.testmod(authres)
    assert tried >= 8 and failures == 0


def test_header_fields_order_folding_and_end():
    raw = (
        b"From mbox-line Mon Nov 16\r\n"
        b"Authentication-Results: mx.v.example;\r\n\tdkim=pass\r\n"
        b"Received: from a\r\n by b\r\n"
        b"Subject: caf\xc3\xa9\r\n\r\nAuthentication-Results: body\r\n"
    )
    assert authres.header_fields(raw) == [
        ("authentication-results", "mx.v.example; dkim=pass"),
        ("received", "from a by b"),
        ("subject", "café"),
    ]
    # A damaged line ends the header block: nothing after it can be placed.
    assert authres.header_fields(b"A: 1\nnot a header\nB: 2\n") == [("a", "1")]
    assert authres.header_fields(b"") == []
    assert authres.header_fields(b"\xff\xfe: x") == [("\ufffd\ufffd", "x")]


@pytest.mark.parametrize(
    "value, authserv, results",
    [
        ("mx.v.example; none", "mx.v.example", []),
        (
            'MX.V.Example. 1; dkim/1 = pass (2048-bit key; "unprotected") '
            'header.d=V.example header.i="@v.example" header.b="ab;c=="',
            "mx.v.example",
            [
                (
                    "dkim",
                    "pass",
                    {
                        "header.d": "V.example",
                        "header.i": "@v.example",
                        "header.b": "ab;c==",
                    },
                )
            ],
        ),
        (
            "mx (comment (nested) still) ; spf=pass (sender ok) "
            'smtp.mailfrom="john doe"@v.example; dmarc=fail reason="x; y" '
            "header.from=v.example",
            "mx",
            [
                ("spf", "pass", {"smtp.mailfrom": '"john doe"@v.example'}),
                ("dmarc", "fail", {"header.from": "v.example"}),
            ],
        ),
        ("", "", []),
        ("(only a comment)", "", []),
        ('"quoted.id"; iprev=pass', "quoted.id", [("iprev", "pass", {})]),
    ],
)
def test_parse(value, authserv, results):
    parsed = authres.parse(value)
    assert parsed.authserv_id == authserv
    assert [(r.method, r.result, r.props) for r in parsed.results] == results


def test_trusted_zone_is_above_our_received_header():
    fields = authres.header_fields(
        mail(
            "Return-Path: <s@v.example>",
            "Delivered-To: log@crm.example",
            f"Authentication-Results: {TRUSTED}; spf=fail smtp.mailfrom=v.example",
            "Authentication-Results: other.example; dmarc=pass",
            f"Received: {OUR_RECEIVED}",
            f"Authentication-Results: {TRUSTED}; dmarc=pass header.from=v.example",
            "Received: from laptop by mail.s.example",
            "From: s@v.example",
        )
    )
    zone = authres.trusted_zone(fields)
    assert [name for name, _v in zone] == [
        "return-path",
        "delivered-to",
        "authentication-results",
        "authentication-results",
    ]
    results = authres.trusted_results(fields, TRUSTED)
    assert [(r.method, r.result) for r in results] == [("spf", "fail")]
    # One hop of ours above: the zone reaches the second Received header.
    two = authres.trusted_results(fields, TRUSTED, own_hops=1)
    assert [(r.method, r.result) for r in two] == [("spf", "fail"), ("dmarc", "pass")]
    # Fewer Received headers than our hops: nothing is trusted.
    assert authres.trusted_results(fields, TRUSTED, own_hops=2) == []
    no_trace = authres.header_fields(
        mail(f"Authentication-Results: {TRUSTED}; dmarc=pass", "From: s@v.example")
    )
    assert authres.trusted_results(no_trace, TRUSTED) == []
    assert authres.trusted_results(fields, "") == []


RULES = authres.load_suffix_rules(
    "// comment\n\nuk\nco.uk\n*.ck\n!www.ck\ncom\ngithub.io\nio\n"
)


@pytest.mark.parametrize(
    "domain, org",
    [
        ("a.b.example.co.uk", "example.co.uk"),
        ("example.co.uk", "example.co.uk"),
        ("co.uk", None),
        ("x.y.foo.ck", "y.foo.ck"),
        ("www.ck", "www.ck"),
        ("a.www.ck", "www.ck"),
        ("me.github.io", "me.github.io"),
        ("sub.v.example", "v.example"),
        ("", None),
    ],
)
def test_organizational_domain(domain, org):
    assert authres.organizational_domain(domain, RULES) == org


@pytest.mark.parametrize(
    "auth, frm, mode, rules, expected",
    [
        ("v.example", "V.Example.", "strict", None, True),
        ("mail.v.example", "v.example", "strict", None, False),
        ("mail.v.example", "v.example", "relaxed", None, True),
        ("v.example", "sales.v.example", "relaxed", None, True),
        ("mail.v.example", "sales.v.example", "relaxed", None, False),
        ("mail.v.example", "sales.v.example", "relaxed", RULES, True),
        ("a.co.uk", "b.co.uk", "relaxed", RULES, False),
        ("co.uk", "b.co.uk", "relaxed", RULES, False),
        ("evil.github.io", "me.github.io", "relaxed", RULES, False),
        ("v.example.evil.example", "v.example", "relaxed", None, False),
        ("xv.example", "v.example", "relaxed", None, False),
        ("", "v.example", "relaxed", None, False),
    ],
)
def test_alignment(auth, frm, mode, rules, expected):
    assert authres.aligned(auth, frm, mode, rules) is expected


def R(method, result="pass", **props):
    return authres.Result(
        method, result, {k.replace("_", "."): v for k, v in props.items()}
    )


@pytest.mark.parametrize(
    "results, ok",
    [
        ([R("dmarc", header_from="v.example")], True),
        ([R("dmarc")], True),
        ([R("dmarc", header_from="evil.example")], False),
        ([R("dmarc", "fail", header_from="v.example")], False),
        ([R("dkim", header_d="evil.example")], False),
        ([R("dkim", header_d="mail.v.example")], True),
        ([R("dkim", header_i="bot@mail.v.example")], True),
        ([R("dkim", "neutral", header_d="v.example")], False),
        ([R("spf", smtp_mailfrom="bounce@evil.example")], False),
        ([R("spf", smtp_mailfrom="bounce@v.example")], True),
        ([R("spf", smtp_mailfrom="v.example")], True),
        ([R("spf", smtp_helo="v.example")], False),
        ([R("iprev", policy_iprev="192.0.2.1")], False),
        (
            [
                R("spf", "pass", smtp_mailfrom="x@evil.example"),
                R("dmarc", "fail", header_from="v.example"),
            ],
            False,
        ),
    ],
)
def test_authenticating_result(results, ok):
    assert (authres.authenticating_result(results, "v.example") is not None) is ok


def test_policy_decision():
    fields = authres.header_fields(
        mail(
            f"Authentication-Results: {TRUSTED}; dkim=pass header.d=v.example",
            f"Received: {OUR_RECEIVED}",
        )
    )
    assert policy.check_authentication(fields, "sam@v.example", TRUSTED) is None
    assert policy.check_authentication(fields, "sam@v.example", TRUSTED.upper()) is None
    decision = policy.check_authentication(fields, "sam@other.example", TRUSTED)
    assert decision.state == policy.REJECTED
    assert "trusted server" in decision.reason
    assert policy.check_authentication(fields, "", TRUSTED).code == "unauthenticated"
    assert policy.check_authentication(fields, "sam@v.example", "").code == (
        "unauthenticated"
    )
    sub = authres.header_fields(
        mail(
            f"Authentication-Results: {TRUSTED}; dkim=pass header.d=mail.v.example",
            f"Received: {OUR_RECEIVED}",
        )
    )
    assert policy.check_authentication(sub, "sam@v.example", TRUSTED) is None
    assert (
        policy.check_authentication(
            sub, "sam@v.example", TRUSTED, alignment="strict"
        ).code
        == "unauthenticated"
    )

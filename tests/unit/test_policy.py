"""Policy decisions of natero_mail_log (SPEC L4, L5, L7), without Odoo."""

import doctest
import importlib
from datetime import datetime

from conftest import TOOLS

policy = importlib.import_module(f"{TOOLS.__name__}.policy")


def test_doctests():
    failures, tried = doctest.testmod(policy)
    assert tried > 5 and failures == 0


def test_attribution_order_hubspot():
    """Personal address, then exactly one connected, login, alias, first connected."""
    t1, t2 = datetime(2026, 1, 1), datetime(2026, 2, 1)
    users = {1: {"a@v.io"}, 2: {"b@v.io"}}
    assert policy.attribute("a@v.io", 1, users, [(t1, 2)], [2], [3]).rule == (
        "personal_address"
    )
    assert policy.attribute("x@v.io", 1, users, [], [], []) is None
    assert policy.attribute("s@v.io", None, {}, [(t2, 4)], [5], [6]) == (
        policy.Attribution(4, "connected")
    )
    assert policy.attribute("s@v.io", None, {}, [], [5], [6]).rule == "login"
    assert policy.attribute("s@v.io", None, {}, [], [], [6]) == (
        policy.Attribution(6, "alias")
    )
    assert policy.attribute("s@v.io", None, {}, [(t2, 4), (t1, 9)], [], []) == (
        policy.Attribution(9, "connected_first")
    )
    assert policy.attribute("s@v.io", None, {}, [], [], []) is None


def test_participants_exclusions():
    exclusions = policy.Exclusions(
        own_addresses=frozenset({"log@v.io"}),
        user_addresses=frozenset({"sam@v.io"}),
        internal_domains=frozenset({"v.io"}),
        never_addresses=frozenset({"ceo@acme.io"}),
        never_domains=frozenset({"secret.io"}),
    )
    kept, excluded = policy.participants(
        [
            "log@v.io",
            "sam@v.io",
            "x@sub.v.io",
            "ceo@acme.io",
            "a@mx.secret.io",
            "bob@acme.io",
            "bob@acme.io",
            "",
        ],
        exclusions,
    )
    assert kept == ["bob@acme.io"]
    assert excluded == {
        "log@v.io": "log address",
        "sam@v.io": "user",
        "x@sub.v.io": "internal domain",
        "ceo@acme.io": "never-log",
        "a@mx.secret.io": "never-log",
    }
    assert policy.all_never_logged(kept, excluded) is None
    assert policy.all_never_logged([], excluded).state == policy.IGNORED
    assert policy.all_never_logged([], {"sam@v.io": "user"}) is None


def test_noise_and_limits():
    assert policy.check_noise("auto", "X-Autoreply", "a@b.io", set()).code == "auto"
    assert policy.check_noise("bcc", None, "log@v.io", {"log@v.io"}).code == "loop"
    assert policy.check_noise("bcc", None, "", set()).state == policy.REJECTED
    assert policy.check_noise("forward", None, "a@b.io", set()) is None
    assert policy.check_body_size(10, 5).code == "body_too_large"
    assert policy.check_body_size(5, 5) is None


def test_authentication_results():
    # Header fields as the trusted server leaves them: its results above its
    # Received header (see tests/unit/test_authres.py for which ones count).
    def fields(*values):
        return [("authentication-results", v) for v in values] + [
            ("received", "from mail.v.io by mx.v.io")
        ]

    good = fields("mx.v.io; spf=fail; dkim=pass header.d=v.io")
    assert policy.check_authentication(good, "sam@v.io", "MX.v.io") is None
    assert policy.check_authentication(
        fields("mx.v.io; dkim=fail"), "sam@v.io", "mx.v.io"
    )
    assert policy.check_authentication(
        fields("evil; dmarc=pass"), "sam@v.io", "mx.v.io"
    )
    assert policy.check_authentication(fields(), "sam@v.io", "mx.v.io")

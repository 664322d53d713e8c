"""Pure tests of natero_mail_trigger/tools/tokens.py (SPEC T6), without Odoo."""

import pytest
from conftest import TRIGGER_TOOLS
from hypothesis import given
from hypothesis import strategies as st

tokens = TRIGGER_TOOLS.tokens
SECRET = "s3cr3t"


def test_sign_and_check():
    token = tokens.sign(SECRET, "unsubscribe", "db", 42, "a@example.com")
    assert tokens.check(SECRET, token, "unsubscribe", "db", 42, "a@example.com")
    assert "=" not in token and "/" not in token and "+" not in token


@pytest.mark.parametrize(
    "secret, purpose, values",
    [
        ("other", "unsubscribe", ("db", 42, "a@example.com")),
        (SECRET, "open", ("db", 42, "a@example.com")),
        (SECRET, "unsubscribe", ("db", 43, "a@example.com")),
        (SECRET, "unsubscribe", ("db", 42, "b@example.com")),
        (SECRET, "unsubscribe", ("db2", 42, "a@example.com")),
    ],
)
def test_check_refuses_other_values(secret, purpose, values):
    token = tokens.sign(SECRET, "unsubscribe", "db", 42, "a@example.com")
    assert not tokens.check(secret, token, purpose, *values)


def test_token_format_of_links_already_sent():
    """Known answer: links in emails already sent carry tokens of this format,
    which therefore never changes (see tools/tokens.py)."""
    token = "hWSt5flG7WzZ2PeYmwLbQvfg1lSKWDxB9Z_ohM7m-hU"
    assert tokens.sign(SECRET, "unsubscribe", "natero", 42) == token
    assert tokens.check(SECRET, token, "unsubscribe", "natero", 42)


def test_check_refuses_garbage():
    assert not tokens.check(SECRET, "", "unsubscribe", 1)
    assert not tokens.check(SECRET, None, "unsubscribe", 1)
    assert not tokens.check("", "x", "unsubscribe", 1)
    assert not tokens.check(SECRET, "é" * 43, "unsubscribe", 1)


def test_values_are_not_ambiguous():
    assert tokens.sign(SECRET, "p", "a|b", "c") != tokens.sign(SECRET, "p", "a", "b|c")


def test_sign_needs_secret_and_purpose():
    with pytest.raises(ValueError):
        tokens.sign("", "p", 1)
    with pytest.raises(ValueError):
        tokens.sign(SECRET, "", 1)


def test_api_keys():
    key, lookup = tokens.new_api_key()
    assert tokens.api_key_lookup(key) == lookup
    stored = tokens.hash_api_key(key)
    assert key not in stored
    assert tokens.check_api_key(key, stored)
    assert not tokens.check_api_key(key + "x", stored)
    assert not tokens.check_api_key(None, stored)
    assert not tokens.check_api_key(key, "")
    other, _lookup = tokens.new_api_key()
    assert other != key


@pytest.mark.parametrize(
    "key", [None, "", "nokey", "ntk_short_x", "ntk_zzzzzzzzzzzz_x", 12]
)
def test_api_key_lookup_refuses_malformed(key):
    assert tokens.api_key_lookup(key) is None


@given(st.text(min_size=1), st.integers(), st.text())
def test_roundtrip_property(purpose, number, text):
    token = tokens.sign(SECRET, purpose, number, text)
    assert tokens.check(SECRET, token, purpose, number, text)
    assert not tokens.check(SECRET, token, purpose, number + 1, text)


def test_reply_token_is_a_case_insensitive_local_part():
    """T9: the reply address survives servers that change the local part's
    case; only its own send's token passes, in constant time."""
    local = tokens.reply_local_part("reply", SECRET, "db", 42)
    alias, send_id, token = tokens.read_reply_local_part(local.upper())
    assert (alias, send_id) == ("reply", 42)
    assert len(local) <= 64 and local == local.lower()
    assert tokens.check_reply(SECRET, "db", 42, token)
    assert tokens.check_reply(SECRET, "db", 42, token.upper())
    assert not tokens.check_reply(SECRET, "db", 43, token)
    assert not tokens.check_reply(SECRET, "db2", 42, token)
    assert not tokens.check_reply("other", "db", 42, token)
    assert not tokens.check_reply(SECRET, "db", 42, "")
    assert not tokens.check_reply("", "db", 42, token)


@pytest.mark.parametrize(
    "local",
    [
        "reply",
        "reply+42",
        "reply+42-",
        "reply+x-" + "a" * 26,
        "reply+42-" + "a" * 25,
        "reply+42-" + "1" * 26,
        "reply+42-" + "a" * 27,
        "+42-" + "a" * 26,
        None,
        "",
    ],
)
def test_read_reply_local_part_refuses_other_shapes(local):
    assert tokens.read_reply_local_part(local) is None


@given(st.text(max_size=80))
def test_read_reply_local_part_never_raises(local):
    result = tokens.read_reply_local_part(local)
    assert result is None or isinstance(result[1], int)

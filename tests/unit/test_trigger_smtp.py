"""Pure tests of natero_mail_trigger/tools/smtp.py (SPEC T6), no Odoo."""

import smtplib

import pytest
from conftest import TRIGGER_TOOLS
from hypothesis import given
from hypothesis import strategies as st

smtp = TRIGGER_TOOLS.smtp


class MailDeliveryException(Exception):
    """As Odoo's: ``send_email`` raises it from inside ``except``."""


def wrapped(error):
    """``error`` as Odoo's ``send_email`` raises it: wrapped, in context."""
    try:
        raise error
    except Exception:  # as Odoo catches it
        try:
            raise MailDeliveryException("Mail Delivery Failed", "...")
        except MailDeliveryException as outer:
            return outer


@pytest.mark.parametrize(
    ("error", "verdict", "code", "broken"),
    [
        (smtplib.SMTPDataError(451, b"4.3.0 try later"), smtp.RETRY, 451, False),
        (smtplib.SMTPDataError(554, b"5.7.1 rejected"), smtp.FAILED, 554, False),
        (smtplib.SMTPSenderRefused(452, b"full", "a@x"), smtp.RETRY, 452, False),
        (smtplib.SMTPSenderRefused(553, b"no", "a@x"), smtp.FAILED, 553, False),
        (smtplib.SMTPSenderRefused(421, b"bye", "a@x"), smtp.RETRY, 421, True),
        (
            smtplib.SMTPRecipientsRefused({"u@x": (550, b"5.1.1 unknown user")}),
            smtp.FAILED,
            550,
            False,
        ),
        (
            smtplib.SMTPRecipientsRefused({"u@x": (450, b"4.2.0 greylisted")}),
            smtp.RETRY,
            450,
            False,
        ),
        (
            smtplib.SMTPRecipientsRefused(
                {"u@x": (550, b"unknown"), "bcc@x": (451, b"later")}
            ),
            smtp.RETRY,
            451,
            False,
        ),
        (smtplib.SMTPServerDisconnected("gone"), smtp.RETRY, None, True),
        (ConnectionRefusedError(111, "Connection refused"), smtp.RETRY, None, True),
        (TimeoutError("timed out"), smtp.RETRY, None, True),
        (smtplib.SMTPConnectError(554, b"go away"), smtp.RETRY, 554, True),
        (smtplib.SMTPAuthenticationError(535, b"bad login"), smtp.RETRY, 535, True),
    ],
)
def test_classify(error, verdict, code, broken):
    for raised in (error, wrapped(error)):
        outcome = smtp.classify(raised)
        assert (outcome.verdict, outcome.code, outcome.broken) == (
            verdict,
            code,
            broken,
        )
        assert outcome.reason


def test_reason_keeps_the_reply():
    outcome = smtp.classify(wrapped(smtplib.SMTPDataError(554, b"5.7.1 spam")))
    assert outcome.reason == "554 5.7.1 spam"
    refused = smtplib.SMTPRecipientsRefused({"u@x.example": (550, b"no such user")})
    assert "u@x.example: 550 no such user" in smtp.classify(refused).reason


def test_not_an_smtp_error():
    assert smtp.classify(ValueError("bad header")) is None
    assert smtp.classify(MailDeliveryException("x")) is None


def test_session_errors_always_wait():
    for error in (
        ValueError("Missing SMTP Server"),
        smtplib.SMTPDataError(554, b"no"),
        ConnectionRefusedError(111, "refused"),
    ):
        outcome = smtp.session_outcome(error)
        assert outcome.verdict == smtp.RETRY
        assert outcome.broken


def test_context_loop_terminates():
    first, second = ValueError("a"), ValueError("b")
    first.__context__, second.__context__ = second, first
    assert smtp.classify(first) is None


@given(st.integers(min_value=-5, max_value=100))
def test_retry_delay_grows_and_is_capped(attempt):
    delay = smtp.retry_delay(attempt, base=60, cap=3600)
    assert 60 <= delay <= 3600
    assert smtp.retry_delay(attempt + 1, base=60, cap=3600) >= delay


def test_retry_delay_values():
    assert [smtp.retry_delay(n) for n in (1, 2, 3, 7, 8)] == [60, 120, 240, 3600, 3600]


@given(st.lists(st.integers(), max_size=50), st.integers(min_value=-2, max_value=60))
def test_chunks_keep_order_and_size(items, size):
    parts = smtp.chunks(items, size)
    assert [item for part in parts for item in part] == items
    assert all(1 <= len(part) <= max(size, 1) for part in parts)

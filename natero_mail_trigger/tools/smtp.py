# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What an SMTP error means for a triggered email (SPEC T6), pure Python.

The batched sender of trigger emails (``models/natero_trigger_mailer.py``)
sends a batch over one SMTP session and asks ``classify`` what each error
means:

- ``RETRY``: a transient refusal (4xx reply) or no usable server (connection
  refused, timeout, disconnected, 421, a refused greeting or login). The email
  stays in the queue and is retried later: never marked sent, never failed.
- ``FAILED``: a permanent refusal (5xx reply) of this email: only this email
  (and its send row) failed.

``broken`` says the session cannot carry another email (the server closed it,
or never opened it): the rest of the batch waits for the next attempt, as it
is, without a reply of its own.
"""

import smtplib
from dataclasses import dataclass

RETRY = "retry"
FAILED = "failed"

# replies about the session, not about one email: a 5xx there means "not you,
# not now" for every email of the batch, so they wait (and an error is logged)
SESSION_ERRORS = (
    smtplib.SMTPConnectError,
    smtplib.SMTPHeloError,
    smtplib.SMTPAuthenticationError,
    smtplib.SMTPNotSupportedError,
)


@dataclass(frozen=True)
class Outcome:
    """The meaning of one SMTP error for one email."""

    verdict: str  # RETRY or FAILED
    code: int | None  # the SMTP reply code, when the server replied
    reason: str  # human-readable: the reply or the error
    broken: bool  # the session is unusable: stop the batch here


def _text(message):
    if isinstance(message, bytes):
        return message.decode("utf-8", "replace")
    return str(message)


def smtp_error(exc):
    """The ``smtplib``/socket error behind ``exc``: itself, or the one Odoo's
    ``send_email`` wrapped into a ``MailDeliveryException`` (its context)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, smtplib.SMTPException | OSError):
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def classify(exc):
    """``Outcome`` of an error raised while sending one email, or ``None``
    when it is not an SMTP or connection error (then the caller decides)."""
    error = smtp_error(exc)
    if error is None:
        return None
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        replies = list(error.recipients.values())
        codes = [code for code, _message in replies]
        reason = "; ".join(
            f"{address}: {code} {_text(message)}"
            for address, (code, message) in error.recipients.items()
        )
        transient = any(code < 500 for code in codes) or not codes
        return Outcome(
            RETRY if transient else FAILED,
            min(codes) if transient and codes else (max(codes) if codes else None),
            reason,
            broken=421 in codes,
        )
    if isinstance(error, smtplib.SMTPResponseException):
        code = error.smtp_code
        reason = f"{code} {_text(error.smtp_error)}"
        if isinstance(error, SESSION_ERRORS):
            return Outcome(RETRY, code, reason, broken=True)
        if code < 500:
            return Outcome(RETRY, code, reason, broken=code == 421)
        return Outcome(FAILED, code, reason, broken=False)
    # SMTPServerDisconnected, other SMTPException, refused, reset, timeout, TLS
    return Outcome(
        RETRY, None, f"{type(error).__name__}: {_text(error)}".strip(), broken=True
    )


def session_outcome(exc):
    """``Outcome`` of an error while opening the session (connect, greeting,
    TLS, login): whatever it is, the batch waits and is retried."""
    outcome = classify(exc)
    if outcome is None:
        return Outcome(RETRY, None, f"{type(exc).__name__}: {exc}", broken=True)
    return Outcome(RETRY, outcome.code, outcome.reason, broken=True)


def retry_delay(attempt, base=60, cap=3600):
    """Seconds before retry number ``attempt`` (1, 2, ...) of a transient
    refusal: ``base`` doubled each time, at most ``cap``."""
    attempt = max(int(attempt), 1)
    return min(base * 2 ** min(attempt - 1, 20), cap)


def chunks(items, size):
    """``items`` in lists of at most ``size`` (at least 1)."""
    items = list(items)
    size = max(int(size), 1)
    return [items[index : index + size] for index in range(0, len(items), size)]

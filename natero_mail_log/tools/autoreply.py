"""Automatic-mail signals (SPEC L5): auto-replies, bounces, bulk, loops.

``auto_reason`` returns the first signal found, as a short reason for the log
(e.g. ``"Auto-Submitted: auto-replied"``), or None for a mail a person sent.
Signals, in order: Auto-Submitted (any value but ``no``), X-Autoreply and its
variants, a mailer-daemon/postmaster sender, a multipart/report (delivery or
read report), a null Return-Path, Precedence bulk/junk/list/auto_reply, List-Id,
a loop (X-Loop or From naming one of our log addresses), and last an
auto-reply subject prefix ("Automatic reply:", "Abwesenheitsnotiz:", ...).
X-Auto-Response-Suppress is *not* a signal: Exchange sets it on ordinary mail.
"""

import re

from . import addresses

AUTOREPLY_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-mail-autoreply",
)
BULK_PRECEDENCE = frozenset(("bulk", "junk", "list", "auto_reply", "auto-reply"))
DAEMON_LOCAL_PARTS = frozenset(
    ("mailer-daemon", "mailer_daemon", "mailerdaemon", "mail-daemon", "postmaster")
)
AUTO_SUBJECT_PREFIXES = (
    "Automatic reply",
    "Auto reply",
    "Auto-reply",
    "Autoreply",
    "Auto response",
    "Out of Office",
    "Out of office reply",
    "Abwesenheitsnotiz",
    "Automatische Antwort",
    "Réponse automatique",
    "Respuesta automática",
    "Resposta automática",
    "Risposta automatica",
    "Automatisch antwoord",
    "Automatisk svar",
    "Autosvar",
    "Automaattinen vastaus",
    "Автоответ",
    "Undeliverable",
    "Unzustellbar",
    "Non remis",
    "No se puede entregar",
)
_AUTO_SUBJECT_RE = re.compile(
    r"^\s*(?:" + "|".join(re.escape(p) for p in AUTO_SUBJECT_PREFIXES) + r")\s*[:：]",
    re.IGNORECASE,
)


def _first_word(value):
    """Lower-case value up to the first ``;`` or comment."""
    return re.split(r"[;(\s]", (value or "").strip().lower(), maxsplit=1)[0]


def _auto_submitted(headers):
    """Auto-Submitted with any value but 'no'."""
    value = _first_word(headers.get("auto-submitted"))
    return f"Auto-Submitted: {value}" if value and value != "no" else None


def _autoreply_header(headers):
    """X-Autoreply (and variants) present with a value other than 'no'."""
    for name in AUTOREPLY_HEADERS:
        value = _first_word(headers.get(name))
        if value and value not in ("no", "false", "0"):
            return "X-Autoreply"
    return None


def _daemon_sender(headers):
    """A bounce from mailer-daemon or postmaster."""
    local = headers.get("from-address", "").partition("@")[0]
    return f"bounce ({local})" if local in DAEMON_LOCAL_PARTS else None


def _report(headers):
    """multipart/report: delivery-status, disposition-notification..."""
    content_type = (headers.get("content-type") or "").lower()
    if not content_type.strip().startswith("multipart/report"):
        return None
    match = re.search(r"report-type\s*=\s*\"?([\w.-]+)", content_type)
    return f"multipart/report {match.group(1) if match else 'delivery-status'}"


def _null_return_path(headers):
    """Return-Path: <> (bounces and most automatic mail)."""
    value = (headers.get("return-path") or "").strip()
    return "null Return-Path" if value and value.strip("<> \t") == "" else None


def _precedence(headers):
    """Precedence: bulk / junk / list / auto_reply."""
    value = _first_word(headers.get("precedence"))
    return f"Precedence: {value}" if value in BULK_PRECEDENCE else None


def _list_id(headers):
    """A mailing-list message."""
    return "List-Id (mailing list)" if (headers.get("list-id") or "").strip() else None


def _loop(headers, log_addresses):
    """Our own log address as sender or in X-Loop."""
    if headers.get("from-address", "") in log_addresses:
        return "mail loop (sender is a log address)"
    looped = set(addresses.split(headers.get("x-loop") or ""))
    return "X-Loop (mail loop)" if looped & log_addresses else None


def _subject(headers):
    """An auto-reply or bounce subject prefix ("Automatic reply: ...")."""
    subject = headers.get("subject") or ""
    return "auto-reply subject" if _AUTO_SUBJECT_RE.match(subject) else None


def auto_reason(headers, log_addresses=frozenset()):
    """The first automatic-mail signal of a mail, or None.

    ``headers`` maps lower-case header names to decoded values, plus
    ``from-address`` (the bare sender) and ``subject``.
    """
    log_addresses = frozenset(log_addresses or ())
    checks = (
        _auto_submitted,
        _autoreply_header,
        _daemon_sender,
        _report,
        _null_return_path,
        _precedence,
        _list_id,
    )
    for check in checks:
        reason = check(headers)
        if reason:
            return reason
    return _loop(headers, log_addresses) or _subject(headers)

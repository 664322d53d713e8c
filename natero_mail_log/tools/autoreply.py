# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Automatic-mail signals (SPEC L5): auto-replies, bounces, bulk, loops.

``auto_reason`` returns the first signal found, as a short reason for the log
(e.g. ``"Auto-Submitted: auto-replied"``), or None for a mail a person sent.
Standards first, heuristics after them:

1. RFC 3834: Auto-Submitted with any value but ``no``;
2. RFC 3464/6522/8098/5965 structure: a ``multipart/report`` (delivery-status,
   disposition-notification, feedback-report), or a ``message/delivery-status``
   (``message/global-delivery-status``, disposition or feedback) part anywhere,
   also inside a ``multipart/mixed`` or as the whole message (broken MIME);
3. X-Autoreply and its variants, X-Failed-Recipients (Exim bounces);
4. a null Return-Path, Precedence bulk/junk/list/auto_reply, a mailing list
   (List-Id, or the X-MLServer / Mailing-List headers of fml and ezmlm);
5. the sender's local part: a mail daemon (mailer-daemon, postmaster,
   post_master, ...), read from the From header even when its address is empty
   (``MAILER-DAEMON <>``) or has no domain; a no-reply sender only when it
   returns a message (an attached message/rfc822 or text/rfc822-headers), as
   carriers' error notices do;
6. delivery-status fields written in the text body (Final-Recipient/Action/
   Status lines: a report whose MIME structure is broken);
7. a loop (X-Loop or From naming one of our log addresses), and last an
   auto-reply or bounce subject ("Automatic reply:", "Undeliverable:",
   "Undelivered Mail Returned to Sender", ...).

X-Auto-Response-Suppress is *not* a signal: Exchange sets it on ordinary mail;
neither is List-Unsubscribe (sales tools add it to mail a person sends).
"""

import re

from . import addresses

AUTOREPLY_HEADERS = (
    "x-autoreply",
    "x-autorespond",
    "x-autoresponder",
    "x-mail-autoreply",
)
LIST_HEADERS = ("x-mlserver", "mailing-list", "x-ml-name")
# Every header auto_reason reads (besides from, subject and content-type).
SIGNAL_HEADERS = (
    "auto-submitted",
    *AUTOREPLY_HEADERS,
    "x-failed-recipients",
    "return-path",
    "precedence",
    "list-id",
    *LIST_HEADERS,
    "x-loop",
)
BULK_PRECEDENCE = frozenset(("bulk", "junk", "list", "auto_reply", "auto-reply"))
DAEMON_LOCAL_PARTS = frozenset(
    (
        "mailer-daemon",
        "mailer_daemon",
        "mailerdaemon",
        "mail-daemon",
        "maildaemon",
        "mdaemon",
        "postmaster",
        "post_master",
        "post-master",
    )
)
# Display names of daemons that send with an empty or domain-less address.
DAEMON_NAMES = frozenset(
    (
        "mailer-daemon",
        "mailer daemon",
        "mail delivery system",
        "mail delivery subsystem",
        "mail delivery service",
        "mail administrator",
        "postmaster",
        "mail system",
    )
)
_NO_REPLY_RE = re.compile(r"^(?:no|do[-_.]?not)[-_.]?reply(?:$|[-_.+])")
# RFC 3464 (and 6533, 8098, 5965) report parts.
REPORT_TYPES = frozenset(
    (
        "message/delivery-status",
        "message/global-delivery-status",
        "message/disposition-notification",
        "message/global-disposition-notification",
        "message/feedback-report",
    )
)
RETURNED_TYPES = frozenset(("message/rfc822", "message/global", "text/rfc822-headers"))
# Per-recipient fields of a delivery-status report (RFC 3464, 2.3).
_DSN_FIELDS_RE = (
    re.compile(r"^(?:final|original)-recipient[ \t]*:", re.IGNORECASE | re.MULTILINE),
    re.compile(
        r"^action[ \t]*:[ \t]*(?:failed|delayed|delivered|relayed|expanded)\b",
        re.IGNORECASE | re.MULTILINE,
    ),
    re.compile(
        r"^status[ \t]*:[ \t]*[245]\.\d{1,3}\.\d{1,3}\b", re.IGNORECASE | re.MULTILINE
    ),
)
_MAX_DSN_SCAN = 200_000
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
    "Undelivered",
    "Unzustellbar",
    "Nicht zustellbar",
    "Non remis",
    "Non recapitabile",
    "Onbestelbaar",
    "Kan niet worden bezorgd",
    "Não entregue",
    "Não é possível entregar",
    "No se puede entregar",
    "No entregado",
    "Ikke levert",
    "Kan ikke leveres",
    "Delivery Status Notification",
    "Mail delivery failed",
    "Returned mail",
    "Warning: could not send message",
)
# Whole bounce subjects written without a colon.
AUTO_SUBJECTS = (
    "Undelivered Mail Returned to Sender",
    "Delivery Status Notification",
    "failure notice",
    "Mail delivery failed",
    "Returned mail",
    "Nondeliverable mail",
    "Mail System Error - Returned Mail",
    "Delivery Notification: Delivery has failed",
    "Delivery Notification: Delivery has been delayed",
)
_AUTO_SUBJECT_RE = re.compile(
    r"^\s*(?:(?:"
    + "|".join(re.escape(p) for p in AUTO_SUBJECT_PREFIXES)
    + r")\s*[:：]|(?:"
    + "|".join(re.escape(p) for p in AUTO_SUBJECTS)
    + r")\s*(?:\(|$))",
    re.IGNORECASE,
)
_ANGLE_RE = re.compile(r"<([^<>]*)>")


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


def sender_locals(from_value, address=""):
    """Local parts (lower case) a From value names, read loosely: its bare
    ``address`` when the caller has it, else the addresses in it, a
    domain-less ``<MAILER-DAEMON>``, and for an empty or domain-less address
    the display name (``MAILER-DAEMON <>``)."""
    if address:
        return [address.rpartition("@")[0].lower()]
    value = (from_value or "").strip()
    found = [a.rpartition("@")[0].lower() for a in addresses.find_all(value)]
    if found:
        return found
    angles = _ANGLE_RE.findall(value)
    found = [a.strip().partition("@")[0].lower() for a in angles if a.strip()]
    name = _ANGLE_RE.sub(" ", value).strip().strip("\"'()").strip().lower()
    if name:
        found.append(name)
    return found


def is_daemon(from_value, address=""):
    """True when a From value (or its bare ``address``) names a mail daemon
    (mailer-daemon, postmaster, "Mail Delivery System <>"...)."""
    return any(
        local in DAEMON_LOCAL_PARTS or local in DAEMON_NAMES
        for local in sender_locals(from_value, address)
    )


def _report(headers):
    """RFC 3464/6522 structure: multipart/report, or a report part anywhere."""
    content_type = (headers.get("content-type") or "").strip().lower()
    if content_type.startswith("multipart/report"):
        match = re.search(r"report-type\s*=\s*\"?([\w.-]+)", content_type)
        return f"multipart/report {match.group(1) if match else 'delivery-status'}"
    found = REPORT_TYPES.intersection(headers.get("part-types") or ())
    return f"{min(found)} part" if found else None


def _failed_recipients(headers):
    """X-Failed-Recipients: Exim's bounces."""
    return "X-Failed-Recipients" if headers.get("x-failed-recipients") else None


def _daemon_sender(headers):
    """A bounce from a mail daemon; a no-reply sender returning a message."""
    locals_ = sender_locals(headers.get("from"), headers.get("from-address"))
    for local in locals_:
        if local in DAEMON_LOCAL_PARTS or local in DAEMON_NAMES:
            return f"bounce ({local})"
    if RETURNED_TYPES.intersection(headers.get("part-types") or ()):
        for local in locals_:
            if _NO_REPLY_RE.match(local):
                return f"bounce ({local} returning the message)"
    return None


def _dsn_text(headers):
    """Delivery-status fields written in the text body (broken MIME)."""
    text = (headers.get("body-text") or "")[:_MAX_DSN_SCAN]
    if text and all(pattern.search(text) for pattern in _DSN_FIELDS_RE):
        return "delivery-status fields in the body"
    return None


def _null_return_path(headers):
    """Return-Path: <> (bounces and most automatic mail)."""
    value = (headers.get("return-path") or "").strip()
    return "null Return-Path" if value and value.strip("<> \t") == "" else None


def _precedence(headers):
    """Precedence: bulk / junk / list / auto_reply."""
    value = _first_word(headers.get("precedence"))
    return f"Precedence: {value}" if value in BULK_PRECEDENCE else None


def _list_id(headers):
    """A mailing-list message (List-Id, or fml's and ezmlm's own headers)."""
    if (headers.get("list-id") or "").strip():
        return "List-Id (mailing list)"
    for name in LIST_HEADERS:
        if (headers.get(name) or "").strip():
            return "mailing list"
    return None


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

    ``headers`` maps lower-case header names (``SIGNAL_HEADERS``, ``from``,
    ``subject``, ``content-type``) to decoded values, plus ``from-address``
    (the bare sender), ``part-types`` (the content types of every MIME part,
    the message's own included) and ``body-text`` (the text body).
    """
    log_addresses = frozenset(log_addresses or ())
    checks = (
        _auto_submitted,
        _report,
        _autoreply_header,
        _failed_recipients,
        _null_return_path,
        _precedence,
        _list_id,
        _daemon_sender,
        _dsn_text,
    )
    for check in checks:
        reason = check(headers)
        if reason:
            return reason
    return _loop(headers, log_addresses) or _subject(headers)

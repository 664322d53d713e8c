# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Parse one inbound mail into the facts the logging pipeline needs (SPEC L2).

``parse_message(raw, log_addresses)`` returns a frozen ``ParsedMail``: ids,
participants, envelope recipients, bodies, attachments, a content hash (the
dedupe key when there is no Message-ID, SPEC L8), the policy headers, and the
classification ``kind`` (``bcc`` | ``forward`` | ``auto``) with, for forwards, a
``ForwardInfo`` describing the outermost forwarded message.  It raises nothing
but ``ParseError`` (input that is not a mail), whatever the input.

How ``kind`` is decided (``_classify``; rules drawn from the corpus, where every
reply quotes a header block that a naive parser would take for a forward, and
from public forward, reply and bounce collections):

1. ``auto`` when any automatic-mail signal is present (``autoreply``: RFC 3834
   and RFC 3464 structure first, the sender's local part after them), or when
   the forwarded message is a mail daemon's (a forwarded bounce).
2. The first prefix of the outer Subject (``forwards.LANGUAGES``):

   * a *reply* prefix (Re, RE, AW, SV, Antw, R, Rif, Res, Odp, ...) means ``bcc``.
     Every reply of the corpus has one: Outlook/Outlook.com replies with a full
     From/Sent/To/Subject block under an underscore rule, "-----Original
     Message-----", "----- Original Message -----", quoted "> Subject:" blocks,
     "On ... wrote:", "Am ... schrieb", "Op ... schreef", and an OWA reply whose
     quoted history holds Gmail and OWA forward blocks ("RE: Tr: Fwd: ...").
     A quoted header block under a reply is the thread history, not a forward.
     Exception: a message/rfc822 attached outside a delivery report makes it a
     forward of that message (source ``rfc822``).
   * a *forward* prefix (Fwd, Fw, WG, TR, RV, Enc, I, VS, VB, Doorst,
     Videresend, ...) means ``forward``: the first header block of the text body
     (else of the HTML body), else an attached message/rfc822, else an
     attribution line ("Am <date> schrieb <who>:", Outlook for Mac; also when
     it stands above the first block).  When none is found the mail is still a
     forward, with ``forward_unparsed=True`` (the caller falls back to the outer
     headers, as Natero does, and flags it).

3. No known prefix (an edited subject, a client that adds none): the body
   decides from where the first header block sits (``forwards.Found``):

   * in a reply's quoted history (below an "On ... wrote:" attribution line,
     or quoted with ``>`` below other quoted text) it is no forward: ``bcc``
     (a quoted "Forwarded message" block included);
   * right below the new text, a block under an explicit forward marker
     ("Forwarded message", "Begin forwarded message", ...) means ``forward``;
   * another block (an "Original Message" marker, an underscore rule, bare
     Outlook fields) means ``forward`` unless the mail goes to the people the
     block quotes (its sender or recipients, by address or display name in
     To/Cc): a reply.  Nothing written above the block means ``forward``;
   * an attribution line written first, above unquoted text, means
     ``forward`` (Outlook for Mac);
   * In-Reply-To/References and a log address in the envelope only do not
     decide: Gmail and Outlook set the thread headers on forwards too, and a
     forward to a colleague may copy the log address in BCC;
   * else an attached message/rfc822 means ``forward``; a forward marker
     without readable fields (outside quoted history) means ``forward`` with
     ``forward_unparsed=True``; anything else is ``bcc`` (a plain copy:
     participants are its own headers).
"""

import email
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.utils import parseaddr

from . import addresses, autoreply, dates, forwards, htmltext, mime
from .forwards import ForwardInfo
from .headers import ENVELOPE_HEADERS, Headers, first_id
from .mime import Attachment

__all__ = [
    "Attachment",
    "ForwardInfo",
    "ParseError",
    "ParsedMail",
    "cli_record",
    "parse_message",
]

POLICY_HEADERS = (
    "auto-submitted",
    "precedence",
    "x-autoreply",
    "return-path",
    "list-id",
    "list-unsubscribe",
    "x-auto-response-suppress",
    "x-loop",
    "content-type",
    "sender",
    "reply-to",
    "resent-from",
)
IDENTITY_HEADERS = (
    "from",
    "sender",
    "message-id",
    "date",
    "subject",
    "to",
    "cc",
    "received",
    "delivered-to",
    "return-path",
    "mime-version",
)
_HEADER_LINE_RE = re.compile(rb"^(?:From |[\x21-\x39\x3b-\x7e]+[ \t]*:)")
_MSGID_RE = re.compile(r"<([^<>\s]+)>")
_SPACES_RE = re.compile(r"\s+")
MAX_HEADER_BYTES = 1_000_000


class ParseError(ValueError):
    """The input is not an e-mail message (empty, binary, no header section)."""


@dataclass(frozen=True)
class ParsedMail:
    """Everything the logging pipeline needs from one inbound mail."""

    message_id: str
    content_hash: str
    subject: str
    date: object
    outer_from: str
    outer_from_name: str
    to: tuple
    cc: tuple
    envelope_to: tuple
    in_reply_to: str
    references: tuple
    kind: str
    auto_reason: str | None
    forward: ForwardInfo | None
    forward_unparsed: bool
    body_html: str
    body_text: str
    attachments: tuple
    headers: dict
    defects: tuple
    names: dict = field(default_factory=dict)  # address -> name (From, To, Cc)


def parse_message(raw, log_addresses=()):
    """Parse raw mail bytes (or text); raises only ``ParseError``."""
    try:
        return _parse(raw, frozenset(a.lower() for a in log_addresses or ()))
    except ParseError:
        raise
    except Exception as exc:
        raise ParseError(f"unparseable message: {type(exc).__name__}: {exc}") from exc


def _parse(raw, log_addresses):
    """The parse itself (see ``parse_message``)."""
    data, defects = _prepare(raw)
    message = email.message_from_bytes(data, policy=policy.compat32)
    headers = Headers(message)
    _require_identity(headers)
    parts = mime.bodies(message)
    facts = _Facts(headers, parts, log_addresses)
    kind, reason, forward, unparsed = _classify(facts)
    return facts.result(kind, reason, forward, unparsed, defects)


def _to_bytes(raw):
    """bytes of the input (str is encoded as UTF-8)."""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, (bytes, bytearray, memoryview)):
        return bytes(raw)
    raise ParseError(f"expected bytes or str, got {type(raw).__name__}")


def _prepare(raw):
    """Check that the input starts with a header section; (data, defects)."""
    data = _to_bytes(raw)
    defects = []
    stripped = data.lstrip(b"\r\n")
    if len(stripped) != len(data):
        defects.append("leading blank lines before the headers")
    if not stripped.strip():
        raise ParseError("empty input")
    head = stripped[:MAX_HEADER_BYTES].split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    if not _HEADER_LINE_RE.match(head):
        raise ParseError("no header section")
    if b"\x00" in head:
        raise ParseError("binary data in the header section")
    return stripped, defects


def _require_identity(headers):
    """Raise ParseError when no header of a mail is present."""
    if not any((headers.first(name) or "").strip() for name in IDENTITY_HEADERS):
        raise ParseError("no From, Message-ID, Date, Subject or To header")


class _Facts:
    """Header and body facts of one mail, shared by the classification steps."""

    def __init__(self, headers, parts, log_addresses):
        self.headers = headers
        self.parts = parts
        self.log_addresses = log_addresses
        from_value = headers.first("from") or ""
        self.outer_from = (addresses.split(from_value) or [""])[0]
        self.outer_from_name = _name_of(from_value)
        self.subject = _SPACES_RE.sub(" ", headers.first("subject") or "").strip()
        self.to = headers.addresses("to")
        self.cc = headers.addresses("cc")
        self.envelope_to = headers.addresses(*ENVELOPE_HEADERS)
        self._text = None
        self._view = None

    @property
    def html_view(self):
        """(root, Rendered) of the HTML body, rendered once."""
        if self._view is None:
            self._view = htmltext.view(self.parts.html)
        return self._view

    @property
    def body_text(self):
        """The text body (rendered from HTML when there is no text part)."""
        if self._text is None:
            self._text = self.parts.text or self.html_view[1].text
        return self._text

    def policy_headers(self):
        """The raw header values the policy layer needs."""
        result = {name: self.headers.first(name) for name in POLICY_HEADERS}
        result["authentication-results"] = list(
            self.headers.all("authentication-results")
        )
        return result

    def auto_reason(self):
        """The automatic-mail signal, or None."""
        signals = {name: self.headers.first(name) for name in POLICY_HEADERS}
        for name in autoreply.SIGNAL_HEADERS:
            signals[name] = self.headers.first(name)
        signals["from"] = self.headers.first("from") or ""
        signals["from-address"] = self.outer_from
        signals["subject"] = self.subject
        signals["part-types"] = self.parts.types
        signals["body-text"] = self.parts.text
        return autoreply.auto_reason(signals, self.log_addresses)

    def replies_to(self, info):
        """True when the mail goes to people of the quoted block (its sender,
        recipients, or a recipient's display name as the block's sender):
        a reply, where a forward goes to the log or to someone new."""
        recipients = set(self.to + self.cc) - self.log_addresses - {self.outer_from}
        quoted = {info.from_addr, *info.to, *info.cc} - {None, "", self.outer_from}
        if recipients & quoted:
            return True
        name = (info.from_name or "").casefold()
        names = self.headers.names("to", "cc")
        return bool(name) and any(
            names.get(address, "").casefold() == name for address in recipients
        )

    def content_hash(self):
        """sha256 of From, Date, Subject and the whitespace-normalised body."""
        date = dates.parse_rfc(self.headers.first("date"))
        stamp = date.isoformat() if date else (self.headers.first("date") or "")
        body = _SPACES_RE.sub(" ", self.body_text).strip()
        key = "\x1f".join((self.outer_from, stamp, self.subject, body))
        return hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()

    def result(self, kind, reason, forward, unparsed, defects):
        """Assemble the ParsedMail."""
        headers = self.headers
        return ParsedMail(
            message_id=first_id(headers.first("message-id")),
            content_hash=self.content_hash(),
            subject=self.subject,
            date=dates.parse_rfc(headers.first("date")),
            outer_from=self.outer_from,
            outer_from_name=self.outer_from_name,
            to=self.to,
            cc=self.cc,
            envelope_to=self.envelope_to,
            in_reply_to=first_id(headers.first("in-reply-to")),
            references=tuple(_MSGID_RE.findall(" ".join(headers.all("references")))),
            kind=kind,
            auto_reason=reason,
            forward=forward,
            forward_unparsed=unparsed,
            body_html=self.parts.html or htmltext.text_to_html(self.parts.text),
            body_text=self.body_text,
            attachments=self.parts.attachments,
            headers=self.policy_headers(),
            defects=tuple(dict.fromkeys(defects + list(self.parts.defects))),
            names=headers.names("from", "to", "cc"),
        )


def _name_of(value):
    """Display name of a From value (the comment form counts too)."""
    name = addresses.display_name(value)
    if name:
        return name
    comment = parseaddr(value)[0].strip()
    return "" if addresses.ADDRESS_RE.fullmatch(comment or "") else comment


def _classify(facts):
    """(kind, auto_reason, forward, forward_unparsed); see the module doc."""
    reason = facts.auto_reason()
    if reason:
        return "auto", reason, None, False
    kind, reason, info, unparsed = _classify_sent(facts)
    if info is not None and autoreply.is_daemon(info.from_raw, info.from_addr):
        return "auto", "forwarded bounce (from a mail daemon)", None, False
    return kind, reason, info, unparsed


def _classify_sent(facts):
    """The classification of a mail a person sent (no automatic signal)."""
    prefix = forwards.subject_kind(facts.subject)
    if prefix == "reply":
        info = _rfc822_forward(facts)
        return ("forward", None, info, False) if info else ("bcc", None, None, False)
    found = forwards.find_forward(
        facts.parts.text,
        facts.parts.html,
        facts.subject,
        attribution=prefix == "forward",
        view=facts.html_view if facts.parts.html else None,
    )
    if prefix == "forward":
        info = found.info if found.info else _rfc822_forward(facts)
        return "forward", None, info, info is None
    return _classify_unprefixed(facts, found)


def _classify_unprefixed(facts, found):
    """Rule 3 of the module doc: no reply or forward prefix."""
    info = found.info
    if info is not None and not found.quoted_history:
        if found.kind == "forward" or found.at_top or not facts.replies_to(info):
            return "forward", None, info, False
    info = _rfc822_forward(facts)
    if info is not None:
        return "forward", None, info, False
    if found.forward_marker and not found.quoted_history:
        return "forward", None, None, True
    return "bcc", None, None, False


def _rfc822_forward(facts):
    """ForwardInfo of the first attached message/rfc822, or None."""
    for part in facts.parts.rfc822:
        inner = mime.inner_message(part)
        if inner is not None:
            return _info_from_message(inner)
    return None


def _info_from_message(message):
    """ForwardInfo of an attached message (its own headers and bodies)."""
    headers = Headers(message)
    parts = mime.bodies(message)
    from_value = headers.first("from") or ""
    found = addresses.split(from_value)
    text = parts.text or htmltext.to_text(parts.html)
    return ForwardInfo(
        from_addr=found[0] if found else None,
        from_name=_name_of(from_value),
        to=headers.addresses("to"),
        cc=headers.addresses("cc"),
        subject=_SPACES_RE.sub(" ", headers.first("subject") or "").strip(),
        date=dates.parse_rfc(headers.first("date")),
        date_raw=headers.first("date") or "",
        body_html=parts.html or htmltext.text_to_html(parts.text),
        body_text=text.strip(),
        source="rfc822",
        deepest_from=None,
        from_raw=from_value,
    )


def cli_record(parsed, file):
    """The JSON object printed by ``setup/parse-email`` (keys of SPEC L2)."""
    info = parsed.forward if parsed.kind == "forward" else None
    return {
        "file": file,
        "kind": parsed.kind,
        "outer_from": parsed.outer_from or None,
        "original_from": info.from_addr if info else None,
        "original_to": list(info.to) if info else [],
        "original_cc": list(info.cc) if info else [],
        "original_subject": (info.subject or None) if info else None,
        "original_date": info.date.isoformat() if info and info.date else None,
    }

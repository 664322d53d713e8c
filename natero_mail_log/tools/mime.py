# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""MIME walking for the parser: body parts, charsets, attachments (SPEC L2).

Works on ``email.message.Message`` objects parsed with ``policy.compat32`` (the
fastest and most forgiving policy).  Nothing here raises on bad input: odd
charsets fall back (valid UTF-8 first, then the declared charset, then
cp1252/latin-1) and are reported as defects.
"""

import contextlib
import mimetypes
import re
from dataclasses import dataclass
from email.errors import MessageError

from . import addresses

_FILENAME_BAD_RE = re.compile(r"[\x00-\x1f/\\:*?\"<>|]+")
_FLOWED_QUOTE_RE = re.compile(r"^(>*) ?")
_UTF8_NAMES = frozenset(("utf-8", "utf8", "us-ascii", "ascii"))
BODY_CONTAINERS = frozenset(("mixed", "related", "report", "signed", "encrypted"))
MAX_PARTS = 2000


@dataclass(frozen=True)
class Attachment:
    """One attached file or inline image (``content_id`` without <>)."""

    filename: str
    content: bytes
    mimetype: str
    content_id: str | None
    inline: bool


@dataclass
class Bodies:
    """The text and HTML bodies of one message, and its attachments."""

    text: str = ""
    html: str = ""
    attachments: tuple = ()
    rfc822: tuple = ()
    defects: tuple = ()
    types: frozenset = frozenset()


def decode_bytes(data, charset, defects=None):
    """Decode body bytes: valid UTF-8 wins, then the declared charset."""
    if not data:
        return ""
    charset = (charset or "").strip().strip('"').lower()
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8")
    if charset and charset not in _UTF8_NAMES:
        with contextlib.suppress(LookupError, UnicodeDecodeError, ValueError):
            return data.decode(charset)
    if defects is not None:
        defects.append(f"undecodable body (charset {charset or 'none'})")
    return data.decode("cp1252", "replace")


def walk(message):
    """Leaf parts of a message as (part, parent subtype); rfc822 is a leaf."""
    stack = [(message, "")]
    count = 0
    while stack and count < MAX_PARTS:
        part, parent = stack.pop()
        count += 1
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, list):
            subtype = part.get_content_subtype()
            stack.extend((child, subtype) for child in reversed(payload))
            continue
        yield part, parent


def part_types(message):
    """Content types of a message and of all its MIME parts (lower case);
    attached messages are not opened."""
    types, stack, count = set(), [message], 0
    while stack and count < MAX_PARTS:
        part = stack.pop()
        count += 1
        types.add(part.get_content_type())
        payload = part.get_payload()
        if part.get_content_maintype() == "multipart" and isinstance(payload, list):
            stack.extend(child for child in payload if hasattr(child, "get_payload"))
    return frozenset(types)


def header_text(part, name):
    """A header of a part as text (8-bit bytes decoded), '' when absent."""
    value = part.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def disposition(part):
    """The lower-case Content-Disposition type ('' when absent)."""
    return header_text(part, "Content-Disposition").split(";")[0].strip().lower()


def filename(part):
    """The declared file name of a part ('' when none or unreadable)."""
    try:
        name = part.get_filename()
    except (ValueError, LookupError, TypeError, AttributeError):
        return ""
    return addresses.decode_words(header_text_value(name)) if name else ""


def header_text_value(value):
    """A str from a header-ish value (str, Header or tuple)."""
    if isinstance(value, tuple):
        value = value[-1]
    value = value if isinstance(value, str) else str(value)
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def is_attachment(part):
    """True for parts that are files rather than the message's own body."""
    if disposition(part) == "attachment" or filename(part):
        return True
    return part.get_content_type() not in ("text/plain", "text/html")


def payload_bytes(part, defects):
    """The decoded payload of a leaf part (bytes; never raises)."""
    try:
        if part.get_content_maintype() == "message":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) and inner else inner
            if hasattr(inner, "as_bytes"):
                return inner.as_bytes()
            return str(inner or "").encode("utf-8", "surrogateescape")
        data = part.get_payload(decode=True)
        return data if isinstance(data, bytes) else b""
    except Exception as exc:  # any decoding fault becomes a defect
        defects.append(f"undecodable part {part.get_content_type()}: {exc!r}")
        return b""


def part_text(part, defects):
    """The text of a text/* part (format=flowed lines re-joined)."""
    text = decode_bytes(
        payload_bytes(part, defects), part.get_content_charset(), defects
    )
    if str(part.get_param("format") or "").lower() == "flowed":
        delsp = str(part.get_param("delsp") or "").lower() == "yes"
        text = unflow(text, delsp)
    return text


def unflow(text, delsp=False):
    """Undo RFC 3676 format=flowed: join soft-broken lines of equal quote depth."""
    out, flowing = [], False
    for line in text.splitlines():
        match = _FLOWED_QUOTE_RE.match(line)
        depth, content = len(match.group(1)), line[match.end() :]
        soft = content.endswith(" ") and content != "-- "
        if soft and delsp:
            content = content[:-1]
        if flowing and out and out[-1][0] == depth:
            out[-1][1] += content
        else:
            out.append([depth, content])
        flowing = soft
    return "\n".join(">" * d + (" " if d else "") + c for d, c in out)


def inner_message(part):
    """The message inside a message/rfc822 part, or None."""
    inner = part.get_payload()
    if isinstance(inner, list):
        inner = inner[0] if inner else None
    return inner if hasattr(inner, "get_content_type") else None


def _filename(part, index, mimetype):
    """A safe file name for an attachment."""
    name = filename(part)
    if not name and mimetype in ("message/rfc822", "message/global"):
        inner = inner_message(part)
        subject = header_text(inner, "Subject") if inner else ""
        subject = addresses.decode_words(subject)
        name = (subject.strip() or "forwarded-message")[:120] + ".eml"
    if not name:
        extension = mimetypes.guess_extension(mimetype) or ".bin"
        name = f"attachment-{index}{extension}"
    return _FILENAME_BAD_RE.sub("_", name).strip(" .") or f"attachment-{index}"


def _attachment(part, index, defects):
    """Build the Attachment of a leaf part."""
    mimetype = part.get_content_type()
    content_id = header_text(part, "Content-ID").strip().strip("<>").strip() or None
    kind = disposition(part)
    inline = kind == "inline" or (not kind and content_id is not None)
    return Attachment(
        filename=_filename(part, index, mimetype),
        content=payload_bytes(part, defects),
        mimetype=mimetype,
        content_id=content_id,
        inline=inline,
    )


def _broken_multipart_text(part):
    """The raw payload of a multipart whose boundary never occurs."""
    payload = part.get_payload()
    if isinstance(payload, str):
        payload = payload.encode("utf-8", "surrogateescape")
    return decode_bytes(payload if isinstance(payload, bytes) else b"", "utf-8")


class _Collector:
    """Accumulates the bodies and attachments while walking a message."""

    def __init__(self):
        self.defects, self.text, self.html, self.files, self.rfc822 = [], [], [], [], []

    def take(self, index, part, parent):
        """Sort one leaf part into text, HTML or attachments."""
        self.defects.extend(type(defect).__name__ for defect in part.defects)
        kind = part.get_content_type()
        if part.get_content_maintype() == "multipart":
            self.text.append(_broken_multipart_text(part))
            return
        if not is_attachment(part):
            target = self.text if kind == "text/plain" else self.html
            if not target or parent in BODY_CONTAINERS:
                target.append(part_text(part, self.defects))
                return
            if parent == "alternative":
                return
        self.files.append(_attachment(part, index, self.defects))
        if kind in ("message/rfc822", "message/global") and parent != "report":
            self.rfc822.append(part)


def bodies(message):
    """Split a message into its text body, HTML body and attachments."""
    collector = _Collector()
    for index, (part, parent) in enumerate(walk(message)):
        try:
            collector.take(index, part, parent)
        except (
            ValueError,
            LookupError,
            TypeError,
            AttributeError,
            MessageError,
        ) as exc:
            collector.defects.append(f"unreadable MIME part: {exc!r}")
    return Bodies(
        text="\n".join(collector.text),
        html="\n".join(collector.html),
        attachments=tuple(collector.files),
        rfc822=tuple(collector.rfc822),
        defects=tuple(dict.fromkeys(collector.defects)),
        types=part_types(message),
    )

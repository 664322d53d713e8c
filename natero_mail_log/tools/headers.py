# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The header section of a mail, read once the same way for the gateway
(SPEC L1: which log address a mail is for) and the parser (SPEC L2).

Pure Python, no Odoo import.  ``Headers`` maps lower-case header names to
their values, cleaned (8-bit bytes decoded, unfolded, RFC 2047 words decoded)
the first time they are asked for; addresses come out in Odoo's normal form
(``addresses.split``).
"""

import re
from email import policy
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from . import addresses, mime

# Recipients the MTA wrote (the envelope), topmost first, and those the sender
# wrote (visible).
ENVELOPE_HEADERS = ("delivered-to", "x-original-to", "envelope-to", "x-envelope-to")
VISIBLE_HEADERS = ("to", "cc", "resent-to", "resent-cc")
# What each delivery of a mail adds on top of it (envelope and trace headers).
DELIVERY_HEADERS = frozenset(
    (
        b"return-path",
        b"delivered-to",
        b"x-original-to",
        b"envelope-to",
        b"x-envelope-to",
        b"received",
        b"authentication-results",
    )
)
_MSGID_RE = re.compile(r"<([^<>\s]+)>")
_FOLD_RE = re.compile(r"\r?\n(?=[ \t])")


def clean_value(value):
    """A raw header value as text: 8-bit bytes decoded, unfolded, words decoded."""
    if not isinstance(value, str):
        value = str(value)
    if any("\udc80" <= char <= "\udcff" for char in value):
        value = mime.decode_bytes(value.encode("utf-8", "surrogateescape"), "utf-8")
    value = _FOLD_RE.sub("", value)
    return addresses.decode_words(value).strip()


class Headers:
    """Lower-case header name -> list of cleaned values."""

    def __init__(self, message):
        self.values = {}
        for name, value in message.raw_items():
            self.values.setdefault(str(name).strip().lower(), []).append(value)
        self._cache = {}

    @classmethod
    def from_bytes(cls, raw):
        """The headers of raw mail bytes, read without parsing the body."""
        return cls(BytesHeaderParser(policy=policy.compat32).parsebytes(raw))

    def all(self, name):
        """Every cleaned value of a header."""
        if name not in self._cache:
            self._cache[name] = [clean_value(v) for v in self.values.get(name, ())]
        return self._cache[name]

    def first(self, name):
        """The first cleaned value of a header, or None."""
        found = self.all(name)
        return found[0] if found else None

    def addresses(self, *names):
        """Normalised addresses of several headers, in order, deduplicated."""
        found = []
        for name in names:
            for value in self.all(name):
                found.extend(a for a in addresses.split(value) if a not in found)
        return tuple(found)

    def envelope(self):
        """The envelope recipients, topmost first (the last delivery's leads).

        Our MTA writes one address per envelope field: each value is read
        whole first, whatever characters a crafted "+token" part holds, then
        the addresses written in it."""
        whole = [
            address
            for name in ENVELOPE_HEADERS
            for value in self.all(name)
            if (address := bare_address(value))
        ]
        return list(dict.fromkeys(whole + list(self.addresses(*ENVELOPE_HEADERS))))

    def names(self, *names):
        """{address: display name} of the addresses these headers name."""
        found = {}
        for name, value in getaddresses(
            [v for header in names for v in self.all(header)]
        ):
            address = (addresses.split(value) or [""])[0]
            if address and name.strip() and address not in found:
                found[address] = name.strip()
        return found


def first_id(value):
    """The first message id of a header value, without <>."""
    if not value:
        return ""
    match = _MSGID_RE.search(value)
    return match.group(1) if match else value.strip().strip("<>").strip()


def bare_address(value):
    """``value`` read whole as one address (``<a@b>`` or ``a@b``) in Odoo's
    normal form, or '' when it is not one address."""
    value = value.strip().removeprefix("<").removesuffix(">").strip()
    local, at, domain = value.rpartition("@")
    if not (local and at and domain) or any(c.isspace() for c in value):
        return ""
    return addresses.odoo_case(value)


def without_delivery_headers(raw):
    """``raw`` without the header lines each delivery adds on top (envelope
    and trace headers): what two deliveries of one mail have in common."""
    lines = raw.split(b"\n")
    index, skipping = 0, False
    for index, line in enumerate(lines):  # noqa: B007 (index used below)
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        name = line.partition(b":")[0].strip().lower()
        skipping = name in DELIVERY_HEADERS
        if not skipping:
            break
    return b"\n".join(lines[index:])

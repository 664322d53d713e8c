# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""E-mail address helpers (SPEC L2/L3): normalising, splitting, domains.

Pure Python, no Odoo import.  Addresses are returned bare and in Odoo's
normal form (``odoo.tools.email_normalize``, which fills
``res.partner.email_normalized``): the domain in lower case, the local part in
lower case only when it is ASCII (``"John <John@Acme.COM>"`` ->
``"john@acme.com"``, ``"Jöhn@Example.com"`` -> ``"Jöhn@example.com"``).
``normalize`` gives exactly what Odoo's ``email_normalize(value, strict=False)``
gives (``""`` for False), quirks included; ``split`` and ``find_all`` read
header values and free text more leniently but put every address they find in
the same form.  Anything that does not look like an address gives ``""``
(``normalize``) or is left out (``split``).
"""

import email.utils
import re
from email.errors import MessageError
from email.header import decode_header, make_header
from pathlib import Path
from xml.etree import ElementTree

# One address: a local part (no leading quote), "@", a dotted domain whose last
# label is alphabetic (or an IDNA "xn--" label).  The look-behind keeps the scan
# linear: a match can only start where a run of address characters starts.
_LOCAL = r"[\w!#$%&*+/=?^`{|}~-]+(?:[.'][\w!#$%&*+/=?^`{|}~-]+)*"
_DOMAIN = r"(?:[\w-]+\.)+(?:[^\W\d_]{2,}|xn--[\w-]+)"
ADDRESS_RE = re.compile(
    rf"(?<![\w!#$%&*+/=?^`{{|}}~.-])(?<!\w')({_LOCAL})@({_DOMAIN})(?![\w-])"
)
# "addr<mailto:addr>": the link target duplicates the address shown before it.
_MAILTO_AFTER_ADDR_RE = re.compile(rf"(@{_DOMAIN})<mailto:[^>\s]*>", re.IGNORECASE)
_QUOTED_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
# Odoo's fallback scan (odoo.tools.mail.email_re) for "@domain"-only results.
_ODOO_SCAN_RE = re.compile(r"[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,63}")
_MAX_VALUE = 20000
FREE_MAIL_FILE = (
    Path(__file__).resolve().parent.parent
    / "data"
    / "natero_mail_log_free_domain_data.xml"
)
# A domain name as a setting or a list entry holds it (lower case, ASCII/IDNA).
DOMAIN_RE = re.compile(r"(?=.{1,253}$)(?:[a-z0-9-]{1,63}\.)+[a-z]{2,63}")
# A bare address typed in a list: no display name, no spaces, one "@".
_ENTRY_ADDRESS_RE = re.compile(r"[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+")


def decode_words(value):
    """Return ``value`` with RFC 2047 encoded words decoded (never raises)."""
    if value is None:
        return ""
    value = str(value)
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except (ValueError, LookupError, UnicodeError, TypeError, MessageError):
        return value


def odoo_case(address):
    """Odoo's case rule for one bare address: the domain in lower case, the
    local part in lower case only when it is ASCII (SMTPUTF8 local parts are
    kept as written)."""
    local, at, domain = address.rpartition("@")
    if local.isascii():
        local = local.lower()
    return local + at + domain.lower()


def _clean(local, domain):
    """Trim one matched address and apply Odoo's case rule; '' when it is
    not plausible."""
    address = f"{local}@{domain}".strip(".-")
    if len(address) > 254 or ".." in address:
        return ""
    return odoo_case(address)


def find_all(text):
    """Every address written in free text, in order, without duplicates.

    Used on forwarded-block values, where names and addresses are written
    loosely (``Bessie, Berry <b@x.com>; c@y.com <c@y.com>``, ``Foo (f@x.com)``,
    ``Doe [mailto:d@x.com]``).  A ``<mailto:...>`` link right after an address
    is ignored (it repeats, or contradicts, what the reader saw).
    """
    text = _MAILTO_AFTER_ADDR_RE.sub(r"\1", (text or "")[:_MAX_VALUE])
    found = []
    for match in ADDRESS_RE.finditer(text):
        address = _clean(match.group(1), match.group(2))
        if address and address not in found:
            found.append(address)
    return found


def split(header_value):
    """Normalised addresses of a header value (encoded words, groups, quotes).

    Quoted display names are blanked before the scan, so a comma or an address
    inside ``"Doe, John"`` never yields a participant; ``;`` and ``,`` both
    separate; group syntax (``Team: a@x.com, b@y.com;``) needs nothing special.
    """
    value = decode_words(header_value)[:_MAX_VALUE]
    return find_all(_QUOTED_RE.sub('""', value))


def _getaddresses(value):
    """``email.utils.getaddresses`` in its lenient mode, as Odoo calls it."""
    if hasattr(email.utils, "supports_strict_parsing"):
        return email.utils.getaddresses([value], strict=False)
    return email.utils.getaddresses([value])


def _odoo_candidates(text):
    """The addresses Odoo's ``email_split`` finds in ``text``, in order."""
    pairs = [(name, addr) for name, addr in _getaddresses(text) if "@" in addr]
    if any(addr.startswith("@") for _name, addr in pairs):
        # A lone "@domain": Odoo scans the text with its simple pattern instead.
        scanned = [a for a in _ODOO_SCAN_RE.findall(text) if not a.startswith("@")]
        if scanned:
            return scanned
    return [addr if name else _spaced(addr) for name, addr in pairs]


def _spaced(addr):
    """Odoo's repair of ``name addr@x`` read as one nameless address: re-read
    it with the spaces as separators and keep the last part holding an "@"."""
    if " " not in addr:
        return addr
    parts = [part for _name, part in _getaddresses(addr.replace(" ", ","))]
    with_at = [part for part in parts if part and "@" in part]
    return with_at[-1] if with_at else addr


def normalize(addr, strict=False):
    """The address in ``addr`` in Odoo's normal form ('' when there is none).

    Same result as ``odoo.tools.email_normalize(addr, strict)`` (``""`` for
    False): the first address (``strict``: the only one, else ``""``),
    domain lower-cased, local part lower-cased when ASCII.
    """
    if not addr:
        return ""
    found = _odoo_candidates(str(addr))
    if not found or (strict and len(found) != 1):
        return ""
    return odoo_case(found[0])


def normalize_domain(value):
    """A domain as typed (``" @Acme.COM"``) in its normal form (``"acme.com"``):
    lower case, without a leading "@"; check it with ``DOMAIN_RE``."""
    return (value or "").strip().lower().lstrip("@")


def normalize_entry(value):
    """A list entry (never-log): a bare address in Odoo's normal form
    (``normalize``), or a domain (``normalize_domain``); '' when it is neither.

    >>> normalize_entry(" Kate@ACME.example "), normalize_entry("@Secret.example")
    ('kate@acme.example', 'secret.example')
    >>> normalize_entry("Jöhn@Acme.example"), normalize_entry("not valid")
    ('Jöhn@acme.example', '')
    """
    value = (value or "").strip()
    if _ENTRY_ADDRESS_RE.fullmatch(value):
        address = normalize(value, strict=True)
        domain = address.rpartition("@")[2]
        return address if DOMAIN_RE.fullmatch(domain) else ""
    domain = normalize_domain(value)
    return domain if DOMAIN_RE.fullmatch(domain) else ""


def display_name(value):
    """The display name written before the address in ``value`` ('' if none)."""
    value = decode_words(value).strip()
    cut = len(value)
    for token in ("<", "[mailto:", "(", " on behalf of ", " im Auftrag von "):
        index = value.find(token)
        if index != -1:
            cut = min(cut, index)
    name = value[:cut].strip().strip("\"'«»“”‘’ ").strip()
    if ADDRESS_RE.fullmatch(name) or not name:
        return ""
    return name


def domain_of(addr):
    """The lower-case domain of an address ('' when invalid)."""
    address = normalize(addr)
    return address.rpartition("@")[2] if address else ""


def matches_domain(addr, domains):
    """True when the address's domain is one of ``domains`` or a subdomain."""
    domain = domain_of(addr)
    if not domain:
        return False
    for candidate in domains or ():
        candidate = (candidate or "").strip().lower().lstrip("@.")
        if candidate and (domain == candidate or domain.endswith("." + candidate)):
            return True
    return False


def free_mail_domains(path=FREE_MAIL_FILE):
    """The free-mail domains of the addon's data file (the records of
    ``natero.mail.log.free.domain`` it creates at install)."""
    root = ElementTree.parse(path).getroot()
    return frozenset(
        field.text.strip()
        for field in root.iter("field")
        if field.get("name") == "name" and field.text
    )


def is_free_mail(addr, free_domains):
    """True when the address belongs to one of the ``free_domains``."""
    return domain_of(addr) in free_domains

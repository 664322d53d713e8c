# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sender authentication from Authentication-Results headers (SPEC L4).

Pure Python, no Odoo import.  Which headers count (RFC 8601 §5, RFC 7489):

* Only the header fields your own servers wrote.  Every receiving MTA adds a
  ``Received`` field on top of the mail; the sender can write anything below
  the one your MX added, including an ``Authentication-Results`` naming your
  server.  So the *trusted zone* is the header block above the
  ``(own_hops + 1)``-th ``Received`` field, read from the top: with the
  filter (OpenDMARC, rspamd) on the MX that pipes into Odoo, ``own_hops`` is 0
  and the zone is what sits above the MX's ``Received`` field (the delivery
  headers Return-Path, Delivered-To, X-Original-To and the filter's results).
  A mailbox or relay of yours behind the MX adds its own ``Received`` field on
  top: count it in ``own_hops``.  A mail with fewer ``Received`` fields than
  that has no trusted zone (nothing tells your headers from the sender's).
* In that zone, only ``Authentication-Results`` fields whose authserv-id is
  the configured one (case-insensitive); every other field is ignored.
* A result authenticates the From domain when it is (DMARC alignment,
  RFC 7489 §3.1): ``dmarc=pass`` (its ``header.from``, when given, must be the
  From domain); or ``dkim=pass`` whose ``header.d`` (else the domain of
  ``header.i``) is aligned with the From domain; or ``spf=pass`` whose
  ``smtp.mailfrom`` domain is aligned.  ``smtp.helo`` never counts.
* Alignment: *strict*, the same domain; *relaxed* (DMARC's default), the same
  organisational domain, computed with the Public Suffix List when one is
  given; without a list, one domain must be the other or a parent of it (this
  never accepts two different registrations under a shared suffix, such as
  ``a.co.uk`` and ``b.co.uk``).
"""

import re
from dataclasses import dataclass, field

_COMMENT_FREE_RE = re.compile(r'"(?:[^"\\]|\\.)*"|\\.|[()]|[^"\\()]+', re.DOTALL)
_PAIR_RE = re.compile(
    r'([A-Za-z0-9_.\-/]+)\s*=\s*((?:"(?:[^"\\]|\\.)*"|[^\s;"])+)', re.DOTALL
)
MAX_FIELDS = 1000
MAX_VALUE = 20000


@dataclass(frozen=True)
class Result:
    """One ``method=result`` of an Authentication-Results field."""

    method: str
    result: str
    props: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str
    results: tuple


def header_fields(raw):
    """[(lower-case name, unfolded value)] of the header block of ``raw``, in order.

    Reading stops at the blank line ending the header block, or at the first
    line that is neither a field nor a continuation (a damaged header block:
    what follows cannot be placed).
    """
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogateescape")
    fields = []
    lines = (raw or b"").split(b"\n")
    if lines and lines[0].startswith(b"From "):  # an mbox separator
        lines = lines[1:]
    for line in lines:
        line = line.rstrip(b"\r")
        if not line:
            break
        if line[:1] in (b" ", b"\t"):
            if not fields:
                break
            name, value = fields[-1]
            if len(value) < MAX_VALUE:
                fields[-1] = (name, value + " " + _text(line.strip()))
            continue
        name, colon, value = line.partition(b":")
        if not colon or not name or name != name.strip() or b" " in name:
            break
        if len(fields) >= MAX_FIELDS:
            break
        fields.append((_text(name).lower(), _text(value.strip())))
    return fields


def _text(data):
    return data.decode("utf-8", "replace")


def strip_comments(value):
    """``value`` without its RFC 5322 comments (nested, quotes respected)."""
    out, depth = [], 0
    for token in _COMMENT_FREE_RE.findall(value or ""):
        if token == "(":
            depth += 1
        elif token == ")":
            depth = max(depth - 1, 0)
        elif not depth:
            out.append(token)
    return "".join(out)


def _unquote(value):
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return re.sub(r"\\(.)", r"\1", value[1:-1])
    return value


def parse(value):
    """The authserv-id and results of one Authentication-Results value.

    >>> r = parse('mx.a.io (v1); dkim=pass (ok) header.d="b.io"; spf=fail')
    >>> r.authserv_id, [(x.method, x.result, x.props) for x in r.results]
    ('mx.a.io', [('dkim', 'pass', {'header.d': 'b.io'}), ('spf', 'fail', {})])
    """
    segments = _split_semicolons(strip_comments(value)[:MAX_VALUE])
    head = segments[0].split() if segments else []
    authserv = _unquote(head[0]).strip().lower().rstrip(".") if head else ""
    results = []
    for segment in segments[1:]:
        pairs = _PAIR_RE.findall(segment)
        if not pairs:
            continue  # "none", or garbage
        method, result = pairs[0]
        props = {}
        for key, pvalue in pairs[1:]:
            key = key.lower()
            if "." in key and key not in props:
                props[key] = _unquote(pvalue)
        results.append(
            Result(method.split("/")[0].lower(), _unquote(result).lower(), props)
        )
    return AuthResults(authserv, tuple(results))


def _split_semicolons(value):
    parts, current, quoted, escaped = [], [], False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == ";" and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def trusted_zone(fields, own_hops=0):
    """The fields above the ``(own_hops + 1)``-th Received field ([] if none)."""
    seen = 0
    for index, (name, _value) in enumerate(fields):
        if name == "received":
            if seen == max(own_hops, 0):
                return fields[:index]
            seen += 1
    return []


def trusted_results(fields, authserv_id, own_hops=0):
    """Results stated by ``authserv_id`` in the trusted zone of ``fields``."""
    wanted = (authserv_id or "").strip().lower().rstrip(".")
    if not wanted:
        return []
    results = []
    for name, value in trusted_zone(fields, own_hops):
        if name != "authentication-results":
            continue
        parsed = parse(value)
        if parsed.authserv_id == wanted:
            results.extend(parsed.results)
    return results


def load_suffix_rules(text):
    """The rules of a Public Suffix List file (``public_suffix_list.dat``)."""
    rules = set()
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith("//"):
            rules.add(line.split()[0].lower())
    return frozenset(rules)


def _domain(value):
    value = (value or "").strip().strip("<>").lower()
    value = value.rpartition("@")[2].strip().rstrip(".")
    if not value or any(c.isspace() for c in value) or ".." in value:
        return ""
    return value


def organizational_domain(domain, rules):
    """RFC 7489 §3.2: the public suffix plus one label (None for a suffix).

    >>> organizational_domain("a.b.example.co.uk", {"uk", "co.uk"})
    'example.co.uk'
    """
    labels = _domain(domain).split(".")
    if not labels or not labels[0]:
        return None
    suffix = 1
    for start in range(len(labels)):
        tail = labels[start:]
        name = ".".join(tail)
        if "!" + name in rules:
            suffix = len(tail) - 1
            break
        if name in rules or ".".join(["*", *tail[1:]]) in rules:
            suffix = max(suffix, len(tail))
    if len(labels) <= suffix:
        return None
    return ".".join(labels[-(suffix + 1) :])


def aligned(auth_domain, from_domain, mode="relaxed", rules=None):
    """Whether ``auth_domain`` is aligned with ``from_domain`` (RFC 7489 §3.1).

    >>> aligned("mail.v.io", "v.io"), aligned("mail.v.io", "v.io", "strict")
    (True, False)
    >>> aligned("evil.io", "v.io"), aligned("v.io.evil.io", "v.io")
    (False, False)
    """
    auth_domain, from_domain = _domain(auth_domain), _domain(from_domain)
    if not auth_domain or not from_domain:
        return False
    if auth_domain == from_domain:
        return True
    if mode == "strict":
        return False
    if rules:
        org = organizational_domain(from_domain, rules)
        return org is not None and org == organizational_domain(auth_domain, rules)
    return auth_domain.endswith("." + from_domain) or from_domain.endswith(
        "." + auth_domain
    )


def authenticating_result(results, from_domain, mode="relaxed", rules=None):
    """The first result that authenticates ``from_domain``, or None.

    >>> r = [Result("spf", "pass", {"smtp.mailfrom": "x@evil.io"}),
    ...      Result("dkim", "pass", {"header.d": "mail.v.io"})]
    >>> authenticating_result(r, "v.io").method
    'dkim'
    >>> authenticating_result(r[:1], "v.io") is None
    True
    """
    from_domain = _domain(from_domain)
    if not from_domain:
        return None
    for result in results:
        if result.result != "pass":
            continue
        props = result.props
        if result.method == "dmarc":
            header_from = props.get("header.from")
            if header_from is None or _domain(header_from) == from_domain:
                return result
        elif result.method == "dkim":
            domain = props.get("header.d") or props.get("header.i", "")
            if aligned(domain, from_domain, mode, rules):
                return result
        elif result.method == "spf":
            if aligned(props.get("smtp.mailfrom", ""), from_domain, mode, rules):
                return result
    return None

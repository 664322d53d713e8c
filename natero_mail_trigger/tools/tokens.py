# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Signed, unguessable tokens for public URLs (SPEC T6, T7).

A token is the URL-safe base64 of HMAC-SHA256(secret, message) where the message
is a canonical JSON list of a purpose (``"unsubscribe"``, ``"open"``...) and the
values the URL carries (database name, record id, email...). ``check`` compares
in constant time with ``hmac.compare_digest`` (which Odoo's ``tools.consteq``
is).

The format never changes: tokens are in the links of emails already sent
(``tests/unit/test_trigger_tokens.py`` and ``TestTriggerTracking`` pin it).
Odoo's ``tools.misc.hmac`` is not used for that reason: its tokens (hex of
HMAC-SHA256 over ``repr((scope, message))``, always keyed with
``database.secret``) are another format, would invalidate every link already
sent and could not use ``natero_mail_trigger.secret``.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets

TOKEN_BYTES = 32
# A reply token (T9) is a local part: mail servers and clients may change its
# case, so it is lower-case base32 of the first 128 bits of the same HMAC.
REPLY_TOKEN_BYTES = 16
REPLY_PURPOSE = "reply"
REPLY_LOCAL_RE = re.compile(r"([a-z0-9._-]+)\+([0-9]{1,18})-([a-z2-7]{26})")


def _as_bytes(value):
    return value.encode() if isinstance(value, str) else bytes(value)


def _message(purpose, values):
    if not purpose:
        raise ValueError("a token needs a purpose")
    return json.dumps([purpose, *values], separators=(",", ":"), default=str).encode()


def sign(secret, purpose, *values):
    """The token of ``values`` for ``purpose`` under ``secret``."""
    if not secret:
        raise ValueError("a token needs a secret")
    digest = hmac.new(
        _as_bytes(secret), _message(purpose, values), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def check(secret, token, purpose, *values):
    """Whether ``token`` is the token of ``values`` for ``purpose``."""
    if not secret or not isinstance(token, str) or not token:
        return False
    expected = sign(secret, purpose, *values)
    return hmac.compare_digest(expected.encode(), token.encode())


def reply_token(secret, dbname, send_id):
    """T9: the case-insensitive token of the reply address of send ``send_id``."""
    if not secret:
        raise ValueError("a token needs a secret")
    digest = hmac.new(
        _as_bytes(secret),
        _message(REPLY_PURPOSE, (dbname, int(send_id))),
        hashlib.sha256,
    ).digest()[:REPLY_TOKEN_BYTES]
    return base64.b32encode(digest).rstrip(b"=").decode().lower()


def reply_local_part(alias, secret, dbname, send_id):
    """``<alias>+<send id>-<token>``: the local part of a send's reply address."""
    return f"{alias}+{int(send_id)}-{reply_token(secret, dbname, send_id)}"


def read_reply_local_part(local_part):
    """``(alias, send id, token)`` of a local part shaped as a reply address,
    else None. Only the shape is checked: ``check_reply`` checks the token."""
    match = REPLY_LOCAL_RE.fullmatch((local_part or "").lower())
    if not match:
        return None
    return match.group(1), int(match.group(2)), match.group(3)


def check_reply(secret, dbname, send_id, token):
    """Whether ``token`` signs the reply address of ``send_id``, in constant
    time."""
    if not secret or not isinstance(token, str) or not token:
        return False
    expected = reply_token(secret, dbname, send_id)
    return hmac.compare_digest(expected.encode(), token.lower().encode())


def new_api_key(prefix="ntk"):
    """A new random API key ``<prefix>_<lookup>_<secret>`` and its lookup part.

    The lookup part (12 hex chars) is stored in clear to find the key's record;
    only a hash of the whole key is stored.
    """
    lookup = secrets.token_hex(6)
    return f"{prefix}_{lookup}_{secrets.token_urlsafe(TOKEN_BYTES)}", lookup


def api_key_lookup(key):
    """The lookup part of an API key, or None when it is not shaped like one."""
    if not isinstance(key, str):
        return None
    parts = key.split("_", 2)
    if len(parts) != 3 or len(parts[1]) != 12:
        return None
    try:
        int(parts[1], 16)
    except ValueError:
        return None
    return parts[1]


def hash_api_key(key):
    """SHA-256 hex digest of an API key (keys are random, no salt needed)."""
    return hashlib.sha256(_as_bytes(key)).hexdigest()


def check_api_key(key, key_hash):
    """Constant-time check of ``key`` against a stored ``hash_api_key`` value."""
    if not isinstance(key, str) or not key_hash:
        return False
    return hmac.compare_digest(hash_api_key(key).encode(), key_hash.encode())

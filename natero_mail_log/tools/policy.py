# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Policy decisions of the logging pipeline, as values (SPEC L4, L5, L7).

Nothing here imports Odoo: the model gathers facts in batch queries, these
functions decide, and the model turns a :class:`Decision` into a log state,
the way Odoo's ``mail/tools/alias_error.py`` turns alias checks into values.
"""

from dataclasses import dataclass

from . import addresses, authres

# Log states a decision can lead to.
LOGGED = "logged"
UNASSIGNED = "unassigned"
REJECTED = "rejected"
IGNORED = "ignored"
ERROR = "error"


@dataclass(frozen=True)
class Decision:
    """Why a log stops short of being posted: a state, a stable code, a text."""

    state: str
    code: str
    reason: str


@dataclass(frozen=True)
class Attribution:
    """Who a logged email counts for (L4) and by which rule."""

    user_id: int
    rule: str


def check_noise(kind, auto_reason, sender, own_addresses):
    """L5: auto-replies, bounces, bulk mail and loops are ignored with a reason."""
    if kind == "auto":
        return Decision(IGNORED, "auto", auto_reason or "automatic message")
    if sender and sender in own_addresses:
        return Decision(IGNORED, "loop", f"sent by our own address {sender} (loop)")
    if not sender:
        return Decision(REJECTED, "no_sender", "the email has no sender address")
    return None


def attribute(sender, personal_user, user_addresses, connected, logins, aliases):
    """L4 attribution, in HubSpot's order; ``None`` when the sender is unknown.

    :param sender: the bare sender address
    :param personal_user: id of the user whose personal address received the
        mail, or None
    :param user_addresses: {user_id: set of that user's addresses}
    :param connected: [(connected_at, user_id)] of users who connected sender
    :param logins: ids of users whose login or email is the sender
    :param aliases: ids of users who have the sender as an alias

    >>> attribute("a@x.io", None, {}, [], [7], [])
    Attribution(user_id=7, rule='login')
    >>> attribute("a@x.io", None, {}, [(2, 5), (1, 9)], [], [])
    Attribution(user_id=9, rule='connected_first')
    >>> attribute("a@x.io", 3, {3: {"b@x.io"}}, [], [], []) is None
    True
    """
    if personal_user:
        if sender in user_addresses.get(personal_user, ()):
            return Attribution(personal_user, "personal_address")
        return None
    if len(connected) == 1:
        return Attribution(connected[0][1], "connected")
    if len(set(logins)) == 1:
        return Attribution(logins[0], "login")
    if len(set(aliases)) == 1:
        return Attribution(aliases[0], "alias")
    if connected:
        return Attribution(min(connected)[1], "connected_first")
    if logins or aliases:
        return Attribution(min(set(logins) | set(aliases)), "ambiguous")
    return None


def unrecognised(sender, personal_user, other_company=False):
    """Why ``sender`` is attributed to nobody.

    ``other_company``: the address is a user's, but one not allowed in the
    company whose log address received it (Odoo's allowed companies).
    """
    if other_company:
        return Decision(
            REJECTED,
            "other_company",
            f"{sender} is the address of a user not allowed in this company",
        )
    if personal_user:
        return Decision(
            REJECTED,
            "personal_foreign",
            f"{sender} is not an address of the owner of this personal log address",
        )
    return Decision(
        REJECTED, "unknown_sender", f"{sender} is not the address of any user"
    )


def check_authentication(
    fields, sender, trusted_authserv, own_hops=0, alignment="relaxed", rules=None
):
    """L4 anti-spoofing: a DMARC-aligned pass stated by the trusted server.

    ``fields`` are the mail's header fields in order (``authres.header_fields``);
    ``tools/authres.py`` says which of them count.

    >>> ours = [("authentication-results", "mx.a.io; spf=pass smtp.mailfrom=x@v.io"),
    ...         ("received", "from x by mx.a.io")]
    >>> check_authentication(ours, "sam@v.io", "mx.a.io")
    >>> check_authentication(ours, "sam@evil.io", "mx.a.io").code
    'unauthenticated'
    >>> check_authentication(ours[::-1], "sam@v.io", "mx.a.io").code
    'unauthenticated'
    """
    trusted = (trusted_authserv or "").strip().lower()
    results = authres.trusted_results(fields, trusted, own_hops)
    domain = addresses.domain_of(sender)
    if authres.authenticating_result(results, domain, alignment, rules):
        return None
    return Decision(
        REJECTED,
        "unauthenticated",
        f"no DMARC pass, nor DKIM or SPF pass aligned with {domain or '?'}, in "
        f"an Authentication-Results header written by the trusted server "
        f"{trusted or '?'} above its Received header",
    )


def mask_token(address):
    """A personal log address with its secret token masked (issue 10 item 8).

    >>> mask_token("log+k3y@x.io"), mask_token("log@x.io"), mask_token("log+k")
    ('log+…@x.io', 'log@x.io', 'log+…')
    """
    address = address or ""
    local, at, domain = address.rpartition("@")
    if not at:
        local, domain = address, ""
    base, plus, _token = local.partition("+")
    if not plus:
        return address
    return f"{base}+…{at}{domain}"


def check_body_size(size, limit):
    """L7: a body larger than the limit (attachments excluded) is not logged."""
    if limit and size > limit:
        return Decision(
            REJECTED,
            "body_too_large",
            f"the body is {size} bytes, over the limit of {limit} bytes",
        )
    return None


def split_attachments(attachments, limit):
    """L7: return (kept, dropped) attachments by the size limit."""
    kept, dropped = [], []
    for attachment in attachments:
        (dropped if limit and len(attachment.content) > limit else kept).append(
            attachment
        )
    return kept, dropped


@dataclass(frozen=True)
class Exclusions:
    """Addresses never treated as customer participants (L3, L5)."""

    own_addresses: frozenset = frozenset()  # log addresses and aliases
    user_addresses: frozenset = frozenset()  # users' logins, emails, senders
    internal_domains: frozenset = frozenset()
    never_addresses: frozenset = frozenset()
    never_domains: frozenset = frozenset()

    def reason(self, address):
        """Why ``address`` is no participant, or None when it is one."""
        if address in self.own_addresses:
            return "log address"
        if address in self.user_addresses:
            return "user"
        if addresses.matches_domain(address, self.internal_domains):
            return "internal domain"
        if address in self.never_addresses or addresses.matches_domain(
            address, self.never_domains
        ):
            return "never-log"
        return None


def participants(candidates, exclusions):
    """L3: the customer participants among ``candidates``, in order, unique.

    Returns (participants, {address: reason excluded}).

    >>> ex = Exclusions(internal_domains=frozenset({"us.io"}))
    >>> participants(["a@them.io", "b@us.io", "a@them.io"], ex)
    (['a@them.io'], {'b@us.io': 'internal domain'})
    """
    kept, excluded = [], {}
    for address in candidates:
        if not address or address in kept or address in excluded:
            continue
        why = exclusions.reason(address)
        if why:
            excluded[address] = why
        else:
            kept.append(address)
    return kept, excluded


def all_never_logged(kept, excluded):
    """L5: mail whose participants are all on the never-log list is skipped.

    >>> all_never_logged([], {"x@y.io": "never-log"}).code
    'never_log'
    >>> all_never_logged(["a@b.io"], {"x@y.io": "never-log"}) is None
    True
    """
    if not kept and "never-log" in excluded.values():
        return Decision(
            IGNORED, "never_log", "every participant is on the never-log list"
        )
    return None

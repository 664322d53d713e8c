# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Open and click tracking policy of triggered emails (SPEC T7), pure Python.

``classify_open`` tells an open by a person from one made by a machine: image
proxies and privacy features (Apple Mail Privacy Protection, Gmail's and
Yahoo's image proxies) and security scanners fetch the pixel without anyone
reading the email. Such opens are kept apart, never counted as human opens.

``generic_subject`` is the subject logged on the account (T8): the template's
raw subject without its per-user variables.
"""

import re
from dataclasses import dataclass

# an open this soon after sending is a machine's: prefetching on delivery
AUTOMATED_OPEN_SECONDS = 10

HUMAN = "human"
PROXY = "proxy"
PRIVACY = "privacy"
SCANNER = "scanner"
TOO_SOON = "too_soon"
NO_AGENT = "no_agent"

# lower-case fragments of user agents of known image proxies
PROXY_AGENTS = (
    "googleimageproxy",
    "ggpht.com",
    "yahoomailproxy",
    "yahoo! slurp",
    "outlook.com imageproxy",
)
# security scanners and HTTP libraries that fetch every URL of an email
SCANNER_AGENTS = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "symantec",
    "trendmicro",
    "forcepoint",
    "bot",
    "crawler",
    "spider",
    "python-requests",
    "python-urllib",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "okhttp",
)
# Apple Mail Privacy Protection fetches through Apple's proxies with this bare
# user agent, which no real browser or mail client sends
APPLE_MPP_AGENTS = ("mozilla/5.0",)


@dataclass(frozen=True)
class OpenVerdict:
    """Whether an open is automated, and why (one of the codes above)."""

    code: str

    @property
    def automated(self):
        return self.code != HUMAN


def classify_open(user_agent, seconds_since_sent, threshold=AUTOMATED_OPEN_SECONDS):
    """The verdict of one open.

    :param str user_agent: the User-Agent header of the pixel request
    :param seconds_since_sent: seconds between sending and this open, or None
        when the send time is unknown
    :param threshold: opens sooner than this many seconds are automated
    """
    agent = (user_agent or "").strip().lower()
    if not agent:
        return OpenVerdict(NO_AGENT)
    if any(fragment in agent for fragment in PROXY_AGENTS):
        return OpenVerdict(PROXY)
    if agent in APPLE_MPP_AGENTS:
        return OpenVerdict(PRIVACY)
    if any(fragment in agent for fragment in SCANNER_AGENTS):
        return OpenVerdict(SCANNER)
    if seconds_since_sent is not None and seconds_since_sent < threshold:
        return OpenVerdict(TOO_SOON)
    return OpenVerdict(HUMAN)


_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w")


def generic_subject(raw_subject, fallback):
    """``raw_subject`` without its ``{{ ... }}`` variables, each replaced by an
    ellipsis; ``fallback`` (the trigger name) when nothing meaningful is left.

    >>> generic_subject("{{ object.name }}, we miss you", "Miss you")
    '…, we miss you'
    >>> generic_subject("{{ object.name }}", "Miss you")
    'Miss you'
    """
    text = _SPACES.sub(" ", _PLACEHOLDER.sub("…", raw_subject or "")).strip()
    without_variables = _PLACEHOLDER.sub("", raw_subject or "")
    if not _WORD.search(without_variables):
        return fallback
    return text

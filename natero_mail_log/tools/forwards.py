"""Forwarded-block parser (SPEC L2): one table of markers and labels per language.

A mail client that forwards inline writes a *header block* above the original
message, in the language of its user interface, e.g.::

    ---------- Forwarded message ---------      <- marker (Gmail, Missive)
    From: John Doe <john.doe@acme.com>          <- fields, one per line,
    Date: Wed, Oct 27, 2021 at 9:31 AM             localised labels
    Subject: Integer consequat non purus
    To: <bessie.berry@acme.com>

The layouts below are all read by the same scanner (``find_block``):

* a *marker* line (``LANGUAGES[lang]["forward_markers"]`` / ``"original_markers"``),
  possibly wrapped in dashes or quoted with ``>``, then the fields (Gmail, Apple
  Mail, Thunderbird, Yahoo, Outlook "-----Original Message-----", IONOS, MailMate,
  Sparrow, Mail.ru, HubSpot, eM Client); Yahoo writes all fields on the marker
  line itself (``----- Forwarded Message ----- From: ...To: ...Subject: ...``);
* an underscore rule ``________________________________`` then the fields
  (Outlook.com, Outlook desktop replies);
* a bare run of at least three fields including the sender (Outlook 2013-2019/365
  text and HTML, hand-written forwards);
* an attribution line (``Am 28/10/2021, 12:46 schrieb "John Doe" <j@d.com>:``),
  used only for mails whose subject says "forward" (Outlook for Mac forwards).

HTML bodies are rendered to lines first (``htmltext.render``) and go through the
same scanner; the HTML below the block is cut from the tree for ``body_html``.
Whether a found block makes the mail a forward is decided in ``parse``.
"""

import re
import textwrap
from dataclasses import dataclass

from . import addresses, dates, htmltext

# Per language: the marker lines, the field labels, the subject prefixes and the
# reply attribution words.  Labels and markers are matched case-insensitively.
LANGUAGES = {
    "en": {
        "forward_markers": (
            "Forwarded message",
            "Begin forwarded message",
            "Forwarded e-mail",
            "Forwarded email",
            "Forwarded mail",
        ),
        "original_markers": ("Original Message", "Original e-mail"),
        "from": ("From",),
        "to": ("To",),
        "cc": ("Cc",),
        "bcc": ("Bcc",),
        "date": ("Date", "Sent", "Sent on"),
        "subject": ("Subject",),
        "forward_prefixes": ("Fwd", "Fw", "Fwrd"),
        "reply_prefixes": ("Re",),
        "attribution": ("On", "wrote"),
    },
    "de": {
        "forward_markers": (
            "Weitergeleitete Nachricht",
            "Anfang der weitergeleiteten Nachricht",
            "Weitergeleitete E-Mail",
        ),
        "original_markers": (
            "Ursprüngliche Nachricht",
            "Original-Nachricht",
            "Originalnachricht",
        ),
        "from": ("Von",),
        "to": ("An",),
        "cc": ("Kopie", "Kopie (CC)", "CC"),
        "bcc": ("Bcc", "Blindkopie"),
        "date": ("Datum", "Gesendet"),
        "subject": ("Betreff",),
        "forward_prefixes": ("WG", "Wtrlt"),
        "reply_prefixes": ("AW", "Antw"),
        "attribution": ("Am", "schrieb"),
    },
    "fr": {
        "forward_markers": (
            "Message transféré",
            "Début du message réexpédié",
            "Message transmis",
            "Début du message transféré",
            "Message réexpédié",
        ),
        "original_markers": (
            "Message d'origine",
            "Message original",
            "Message d’origine",
        ),
        "from": ("De", "Expéditeur"),
        "to": ("À", "A", "Pour", "Destinataire"),
        "cc": ("Cc", "Copie à", "Copie"),
        "bcc": ("Cci",),
        "date": ("Date", "Envoyé", "Envoyé le"),
        "subject": ("Objet", "Sujet"),
        "forward_prefixes": ("Tr", "Trans"),
        "reply_prefixes": ("Rép", "Rep"),
        "attribution": ("Le", "a écrit"),
    },
    "es": {
        "forward_markers": (
            "Mensaje reenviado",
            "Inicio del mensaje reenviado",
            "Comienzo del mensaje reenviado",
        ),
        "original_markers": ("Mensaje original",),
        "from": ("De",),
        "to": ("Para",),
        "cc": ("CC", "Copia"),
        "bcc": ("CCO",),
        "date": ("Fecha", "Enviado", "Enviado el"),
        "subject": ("Asunto",),
        "forward_prefixes": ("RV", "Reenv", "Rv"),
        "reply_prefixes": ("RE", "Resp"),
        "attribution": ("El", "escribió"),
    },
    "pt": {
        "forward_markers": (
            "Mensagem encaminhada",
            "Início da mensagem encaminhada",
            "Início da mensagem reencaminhada",
            "Mensagem reencaminhada",
        ),
        "original_markers": ("Mensagem original",),
        "from": ("De",),
        "to": ("Para",),
        "cc": ("Cc", "Cópia"),
        "bcc": ("Cco",),
        "date": ("Data", "Enviada", "Enviado", "Enviada em"),
        "subject": ("Assunto",),
        "forward_prefixes": ("Enc", "Encaminhar"),
        "reply_prefixes": ("Res", "Resp"),
        "attribution": ("Em", "escreveu"),
    },
    "it": {
        "forward_markers": ("Messaggio inoltrato", "Inizio messaggio inoltrato"),
        "original_markers": ("Messaggio originale",),
        "from": ("Da",),
        "to": ("A",),
        "cc": ("Cc", "Copia"),
        "bcc": ("Ccn",),
        "date": ("Data", "Inviato", "Inviato il"),
        "subject": ("Oggetto",),
        "forward_prefixes": ("I", "Inoltro"),
        "reply_prefixes": ("R", "Rif", "Ris"),
        "attribution": ("Il", "ha scritto"),
    },
    "nl": {
        "forward_markers": (
            "Doorgestuurd bericht",
            "Begin doorgestuurd bericht",
            "Doorgestuurde e-mail",
        ),
        "original_markers": ("Oorspronkelijk bericht", "Origineel bericht"),
        "from": ("Van",),
        "to": ("Aan",),
        "cc": ("Cc", "Kopie"),
        "bcc": ("Bcc",),
        "date": ("Datum", "Verzonden", "Verstuurd"),
        "subject": ("Onderwerp",),
        "forward_prefixes": ("Doorst", "Fw"),
        "reply_prefixes": ("Antw", "Re"),
        "attribution": ("Op", "schreef"),
    },
    "nb": {
        "forward_markers": (
            "Videresendt melding",
            "Videresendt e-post",
            "Videresendt e-postmelding",
            "Videresendt meddelelse",
            "Start på videresendt besked",
        ),
        "original_markers": (
            "Opprinnelig melding",
            "Original melding",
            "Oprindelig meddelelse",
        ),
        "from": ("Fra",),
        "to": ("Til",),
        "cc": ("Kopi", "Kopi til", "Cc"),
        "bcc": ("Blindkopi",),
        "date": ("Dato", "Sendt"),
        "subject": ("Emne",),
        "forward_prefixes": ("VS", "Videresend", "Vidersend"),
        "reply_prefixes": ("SV", "Svar"),
        "attribution": ("Den", "skrev"),
    },
    "sv": {
        "forward_markers": (
            "Vidarebefordrat meddelande",
            "Vidarebefordrat brev",
            "Början på vidarebefordrat brev",
        ),
        "original_markers": ("Ursprungligt meddelande",),
        "from": ("Från",),
        "to": ("Till",),
        "cc": ("Kopia",),
        "bcc": ("Hemlig kopia",),
        "date": ("Datum", "Skickat"),
        "subject": ("Ämne",),
        "forward_prefixes": ("VB", "Vb"),
        "reply_prefixes": ("SV",),
        "attribution": ("Den", "skrev"),
    },
    "fi": {
        "forward_markers": ("Välitetty viesti",),
        "original_markers": ("Alkuperäinen viesti",),
        "from": ("Lähettäjä",),
        "to": ("Vastaanottaja",),
        "cc": ("Kopio",),
        "bcc": ("Piilokopio",),
        "date": ("Päivämäärä", "Lähetetty"),
        "subject": ("Aihe",),
        "forward_prefixes": ("VL",),
        "reply_prefixes": (),
        "attribution": (None, "kirjoitti"),
    },
    "pl": {
        "forward_markers": ("Wiadomość przekazana", "Przekazana wiadomość"),
        "original_markers": ("Oryginalna wiadomość", "Wiadomość oryginalna"),
        "from": ("Od",),
        "to": ("Do",),
        "cc": ("DW", "Kopia"),
        "bcc": ("UDW",),
        "date": ("Data", "Wysłano", "Wysłane"),
        "subject": ("Temat",),
        "forward_prefixes": ("PD", "Prześlij dalej"),
        "reply_prefixes": ("Odp",),
        "attribution": ("W dniu", "napisał"),
    },
    "ru": {
        "forward_markers": (
            "Пересылаемое сообщение",
            "Пересланное сообщение",
            "Начало переадресованного сообщения",
        ),
        "original_markers": ("Исходное сообщение", "Исходное письмо"),
        "from": ("От", "От кого"),
        "to": ("Кому",),
        "cc": ("Копия",),
        "bcc": ("Скрытая копия",),
        "date": ("Дата", "Отправлено"),
        "subject": ("Тема",),
        "forward_prefixes": ("Пересл", "Переслать"),
        "reply_prefixes": ("Ответ",),
        "attribution": (None, "написал"),
    },
    "ja": {
        "forward_markers": (
            "メッセージを転送",
            "転送されたメッセージ",
            "転送メッセージ",
        ),
        "original_markers": ("元のメッセージ",),
        "from": ("送信元", "差出人"),
        "to": ("送信先", "宛先"),
        "cc": ("CC",),
        "bcc": ("BCC",),
        "date": ("日付", "送信日時", "日時"),
        "subject": ("件名",),
        "forward_prefixes": ("転送",),
        "reply_prefixes": ("返信",),
        "attribution": (None, None),
    },
    "zh": {
        "forward_markers": ("转发的邮件", "轉寄的郵件"),
        "original_markers": ("原始邮件", "原始郵件"),
        "from": ("发件人", "寄件者"),
        "to": ("收件人", "收件者"),
        "cc": ("抄送", "副本"),
        "bcc": ("密送",),
        "date": ("日期", "发送时间", "時間"),
        "subject": ("主题", "主旨"),
        "forward_prefixes": ("转发", "轉寄"),
        "reply_prefixes": ("回复", "答复", "回覆"),
        "attribution": (None, None),
    },
}

FIELDS = ("from", "to", "cc", "bcc", "date", "subject")
# Header lines that may sit inside a block and are skipped (not fields).
EXTRA_LABELS = (
    "Reply-To",
    "Antwort an",
    "Répondre à",
    "Responder a",
    "Rispondi a",
    "Antwoord aan",
    "Svar til",
    "Svara till",
    "Importance",
    "Priority",
    "Wichtigkeit",
    "Priorité",
    "Prioridad",
    "Sensitivity",
    "Attachments",
    "Anhänge",
    "Anlagen",
    "Pièces jointes",
    "Adjuntos",
    "Anexos",
    "Allegati",
    "Bijlagen",
    "Vedlegg",
    "Bilagor",
    "Вложения",
    "添付ファイル",
    "Organization",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Ответить",
    "Return-Path",
)
MAX_LINES = 4000
MAX_CHARS = 600_000


def _table(key):
    """Every entry of ``key`` over all languages, longest first, deduplicated."""
    values = {value for lang in LANGUAGES.values() for value in lang[key] if value}
    return sorted(values, key=lambda value: (-len(value), value))


def _label_map():
    """Lower-case label -> field name."""
    mapping = {}
    for field in FIELDS:
        for label in _table(field):
            mapping.setdefault(label.lower(), field)
    return mapping


def _alternation(values):
    """A regex alternation of literal strings (longest first)."""
    return "|".join(re.escape(value) for value in values)


LABELS = _label_map()
_ALL_LABELS = sorted(LABELS, key=lambda label: (-len(label), label))
FORWARD_MARKERS = frozenset(m.lower() for m in _table("forward_markers"))
FORWARD_PREFIXES = frozenset(p.lower() for p in _table("forward_prefixes"))
REPLY_PREFIXES = frozenset(p.lower() for p in _table("reply_prefixes"))

_COLON = r"[ \t\u00a0\u202f]*[:：]"
_FIELD_RE = re.compile(
    rf"^[*\s]*(?P<label>{_alternation(_ALL_LABELS)})[*\s]*[:：][*\s]*(?P<value>.*)$",
    re.IGNORECASE,
)
_EXTRA_RE = re.compile(
    rf"^[*\s]*(?:{_alternation(EXTRA_LABELS)}|[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)+)"
    rf"[*\s]*[:：]",
    re.IGNORECASE,
)
_MARKER_RE = re.compile(
    r"^[-–—=_*#\s]*(?P<marker>"
    + _alternation(_table("forward_markers") + _table("original_markers"))
    + r")[\s\u00a0]*[:：]?[-–—=_*#\s]*(?P<rest>.*)$",
    re.IGNORECASE,
)
# Yahoo writes the fields on the marker line: "From: a <a@x>To: b@y Subject: z".
_SOUP_LABELS = sorted(
    {value for field in FIELDS for value in _table(field)},
    key=lambda value: (-len(value), value),
)
_SOUP_RE = re.compile(
    rf"(?:(?<=[\s>\w)\]\"'])|^)(?P<label>{_alternation(_SOUP_LABELS)}){_COLON}\s"
)
_RULE_RE = re.compile(r"^[_\u2014\u2500]{10,}$")
_QUOTE_RE = re.compile(r"^((?:[ \t]*>)+)[ \t]?")
_INVISIBLE_RE = re.compile("^[\ufeff\u200b-\u200f]+")
_PREFIX_RE = re.compile(
    r"^\s*(?:\[[^\]]{0,60}\]\s*)*(?P<word>[^\W\d_](?:[^\W\d_]| (?=[^\W\d_]))"
    r"{0,14})\.?\s*(?:\[\d+\]|\(\d+\))?\s*[:：]"
)
_INTRO = _alternation(
    sorted(
        {lang["attribution"][0] or "" for lang in LANGUAGES.values()} - {""},
        key=len,
        reverse=True,
    )
)
_VERB = _alternation(
    sorted(
        {lang["attribution"][1] or "" for lang in LANGUAGES.values()} - {""},
        key=len,
        reverse=True,
    )
)
_ATTRIBUTION_RE = re.compile(
    rf"^(?:{_INTRO})\s+(?P<pre>.+?)\s*\b(?:{_VERB})\b(?P<post>.*)$", re.IGNORECASE
)
_WHO_RE = re.compile(
    r"(?P<who>[\"«“']?[^,\"«»“”<>]*[\"»”']?\s*<[^<>\s]+@[^<>\s]+>|[^\s,<>]+@[^\s,<>]+)"
    r"\s*$"
)


@dataclass(frozen=True)
class ForwardInfo:
    """The outermost forwarded message found in a mail (see module doc)."""

    from_addr: str | None
    from_name: str
    to: tuple
    cc: tuple
    subject: str
    date: object
    date_raw: str
    body_html: str
    body_text: str
    source: str
    deepest_from: str | None = None


@dataclass
class Block:
    """A header block found in a list of lines."""

    fields: dict
    start: int
    body_start: int
    depth: int
    kind: str
    date_raw: str = ""


def subject_kind(subject):
    """'forward', 'reply' or None from the first prefix of a subject line."""
    match = _PREFIX_RE.match(subject or "")
    if not match:
        return None
    word = match.group("word").lower()
    if word in FORWARD_PREFIXES:
        return "forward"
    if word in REPLY_PREFIXES:
        return "reply"
    return None


def strip_forward_prefix(subject):
    """The subject without its first prefix (``FW: x`` -> ``x``)."""
    match = _PREFIX_RE.match(subject or "")
    if match and match.group("word").lower() in FORWARD_PREFIXES:
        return subject[match.end() :].strip()
    return (subject or "").strip()


def split_lines(text):
    """(quote depth, content) for each line of ``text`` (a str or a list)."""
    if isinstance(text, list):
        raw_lines = text
    else:
        raw_lines = (text or "")[:MAX_CHARS].splitlines()
    lines = []
    for raw in raw_lines[:MAX_LINES]:
        raw = _INVISIBLE_RE.sub("", raw)
        match = _QUOTE_RE.match(raw)
        if match:
            lines.append((match.group(1).count(">"), raw[match.end() :].rstrip()))
        else:
            lines.append((0, raw.rstrip()))
    return lines


def field_of(content):
    """(field, value) when ``content`` is a known header line, else None."""
    match = _FIELD_RE.match(content)
    if not match:
        return None
    return LABELS[match.group("label").lower()], match.group("value").strip()


def _soup_fields(text):
    """Fields written on one line, label after label (Yahoo)."""
    matches = list(_SOUP_RE.finditer(text))
    fields = {}
    for match, following in zip(matches, matches[1:] + [None], strict=False):
        end = following.start() if following else len(text)
        field = LABELS[match.group("label").lower()]
        fields.setdefault(field, text[match.end() : end].strip())
    return fields


def _open_value(value):
    """True when a field value obviously continues on the next line."""
    return (
        value.count("<") > value.count(">")
        or value.count('"') % 2 == 1
        or value.rstrip().endswith((",", ";"))
    )


class _FieldReader:
    """Reads consecutive field lines from a given line on."""

    def __init__(self, lines, start, allow_gaps):
        self.lines = lines
        self.index = start
        self.allow_gaps = allow_gaps
        self.fields = {}
        self.depth = None
        self.last = None

    def consume(self):
        """Consume field lines; returns (fields, index after them, depth)."""
        limit = min(len(self.lines), self.index + 60)
        while self.index < limit:
            depth, content = self.lines[self.index]
            content = content.strip()
            if not content:
                if self._skip_gap():
                    continue
                break
            if self.depth is None:
                self.depth = depth
            if depth < self.depth or not self._take(content):
                break
            self.index += 1
        return self.fields, self.index, self.depth or 0

    def _take(self, content):
        """Take one line as a field, a skipped header line or a continuation."""
        found = field_of(content)
        if found:
            field, value = found
            if field in self.fields:
                return False
            self.fields[field], self.last = value, field
            return True
        if _EXTRA_RE.match(content):
            self.last = None
            return True
        if self.last and _open_value(self.fields[self.last]):
            self.fields[self.last] += " " + content
            return True
        return False

    def _skip_gap(self):
        """Skip up to 3 blank lines when more fields follow them."""
        if self.fields and not self.allow_gaps:
            return False
        ahead = self.index
        while ahead < len(self.lines) and not self.lines[ahead][1].strip():
            ahead += 1
        if ahead - self.index > 3 or ahead >= len(self.lines):
            return False
        if not field_of(self.lines[ahead][1].strip()):
            return False
        self.index = ahead
        return True


def _read(lines, start, allow_gaps):
    """(fields, body start, depth) of the field lines at ``start``."""
    return _FieldReader(lines, start, allow_gaps).consume()


def find_block(lines, start=0):
    """The first header block at or after line ``start``, or None."""
    for index in range(start, len(lines)):
        content = lines[index][1].strip()
        if content:
            block = _block_at(lines, index, content)
            if block:
                return block
    return None


def _block_at(lines, index, content):
    """A block starting at line ``index`` (marker, rule or bare fields)."""
    marker = _MARKER_RE.match(content)
    if marker and _marker_rest_ok(marker.group("rest")):
        return _marker_block(lines, index, marker)
    if _RULE_RE.match(content):
        fields, end, depth = _read(lines, index + 1, allow_gaps=False)
        if "from" in fields and len(fields) >= 2:
            return Block(fields, index, end, depth, "rule")
        return None
    if field_of(content):
        fields, end, depth = _read(lines, index, allow_gaps=False)
        if "from" in fields and len(fields) >= 3:
            return Block(fields, index, end, depth, "bare")
    return None


def _marker_rest_ok(rest):
    """A marker line ends there, or goes on with fields (Yahoo)."""
    return not rest or bool(_SOUP_RE.match(rest))


def _marker_kind(match):
    """'forward' for explicit forward markers, 'original' otherwise."""
    return "forward" if match.group("marker").lower() in FORWARD_MARKERS else "original"


def _marker_block(lines, index, match):
    """The block introduced by a marker line, or None when no sender follows."""
    kind = _marker_kind(match)
    rest = match.group("rest")
    if rest:
        fields, end, depth = _soup_fields(rest), index + 1, lines[index][0]
    else:
        fields, end, depth = _read(lines, index + 1, allow_gaps=True)
    return Block(fields, index, end, depth, kind) if "from" in fields else None


def has_forward_marker(lines):
    """True when a line is an explicit forward marker (even without fields)."""
    for _depth, content in lines:
        match = _MARKER_RE.match(content.strip()) if content else None
        if match and _marker_rest_ok(match.group("rest")):
            if _marker_kind(match) == "forward":
                return True
    return False


def find_attribution(lines, limit=300):
    """A reply-style attribution line (``On <date>, <who> wrote:``) as a Block."""
    for index in range(min(len(lines), limit)):
        depth, content = lines[index]
        content = content.strip()
        match = _ATTRIBUTION_RE.match(content) if content else None
        if match:
            fields = _attribution_fields(match)
            if fields:
                return Block(fields, index, index + 1, depth, "attribution", content)
    return None


def _attribution_fields(match):
    """{'from': who, 'date': date text} of an attribution match, or None."""
    pre = match.group("pre").strip()
    post = re.sub(r"(?i)\bhet volgende\b", "", match.group("post")).strip(" :：")
    if post:
        return {"from": post, "date": pre.rstrip(" ,")}
    who = _WHO_RE.search(pre)
    if who:
        return {"from": who.group("who"), "date": pre[: who.start()].rstrip(" ,")}
    date, _sep, name = pre.rpartition(",")
    return {"from": name.strip(), "date": date.strip()} if date else None


def body_lines(lines, block):
    """The lines of the forwarded body below ``block``, quote level removed."""
    out = []
    for depth, content in lines[block.body_start :]:
        if content.strip() and depth < block.depth:
            break
        extra = depth - block.depth
        out.append(("> " * extra if extra > 0 else "") + content)
    while out and not out[0].strip():
        out.pop(0)
    return out


def _deepest_from(lines, block):
    """The sender of the deepest nested block below ``block`` (None if none)."""
    deepest, start = None, block.body_start
    for _guard in range(200):
        nested = find_block(lines, start)
        if nested is None:
            break
        found = addresses.find_all(nested.fields.get("from", ""))
        deepest = found[0] if found else deepest
        start = max(nested.body_start, nested.start + 1)
    return deepest


def _info(block, lines, source, subject, body_html=None):
    """Build the ForwardInfo of a block found in ``lines``."""
    fields = block.fields
    sender = fields.get("from", "")
    found = addresses.find_all(sender)
    text = "\n".join(body_lines(lines, block))
    if block.kind == "attribution":
        text = textwrap.dedent(text)
    return ForwardInfo(
        from_addr=found[0] if found else None,
        from_name=addresses.display_name(sender),
        to=tuple(addresses.find_all(fields.get("to", ""))),
        cc=tuple(addresses.find_all(fields.get("cc", ""))),
        subject=fields.get("subject", subject or "").strip(),
        date=dates.parse_loose(fields.get("date", "")),
        date_raw=block.date_raw or fields.get("date", ""),
        body_html=body_html if body_html is not None else htmltext.text_to_html(text),
        body_text=text.strip(),
        source=source,
        deepest_from=_deepest_from(lines, block),
    )


@dataclass
class Found:
    """What the scanner found in a body: the block's kind and its info."""

    info: ForwardInfo | None
    kind: str | None
    forward_marker: bool = False


class _Sources:
    """The text and HTML bodies of a mail, parsed lazily."""

    def __init__(self, text, markup, view=None):
        self.text_lines = split_lines(text) if text else []
        self.markup = markup
        self._view = view
        self._html = None

    @property
    def html(self):
        """(root, rendered, lines) of the HTML body (rendered on first use)."""
        if self._html is None:
            root, rendered = self._view or htmltext.view(self.markup)
            self._html = (root, rendered, split_lines(rendered.lines))
        return self._html

    def html_body(self, block):
        """The HTML below a block found in the rendered HTML."""
        root, rendered, lines = self.html
        for index in range(block.body_start, len(lines)):
            if lines[index][1].strip() and rendered.anchors[index]:
                return htmltext.html_after(root, rendered.anchors[index])
        return ""


def find_forward(text, markup=None, subject="", attribution=False, view=None):
    """Find the outermost forwarded block in a mail's text and HTML bodies.

    ``subject`` is the outer subject (used for attribution-style forwards,
    which carry no subject of their own); ``attribution`` allows those;
    ``view`` is the ``htmltext.view`` of ``markup`` when already rendered.
    """
    sources = _Sources(text, markup, view)
    found = _from_text(sources, subject) or _from_html(sources, subject)
    if found is None and attribution:
        found = _from_attribution(sources, subject)
    if found is not None:
        return found
    marker = has_forward_marker(sources.text_lines)
    if not marker and markup:
        marker = has_forward_marker(sources.html[2])
    return Found(None, None, marker)


def _from_text(sources, subject):
    """A block in the text body (its HTML body cut from the HTML part)."""
    block = find_block(sources.text_lines)
    if block is None:
        return None
    body_html = None
    if sources.markup:
        html_block = find_block(sources.html[2])
        if (
            html_block
            and html_block.fields.get("from")
            and _same_sender(html_block, block)
        ):
            body_html = sources.html_body(html_block)
    info = _info(block, sources.text_lines, "text", subject, body_html or None)
    return Found(info, block.kind)


def _same_sender(first, second):
    """True when two blocks name the same sender address."""
    one = addresses.find_all(first.fields.get("from", ""))[:1]
    two = addresses.find_all(second.fields.get("from", ""))[:1]
    return one == two


def _from_html(sources, subject):
    """A block in the rendered HTML body."""
    if not sources.markup:
        return None
    lines = sources.html[2]
    block = find_block(lines)
    if block is None:
        return None
    info = _info(block, lines, "html", subject, sources.html_body(block))
    return Found(info, block.kind)


def _from_attribution(sources, subject):
    """An attribution line (Outlook for Mac forwards) in text, then HTML."""
    subject = strip_forward_prefix(subject)
    block = find_attribution(sources.text_lines)
    if block is not None:
        return Found(_info(block, sources.text_lines, "text", subject), block.kind)
    if sources.markup:
        lines = sources.html[2]
        block = find_attribution(lines)
        if block is not None:
            info = _info(block, lines, "html", subject, sources.html_body(block))
            return Found(info, block.kind)
    return None

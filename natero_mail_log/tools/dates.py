# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dates as mail clients print them in forwarded blocks (SPEC L2).

``parse_loose`` reads the localised dates of en, de, fr, es, pt, it, nl, nb/da,
sv, fi, et, pl, cs, sk, hr, hu, ro, tr, ru, uk and ja clients: month names (full,
genitive and abbreviated, from Babel's CLDR data, plus a few client quirks in
``MONTH_QUIRKS``; a name that means different months in different languages is
read in the language of the block's labels), numeric day/month
orders, 12/24-hour clocks and zones (numeric offsets, ``GMT+1``/``UTC+3``, and
abbreviations such as ``CEST``, ``MEZ`` or ``OESZ``).  The result is naive when
the text states no zone and aware otherwise; ``None`` when no date is found.

Rules for numeric dates: ``YYYY-MM-DD``, ``YYYY/MM/DD`` and ``YYYY. MM. DD.``
are year first; a ``.`` separator means day first (``25.11.2025``, also written
``25. 11. 2025``); otherwise the first number is the day when it is above 12, the
month when the second is above 12, and when both could be either, a 12-hour
clock (``AM``/``PM``) means US order (month/day) and a 24-hour clock means
day/month.  Dotted clocks with seconds (``14.25.08``) are read after a year or
after ``kl``/``klo``.
"""

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from babel import Locale

# The languages whose month names are read, in order of precedence: without
# a hint, a name that means different months in different languages is read
# in the first of them (``srp`` is July in Croatian, August in Czech: July).
LANGUAGES = (
    "en",
    "de",
    "fr",
    "es",
    "pt",
    "it",
    "nl",
    "nb",
    "da",
    "sv",
    "pl",
    "fi",
    "ru",
    "et",
    "hr",
    "cs",
    "sk",
    "hu",
    "ro",
    "tr",
    "uk",
)
# The languages whose month names clash with another language's ("listopad"
# is November in Czech and Polish, October in Croatian): a weekday in the text
# tells which language the month is in.
WEEKDAY_LANGUAGES = ("pl", "cs", "hr")

# Names that mail clients print and CLDR does not have, in one of the Babel
# versions Odoo pins (2.9.1, 2.10.3, 2.17.0): spellings without diacritics,
# regional and older abbreviations.  {language: {month: names}}.
MONTH_QUIRKS = {
    "en": {9: "sept"},
    "de": {1: "jänner jän", 3: "mrz maerz"},
    "fr": {2: "fevrier fevr", 8: "aout", 12: "decembre"},
    "es": {9: "setiembre set"},
    "pt": {3: "marco"},
    "ru": {2: "фев", 9: "сен", 11: "ноя"},
    "hr": {11: "studenog"},
    "hu": {2: "feb", 3: "már", 9: "szep"},
    "ro": {9: "sep"},
    # "tammik.": CLDR 46 (Babel 2.17) abbreviates "tammi", as Finnish clients
    # did not.
    "fi": {
        month: f"{stem}k"
        for month, stem in enumerate(
            (
                "tammi",
                "helmi",
                "maalis",
                "huhti",
                "touko",
                "kesä",
                "heinä",
                "elo",
                "syys",
                "loka",
                "marras",
                "joulu",
            ),
            start=1,
        )
    },
}


def _cldr_name(name):
    """A CLDR name as mail text shows it: lower case, no trailing dot."""
    return name.lower().rstrip(".")


def babel_month_names(lang):
    """Twelve sets of month names of ``lang`` from Babel's CLDR data (index
    0 is January): wide and abbreviated, format (genitive) and stand-alone."""
    months = Locale.parse(lang).months
    found = [set() for _month in range(12)]
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated"):
            for month, name in months[context][width].items():
                found[month - 1].add(_cldr_name(name))
    return found


def babel_weekday_names(lang):
    """Seven sets of weekday names of ``lang`` (index 0 is Monday)."""
    days = Locale.parse(lang).days
    found = [set() for _day in range(7)]
    for context in ("format", "stand-alone"):
        for width in ("wide", "abbreviated", "short"):
            for day, name in days[context][width].items():
                found[day].add(_cldr_name(name))
    return found


def _month_names(lang):
    """``lang``'s month names: Babel's, then the quirks, one entry a month."""
    names = babel_month_names(lang)
    for month, quirks in MONTH_QUIRKS.get(lang, {}).items():
        names[month - 1] |= set(quirks.split())
    return tuple(" ".join(sorted(entry)) for entry in names)


# Month and weekday names per language: index 0 is January (Monday); each
# entry lists full names, genitive forms and abbreviations (without dots).
MONTH_NAMES = {lang: _month_names(lang) for lang in LANGUAGES}
WEEKDAY_NAMES = {
    lang: tuple(" ".join(sorted(day)) for day in babel_weekday_names(lang))
    for lang in WEEKDAY_LANGUAGES
}

MONTHS = {}
_MONTHS_BY_LANGUAGE = {}
for _lang, _names in MONTH_NAMES.items():
    for _index, _entry in enumerate(_names):
        for _name in _entry.split():
            MONTHS.setdefault(_name, _index + 1)
            _MONTHS_BY_LANGUAGE.setdefault(_name, {})[_lang] = _index + 1
# Names that mean different months in different languages -> {lang: month}.
_CLASHES = {
    name: by_lang
    for name, by_lang in _MONTHS_BY_LANGUAGE.items()
    if len(set(by_lang.values())) > 1
}
_WEEKDAY_LANGUAGES = {}
for _lang, _names in WEEKDAY_NAMES.items():
    for _entry in _names:
        for _name in _entry.split():
            _WEEKDAY_LANGUAGES.setdefault(_name, set()).add(_lang)

# Zone abbreviations (and their German forms) to offsets in minutes.
ZONES = {
    "utc": 0,
    "gmt": 0,
    "z": 0,
    "ut": 0,
    "wet": 0,
    "wez": 0,
    "west": 60,
    "wesz": 60,
    "bst": 60,
    "cet": 60,
    "mez": 60,
    "seč": 60,
    "selč": 120,
    "cest": 120,
    "mesz": 120,
    "eet": 120,
    "oez": 120,
    "eest": 180,
    "oesz": 180,
    "msk": 180,
    "мск": 180,
    "ist": 330,
    "sgt": 480,
    "hkt": 480,
    "awst": 480,
    "jst": 540,
    "kst": 540,
    "acst": 570,
    "aest": 600,
    "aedt": 660,
    "nzst": 720,
    "nzdt": 780,
    "ast": -240,
    "adt": -180,
    "est": -300,
    "edt": -240,
    "cst": -360,
    "cdt": -300,
    "mst": -420,
    "mdt": -360,
    "pst": -480,
    "pdt": -420,
    "akst": -540,
    "akdt": -480,
    "hst": -600,
    "brt": -180,
    "art": -180,
}

_INVISIBLE_RE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_MERIDIEM = r"(?:\s*(?:uhr\b)?\s*([ap])\.?\s?m\b\.?)?"
_TIME_RE = re.compile(
    r"(?<![\d:])([01]?\d|2[0-3])\s?:\s?([0-5]\d)(?::([0-5]\d))?(?![\d:])" + _MERIDIEM,
    re.IGNORECASE,
)
# Fallback clocks such as "14.25" or "14h25" (never "12.10.21", a date).
_TIME_ALT_RE = re.compile(
    r"(?<![\d.])([01]?\d|2[0-3])[h.]([0-5]\d)()(?![\d]|\.\d)" + _MERIDIEM,
    re.IGNORECASE,
)
# Dotted clocks with seconds ("14.25.08", Danish and Finnish) look like dates
# ("12.10.21"): read only after a four-digit year or the word for "at" (kl, klo).
_TIME_DOTTED_RE = re.compile(
    r"(?:\d{4},?|\b(?:kl|klo|kello)\.?)\s+([01]?\d|2[0-3])\.([0-5]\d)\.([0-5]\d)"
    r"(?![\d]|\.\d)()",
    re.IGNORECASE,
)
_AMPM_JA_RE = re.compile("(午前|午後)")
_OFFSET_RE = re.compile(
    r"(?:\b(?:gmt|utc|ut)\s*|(?<![\w:]))([+\-−])\s?(\d{1,2})(?::?(\d{2}))?(?!\d)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"\d+|[^\W\d_]+")
_CJK_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_YMD_RE = re.compile(
    r"(?<!\d)(\d{4})(?:[-/]|\. ?)(\d{1,2})(?:[-/]|\. ?)(\d{1,2})(?!\d)"
)
# "12/10/2023", "25.11.2025", and "25. 11. 2025" (Czech, Slovak, Croatian).
_NUMERIC_RE = re.compile(
    r"(?<![\d.])(\d{1,2})([./-]) ?(\d{1,2})\2 ?(\d{4}|\d{2})(?![\d])"
)
_MAX_TEXT = 300


def parse_rfc(value):
    """An RFC 5322 Date header as an aware datetime (UTC if zoneless), or None."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(str(value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = parse_loose(value)
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def parse_loose(text, languages=()):
    """Parse a date printed by a mail client; None when no date is recognised.

    ``languages`` (codes of ``MONTH_NAMES``, preferred first) decide a month
    name that means different months in different languages; without them a
    weekday name in the text decides, else the first language of the table.
    """
    text = _INVISIBLE_RE.sub("", str(text or ""))[:_MAX_TEXT]
    text = re.sub(r"\s+", " ", text).strip()
    if not text:
        return None
    clock = _find_time(text)
    zone_text, twelve_hour, ymd = "", False, None
    if clock:
        start, end, hour, minute, second, twelve_hour = clock
        zone_text = text[end:]
        ymd = _find_date(text[:start], twelve_hour, languages)
        ymd = ymd or _find_date(text[end:], twelve_hour, languages)
    else:
        hour = minute = second = 0
        ymd = _find_date(text, False, languages)
    if not ymd:
        return None
    offset = _find_zone(zone_text) if clock else None
    try:
        value = datetime(*ymd, hour, minute, second)
    except ValueError:
        return None
    if offset is None:
        return value
    return value.replace(tzinfo=timezone(timedelta(minutes=offset)))


def _find_time(text):
    """(start, end, hour, minute, second, twelve_hour) of the clock, or None."""
    match = (
        _TIME_RE.search(text)
        or _TIME_DOTTED_RE.search(text)
        or _TIME_ALT_RE.search(text)
    )
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    second = int(match.group(3) or 0)
    meridiem = (match.group(4) or "").lower()
    ja = _AMPM_JA_RE.search(text)
    if ja and not meridiem:
        meridiem = "a" if ja.group(1) == "午前" else "p"
    if meridiem and hour <= 12:
        hour = hour % 12 + (12 if meridiem == "p" else 0)
    return match.start(1), match.end(), hour, minute, second, bool(meridiem)


def _find_zone(text):
    """Offset in minutes stated right after the clock, or None."""
    text = text.strip()
    match = _OFFSET_RE.search(text)
    if match and match.start() < 12:
        sign = -1 if match.group(1) in "-−" else 1
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours <= 14 and minutes < 60:
            return sign * (hours * 60 + minutes)
    for word in _WORD_RE.findall(text.lower())[:4]:
        if word in ZONES:
            return ZONES[word]
    return None


def _find_date(text, twelve_hour, languages=()):
    """(year, month, day) written in ``text``, or None."""
    match = _CJK_RE.search(text) or _YMD_RE.search(text)
    if match:
        return tuple(int(group) for group in match.groups())
    match = _NUMERIC_RE.search(text)
    if match:
        return _numeric_date(match, twelve_hour)
    return _worded_date(text, languages)


def _numeric_date(match, twelve_hour):
    """Day/month order of ``12/10/2023``-style dates (see the module doc)."""
    first, separator, second, year = match.groups()
    first, second, year = int(first), int(second), _full_year(year)
    if separator != "." and second > 12 >= first:
        return year, first, second
    if separator != "." and first <= 12 and second <= 12 and twelve_hour:
        return year, first, second
    return year, second, first


def _worded_date(text, languages=()):
    """A date with a month name: the day is the number nearest the month."""
    tokens = _WORD_RE.findall(text.lower())
    numbers = [(i, tok) for i, tok in enumerate(tokens) if tok.isdecimal()]
    months = [
        (i, _month(tok, tokens, languages))
        for i, tok in enumerate(tokens)
        if tok in MONTHS
    ]
    years = [(i, int(tok)) for i, tok in numbers if len(tok) == 4]
    if not months:
        return None
    anchor = years[0][0] if years else len(tokens)
    month_index, month = min(months, key=lambda item: abs(item[0] - anchor))
    days = [(i, tok) for i, tok in numbers if len(tok) <= 2 and int(tok) >= 1]
    if not days:
        return None
    day_index, day = min(days, key=lambda item: _day_distance(item[0], month_index))
    if years:
        return years[0][1], month, int(day)
    others = [tok for i, tok in days if i != day_index and i > month_index]
    return (_full_year(others[0]), month, int(day)) if others else None


def _month(name, tokens, languages):
    """The month a name stands for (see ``parse_loose`` for clashing names)."""
    by_language = _CLASHES.get(name)
    if not by_language:
        return MONTHS[name]
    for code in languages or ():
        if code in by_language:
            return by_language[code]
    for token in tokens:
        found = _WEEKDAY_LANGUAGES.get(token, set()) & set(by_language)
        if len(found) == 1:
            return by_language[found.pop()]
    return MONTHS[name]


def _day_distance(index, month_index):
    """Distance from the month; on a tie the number after the month wins."""
    return abs(index - month_index) * 2 + (1 if index < month_index else 0)


def _full_year(text):
    """Four-digit year from a two- or four-digit string."""
    year = int(text)
    if year < 100:
        year += 2000 if year < 70 else 1900
    return year

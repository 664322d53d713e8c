# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Dates as mail clients print them in forwarded blocks (SPEC L2).

``parse_loose`` reads the localised dates of en, de, fr, es, pt, it, nl, nb/da,
sv, fi, et, pl, cs, sk, hr, hu, ro, tr, ru, uk and ja clients: month names (full,
genitive and abbreviated; a name that means different months in different
languages is read in the language of the block's labels), numeric day/month
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

# Month names per language: index 0 is January; each entry lists full names,
# genitive forms and abbreviations (without trailing dots).
MONTH_NAMES = {
    "en": (
        "january jan",
        "february feb",
        "march mar",
        "april apr",
        "may",
        "june jun",
        "july jul",
        "august aug",
        "september sep sept",
        "october oct",
        "november nov",
        "december dec",
    ),
    "de": (
        "januar jänner jän",
        "februar",
        "märz mär mrz maerz",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober okt",
        "november",
        "dezember dez",
    ),
    "fr": (
        "janvier janv",
        "février févr fevrier fevr",
        "mars",
        "avril avr",
        "mai",
        "juin",
        "juillet juil",
        "août aout",
        "septembre",
        "octobre",
        "novembre",
        "décembre déc decembre",
    ),
    "es": (
        "enero ene",
        "febrero",
        "marzo",
        "abril abr",
        "mayo",
        "junio",
        "julio",
        "agosto ago",
        "septiembre setiembre set",
        "octubre",
        "noviembre",
        "diciembre dic",
    ),
    "pt": (
        "janeiro",
        "fevereiro fev",
        "março marco",
        "abril",
        "maio",
        "junho",
        "julho",
        "agosto",
        "setembro",
        "outubro out",
        "novembro",
        "dezembro",
    ),
    "it": (
        "gennaio gen",
        "febbraio",
        "marzo",
        "aprile",
        "maggio mag",
        "giugno giu",
        "luglio lug",
        "agosto",
        "settembre",
        "ottobre ott",
        "novembre",
        "dicembre",
    ),
    "nl": (
        "januari",
        "februari",
        "maart mrt",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "nb": (
        "januar",
        "februar",
        "mars",
        "april",
        "mai",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "desember des",
    ),
    "da": (
        "januar",
        "februar",
        "marts",
        "april",
        "maj",
        "juni",
        "juli",
        "august",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "sv": (
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "pl": (
        "styczeń stycznia sty",
        "luty lutego lut",
        "marzec marca",
        "kwiecień kwietnia kwi",
        "maj maja",
        "czerwiec czerwca cze",
        "lipiec lipca lip",
        "sierpień sierpnia sie",
        "wrzesień września wrz",
        "październik października paź",
        "listopad listopada lis",
        "grudzień grudnia gru",
    ),
    "fi": tuple(
        f"{stem}kuu {stem}kuuta {stem}k"
        for stem in (
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
        )
    ),
    "ru": (
        "январь января янв",
        "февраль февраля фев",
        "март марта мар",
        "апрель апреля апр",
        "май мая",
        "июнь июня июн",
        "июль июля июл",
        "август августа авг",
        "сентябрь сентября сен сент",
        "октябрь октября окт",
        "ноябрь ноября ноя",
        "декабрь декабря дек",
    ),
    "et": (
        "jaanuar jaan",
        "veebruar veebr",
        "märts",
        "aprill",
        "mai",
        "juuni",
        "juuli",
        "august aug",
        "september sept",
        "oktoober okt",
        "november nov",
        "detsember dets",
    ),
    "cs": (
        "leden ledna",
        "únor února",
        "březen března",
        "duben dubna",
        "květen května",
        "červen června",
        "červenec července",
        "srpen srpna",
        "září",
        "říjen října",
        "listopad listopadu",
        "prosinec prosince",
    ),
    "sk": (
        "január januára",
        "február februára",
        "marec marca",
        "apríl apríla",
        "máj mája",
        "jún júna",
        "júl júla",
        "august augusta",
        "september septembra",
        "október októbra",
        "november novembra",
        "december decembra",
    ),
    "hr": (
        "siječanj siječnja sij",
        "veljača veljače velj",
        "ožujak ožujka ožu",
        "travanj travnja tra",
        "svibanj svibnja svi",
        "lipanj lipnja lip",
        "srpanj srpnja srp",
        "kolovoz kolovoza kol",
        "rujan rujna ruj",
        "listopad listopada lis",
        "studeni studenoga studenog stu",
        "prosinac prosinca pro",
    ),
    "hu": (
        "január jan",
        "február febr feb",
        "március márc már",
        "április ápr",
        "május máj",
        "június jún",
        "július júl",
        "augusztus aug",
        "szeptember szept szep",
        "október okt",
        "november nov",
        "december dec",
    ),
    "ro": (
        "ianuarie ian",
        "februarie feb",
        "martie mar",
        "aprilie apr",
        "mai",
        "iunie iun",
        "iulie iul",
        "august aug",
        "septembrie sept sep",
        "octombrie oct",
        "noiembrie nov",
        "decembrie dec",
    ),
    "tr": (
        "ocak oca",
        "şubat şub",
        "mart mar",
        "nisan nis",
        "mayıs may",
        "haziran haz",
        "temmuz tem",
        "ağustos ağu",
        "eylül eyl",
        "ekim eki",
        "kasım kas",
        "aralık ara",
    ),
    "uk": (
        "січень січня січ",
        "лютий лютого лют",
        "березень березня бер",
        "квітень квітня квіт",
        "травень травня трав",
        "червень червня черв",
        "липень липня лип",
        "серпень серпня серп",
        "вересень вересня вер",
        "жовтень жовтня жовт",
        "листопад листопада лист",
        "грудень грудня груд",
    ),
}

# Weekday names (Monday first) of the languages whose month names clash with
# another language's ("listopad" is November in Czech and Polish, October in
# Croatian): a weekday in the text tells which language the month is in.
WEEKDAY_NAMES = {
    "pl": (
        "poniedziałek",
        "wtorek wt",
        "środa śr",
        "czwartek czw",
        "piątek pt",
        "sobota",
        "niedziela niedz",
    ),
    "cs": (
        "pondělí",
        "úterý út",
        "středa",
        "čtvrtek čt",
        "pátek pá",
        "sobota",
        "neděle",
    ),
    "hr": (
        "ponedjeljak",
        "utorak uto",
        "srijeda sri",
        "četvrtak čet",
        "petak",
        "subota",
        "nedjelja",
    ),
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

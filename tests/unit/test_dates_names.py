"""Month and weekday names of tools/dates.py: Babel's CLDR data and a small
table of client quirks read every name the former hand-written table read,
as the same month (in its language, and by default)."""

import json
from pathlib import Path

import pytest
from conftest import TOOLS

dates = TOOLS.dates
BEFORE = json.loads(
    (Path(__file__).parent / "data" / "dates_names_before_babel.json").read_text(
        encoding="utf-8"
    )
)


def names_of(table):
    """[(language, index, name)] of a {language: [entry of names]} table."""
    return [
        (lang, index, name)
        for lang, entries in table.items()
        for index, entry in enumerate(entries)
        for name in entry.split()
    ]


OLD_MONTHS = names_of(BEFORE["months"])
OLD_WEEKDAYS = names_of(BEFORE["weekdays"])


def old_default(name):
    """The month a name meant without a language hint: its first language's."""
    return next(index + 1 for _lang, index, n in OLD_MONTHS if n == name)


@pytest.mark.parametrize(("lang", "index", "name"), OLD_MONTHS)
def test_old_month_name_read_alike(lang, index, name):
    text = f"5 {name} 2024"
    assert dates.parse_loose(text, [lang]).month == index + 1
    assert dates.parse_loose(text).month == old_default(name)


def test_old_weekday_names_tell_the_same_languages():
    languages = {}
    for lang, _index, name in OLD_WEEKDAYS:
        languages.setdefault(name, set()).add(lang)
    for name, langs in languages.items():
        assert dates._WEEKDAY_LANGUAGES[name] == langs, name


def test_names_come_from_babel_but_a_few_quirks():
    """Babel gives the names, but for a small table of quirks (names some
    CLDR version lacks: tests/unit/test_dates_names.py passes with each
    Babel Odoo pins, 2.9.1, 2.10.3 and 2.17.0)."""
    from_babel = {
        (lang, name)
        for lang in dates.LANGUAGES
        for names in dates.babel_month_names(lang)
        for name in names
    }
    quirks = {
        (lang, name)
        for lang, months in dates.MONTH_QUIRKS.items()
        for names in months.values()
        for name in names.split()
    }
    old = {(lang, name) for lang, _index, name in OLD_MONTHS}
    assert old <= from_babel | quirks
    assert len(quirks) < 0.1 * len(old)

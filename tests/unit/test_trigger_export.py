"""Pure tests of natero_mail_trigger/tools/export.py (issue 10: CSV cells
that a spreadsheet does not run as formulas)."""

import csv
import io

import pytest
from conftest import TRIGGER_TOOLS
from hypothesis import given
from hypothesis import strategies as st

export = TRIGGER_TOOLS.export


@pytest.mark.parametrize(
    "value, cell",
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Ann", "Ann"),
        ("ann@example.com", "ann@example.com"),
        ("2025-01-06", "2025-01-06"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (False, ""),
        (3, "3"),
    ],
)
def test_csv_cell(value, cell):
    assert export.csv_cell(value) == cell


@given(st.text())
def test_no_cell_starts_a_formula(text):
    cell = export.csv_cell(text)
    assert not cell.startswith(export.FORMULA_STARTS)
    assert cell in (text, "'" + text)
    # and it survives a CSV round trip unchanged
    output = io.StringIO()
    csv.writer(output).writerow([cell])
    assert next(csv.reader(io.StringIO(output.getvalue(), newline=""))) == [cell]

# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""CSV cells safe to open in a spreadsheet (SPEC T7 exports), pure Python.

Contact names, emails and failure reasons come from customers and mail
servers. A cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or a
carriage return, which some spreadsheets skip before reading a formula) is read
as a formula by Excel, LibreOffice and Google Sheets: CSV injection. As OWASP
recommends, such a cell is prefixed with a single quote, which spreadsheets
show as text; the ``csv`` module then quotes the cell as needed.
"""

FORMULA_STARTS = (
    *("=", "+", "-", "@", "\t", "\r"),
    # a line feed, and the full-width forms some spreadsheets also read
    *("\n", "\uff1d", "\uff0b", "\uff0d", "\uff20"),
)


def csv_cell(value):
    """``value`` as the text of one CSV cell, never read as a formula."""
    text = "" if value is None or value is False else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text

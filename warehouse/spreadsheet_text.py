"""Text that a spreadsheet would run: a call_id `=1+2` or an agent_id `=HYPERLINK(...)` from a manifest or an
imported transcript must reach callintel.xlsx and the CSVs as the text it is, never as a live formula.

Excel, LibreOffice and Sheets treat a cell starting with = + - @ (or a tab or carriage return before one)
as a formula when they open a CSV, and openpyxl stores a string starting with = as a formula. XLSX cells
are therefore typed as strings; CSV cells get a leading apostrophe (OWASP's CSV injection advice), which
the spreadsheet shows as a text marker and a script can strip.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# the same test in DuckDB SQL, for CSVs written by COPY
FORMULA_START_SQL = "^[=+\\-@\\t\\r]"


def looks_like_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_START)


def csv_text(value: Any) -> Any:
    """A CSV cell: text a spreadsheet would evaluate gets a leading apostrophe; other values pass unchanged."""
    return "'" + value if looks_like_formula(value) else value


def csv_sql(column: str) -> str:
    """The DuckDB expression `csv_text` computes, for a VARCHAR column of a COPY query."""
    return (f"CASE WHEN regexp_matches({column}, '{FORMULA_START_SQL}') THEN '''' || {column} "
            f"ELSE {column} END")


def as_text(cell: Any) -> Any:
    """Type an openpyxl cell holding a string as a string (openpyxl makes '=...' a formula); returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell

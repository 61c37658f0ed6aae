"""CSV for people: UTF-8 with a byte-order mark, so Excel on Chinese Windows does not show mojibake."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

from callintel.warehouse.spreadsheet_text import csv_sql

BOM = "\ufeff".encode()


def write_csv(con: duckdb.DuckDBPyConnection, sql: str, path: Path, note: str = "") -> Path:
    """COPY `sql` to `path` (header row, comma separated) behind a BOM; an empty result gets one note row
    after the header, its first cell saying why (e.g. the minimum support), so the file is never silent.
    Text a spreadsheet would evaluate (=, +, -, @ ...) is written with a leading apostrophe (spreadsheet_text)."""
    tmp = path.with_suffix(".csv.tmp")
    described = con.execute(f"DESCRIBE ({sql})").fetchall()
    picks = ", ".join(f'{csv_sql(_ident(name))} AS {_ident(name)}' if kind == "VARCHAR" else _ident(name)
                      for name, kind, *_ in described)
    sql = f"SELECT {picks} FROM ({sql})"
    con.execute(f"COPY ({sql}) TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',')")
    with path.open("wb") as out, tmp.open("rb") as src:
        out.write(BOM)
        shutil.copyfileobj(src, out, 1 << 20)
    tmp.unlink()
    if note:
        with path.open("a", encoding="utf-8", newline="") as out:
            csv.writer(out).writerow([f"# {note}"])
    return path


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'

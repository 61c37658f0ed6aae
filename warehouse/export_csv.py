"""CSV for people: UTF-8 with a byte-order mark, so Excel on Chinese Windows does not show mojibake."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb

BOM = "\ufeff".encode()


def write_csv(con: duckdb.DuckDBPyConnection, sql: str, path: Path, note: str = "") -> Path:
    """COPY `sql` to `path` (header row, comma separated) behind a BOM; an empty result gets one note row
    after the header, its first cell saying why (e.g. the minimum support), so the file is never silent."""
    tmp = path.with_suffix(".csv.tmp")
    con.execute(f"COPY ({sql}) TO '{str(tmp).replace(chr(39), chr(39) * 2)}' (HEADER, DELIMITER ',')")
    with path.open("wb") as out, tmp.open("rb") as src:
        out.write(BOM)
        shutil.copyfileobj(src, out, 1 << 20)
    tmp.unlink()
    if note:
        with path.open("a", encoding="utf-8", newline="") as out:
            csv.writer(out).writerow([f"# {note}"])
    return path

"""Connections and schema migrations.

The schema is the `.sql` files in `warehouse/sql/`, applied once each in file-name
order and recorded in `schema_migrations`, so the documentation is generated from the
same files the database was built from. Analysts connect read-only; the nightly writer
holds the only write connection.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).with_name("sql")
log = logging.getLogger(__name__)


class WarehouseError(RuntimeError):
    """The DuckDB file cannot be opened or written (locked by another writer, read-only, damaged)."""


def connect(path: str | Path, read_only: bool = False, files: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; the writer also brings the schema up to date.

    `files=False` turns DuckDB's external access off for the connection's life (no COPY TO, read_csv,
    ATTACH or extension installs): what an analyst's read-only query tool should reach is the warehouse.
    """
    path = Path(path)
    if read_only and not path.exists():
        raise WarehouseError(f"no warehouse at {path}: run `callintel run` or `callintel demo` first")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only,
                             config={} if files else {"enable_external_access": False})
    except duckdb.Error as exc:
        raise WarehouseError(open_error(path, read_only, exc)) from exc
    if not read_only:
        migrate(con)
    return con


def open_error(path: Path, read_only: bool, exc: BaseException) -> str:
    """Why a warehouse file did not open, in words: held by another process, or damaged / not DuckDB at all."""
    said = str(exc)
    if re.search(r"\block\b", said, re.IGNORECASE):  # "Could not set lock on file", not "block at location"
        who = ("a process holds it open for writing (nights never do: they write a working copy and publish "
               "it; look for a tool or notebook that opened this file without read_only=True)") if read_only else (
            "other processes have it open (any connection, read-only ones included, blocks a writer)")
    else:
        who = ("the file is damaged or is not a DuckDB database (truncated, overwritten, another format); "
               "restore the last good copy (docs/operations.md, Backups) or move it aside")
    return f"cannot open {path}{' read-only' if read_only else ' for writing'}: {who}. DuckDB said: {said}"


def migrations() -> list[Path]:
    return sorted(SQL_DIR.glob("[0-9][0-9][0-9]_*.sql"))


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every SQL file not yet applied; returns the names applied now.

    A file applied earlier is never run again, so a later edit to it does not reach this warehouse:
    that is logged as a warning (a schema change belongs in a new file).
    """
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
    done = dict(con.execute("SELECT version, sha256 FROM schema_migrations").fetchall())
    applied = []
    for sql_file in migrations():
        sql = sql_file.read_text(encoding="utf-8")
        sha = hashlib.sha256(sql.encode()).hexdigest()
        if sql_file.stem in done:
            if done[sql_file.stem] != sha:
                log.warning("warehouse/sql/%s changed after this warehouse applied it; its tables, views and "
                            "comments here are the old ones (rebuild the warehouse, or put the change in a new "
                            "migration file)", sql_file.name)
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, sha256) VALUES (?, ?)", [sql_file.stem, sha])
        applied.append(sql_file.stem)
    return applied


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All or nothing: a crash half-way leaves the previous state."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def replace_rows(con: duckdb.DuckDBPyConnection, table: str, key: str, keys: Iterable[Any],
                 columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Delete the rows whose `key` is in `keys`, then insert `rows`: the idempotent write.

    Call inside `transaction()` so readers never see the gap between delete and insert.
    """
    keys = list(dict.fromkeys(keys))
    if keys:
        con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT unnest(?))", [keys])
    rows = [tuple(r) for r in rows]
    if rows:
        marks = ", ".join("?" for _ in columns)
        con.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    return len(rows)


def insert_columns(con: duckdb.DuckDBPyConnection, table: str, columns: Sequence[str],
                   rows: Iterable[Sequence[Any]], verb: str = "INSERT") -> int:
    """Insert many rows in one statement, one list parameter per column (`executemany` pays ~3 ms a row).

    Values are cast to the table's column types, as a plain INSERT would. `verb` may be
    "INSERT OR REPLACE" (then the rows must not repeat a key among themselves).
    """
    rows = [tuple(r) for r in rows]
    if not rows:
        return 0
    lists = [list(col) for col in zip(*rows, strict=True)]
    picks = ", ".join(f"unnest(${i + 1})" for i in range(len(columns)))
    con.execute(f"{verb} INTO {table} ({', '.join(columns)}) SELECT {picks}", lists)
    return len(rows)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of every base table (the demo's summary, and the rerun check)."""
    names = [n for (n,) in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY table_name").fetchall()]
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def has_tables(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    """Whether every named base table exists (a step reading what an optional step wrote)."""
    found = {n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
             .fetchall()}
    return all(n in found for n in names)

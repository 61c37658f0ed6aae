"""Connections and the schema: tables by migration, views by file.

Tables are the `.sql` files in `warehouse/sql/` (the baseline `150_baseline.sql`, then any later `NNN_*.sql`),
applied once each in file-name order and recorded in `schema_migrations`. A warehouse written before the
baseline (migrations 001-150) is upgraded to it in place, rows kept (`upgrade_legacy`). Views are
`warehouse/sql/views/<name>.sql`, one each with its comments, dropped and created again on every writer's
connect (as dbt rebuilds its models), so a view is always the file's. The documentation is generated from the
same files. Analysts connect read-only; the nightly writer holds the only write connection.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

SQL_DIR = Path(__file__).with_name("sql")
VIEWS_DIR = SQL_DIR / "views"
COLUMNS_FILE = VIEWS_DIR / "columns.toml"
BASELINE = SQL_DIR / "150_baseline.sql"
UPGRADE = SQL_DIR / "upgrade" / "150_from_legacy.sql"
LEGACY_LAST = "150_script_reviews"  # the last migration the baseline replaces: a warehouse with it can be upgraded
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
    """The table migrations, baseline first, in the order they apply."""
    return sorted(SQL_DIR.glob("[0-9][0-9][0-9]_*.sql"))


def view_files() -> list[Path]:
    return sorted(VIEWS_DIR.glob("*.sql"))


def _sha(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every table migration not yet applied, then make the views again if their files or the tables changed
    (ensure_views); returns the migrations applied now.

    A file applied earlier is never run again, so a later edit to it does not reach this warehouse:
    that is logged as a warning (a schema change belongs in a new file).
    """
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version VARCHAR PRIMARY KEY, sha256 VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
    done = dict(con.execute("SELECT version, sha256 FROM schema_migrations").fetchall())
    applied = []
    if done and BASELINE.stem not in done:
        upgrade_legacy(con, done)
        done = dict(con.execute("SELECT version, sha256 FROM schema_migrations").fetchall())
        applied.append(BASELINE.stem)
    for sql_file in migrations():
        sql = sql_file.read_text(encoding="utf-8")
        sha = _sha(sql)
        if sql_file.stem in done:
            if done[sql_file.stem] != sha:
                log.warning("warehouse/sql/%s changed after this warehouse applied it; its tables and comments here "
                            "are the old ones (rebuild the warehouse, or put the change in a new migration file)",
                            sql_file.name)
            continue
        with transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations (version, sha256) VALUES (?, ?)", [sql_file.stem, sha])
        applied.append(sql_file.stem)
    ensure_views(con, force=bool(applied))
    return applied


def views_digest() -> str:
    """One hash of every view file and the column glossary: what the views of a warehouse are made from."""
    parts = [f"{p.name}\n{p.read_text(encoding='utf-8')}" for p in view_files()]
    return _sha("\n".join([*parts, COLUMNS_FILE.read_text(encoding="utf-8")]))


def ensure_views(con: duckdb.DuckDBPyConnection, force: bool = False) -> bool:
    """Create the views again unless this warehouse already holds exactly what the view files make (their digest
    is recorded in schema_views, and every view is there); True when they were made. Re-creating them costs
    ~0.3 s, which every connect of a test or a tool would otherwise pay."""
    con.execute("""CREATE TABLE IF NOT EXISTS schema_views (
        sha256 VARCHAR NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now())""")
    digest = views_digest()
    recorded = {s for (s,) in con.execute("SELECT sha256 FROM schema_views").fetchall()}
    have = {n for (n,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                      "AND schema_name = 'main'").fetchall()}
    if not force and recorded == {digest} and have == {p.stem for p in view_files()}:
        return False
    create_views(con)
    with transaction(con):
        con.execute("DELETE FROM schema_views")
        con.execute("INSERT INTO schema_views (sha256) VALUES (?)", [digest])
        con.execute("COMMENT ON TABLE schema_views IS 'The digest of the view files (warehouse/sql/views/) the views "
                    "here were made from: a connect makes them again only when the files changed.'")
        con.execute("COMMENT ON COLUMN schema_views.sha256 IS 'sha256 of every view file and views/columns.toml.'")
        con.execute("COMMENT ON COLUMN schema_views.created_at IS 'When the views were last made.'")
    return True


def drop_views(con: duckdb.DuckDBPyConnection) -> None:
    for (name,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'")\
            .fetchall():
        con.execute(f'DROP VIEW IF EXISTS "{name}"')


def _query(path: Path) -> str:
    """The view's SELECT as written: no comments, no COMMENT ON statements (they may name other views)."""
    sql = path.read_text(encoding="utf-8").split("\nCOMMENT ON ", 1)[0]
    return re.sub(r"--[^\n]*", "", sql)


def view_order(files: list[Path]) -> list[Path]:
    """The view files, each after the views its SQL names (a view reads another: v_calls_by_hour reads v_calls)."""
    by_name = {p.stem: p for p in files}
    reads = {p.stem: {w for w in re.findall(r"\b(v_\w+)\b", _query(p)) if w in by_name} - {p.stem} for p in files}
    done: list[Path] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if by_name[name] in done:
            return
        if name in path:
            raise WarehouseError(f"views read each other in a circle: {' -> '.join((*path, name))}")
        for other in sorted(reads[name]):
            visit(other, (*path, name))
        done.append(by_name[name])

    for name in sorted(by_name):
        visit(name, ())
    return done


def column_glossary() -> dict[str, str]:
    """What a view column means by its name (views/columns.toml): one meaning per name across the views."""
    return tomllib.loads(COLUMNS_FILE.read_text(encoding="utf-8"))["columns"]


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """Drop every view and create each file's again, then comment the columns its file left to the glossary;
    in one transaction."""
    glossary = column_glossary()
    with transaction(con):
        drop_views(con)
        for path in view_order(view_files()):
            con.execute(path.read_text(encoding="utf-8"))
        for view, column in con.execute("""
                SELECT c.table_name, c.column_name FROM duckdb_columns() c
                JOIN duckdb_views() v ON v.view_name = c.table_name AND v.schema_name = c.schema_name
                WHERE NOT v.internal AND v.schema_name = 'main' AND c.comment IS NULL""").fetchall():
            if column in glossary:
                said = glossary[column].replace("'", "''")
                con.execute(f"COMMENT ON COLUMN {view}.{column} IS '{said}'")


def upgrade_legacy(con: duckdb.DuckDBPyConnection, done: dict[str, str]) -> None:
    """Bring a warehouse that migrations 001-150 wrote to the baseline, in one transaction, rows kept.

    Each old table is set aside, the baseline's tables are created, the columns both have are copied over,
    `sql/upgrade/150_from_legacy.sql` moves what changed shape (a call's topics, the leads' settings), and the
    old tables go. Copies the baseline no longer keeps (a topic id beside call_outcomes, reply_candidates and
    repeat_contacts, the outcome on reply_candidates) are what the views now join.
    """
    if LEGACY_LAST not in done:
        raise WarehouseError(f"this warehouse's schema predates {LEGACY_LAST} (it has {', '.join(sorted(done))}): "
                             "open it once with the callintel release that wrote it to bring it up to date, "
                             "or rebuild it with `callintel run`")
    old = [n for (n,) in con.execute("""SELECT table_name FROM duckdb_tables()
                                        WHERE schema_name = 'main' AND table_name <> 'schema_migrations'""").fetchall()]
    with transaction(con):
        drop_views(con)
        for name in old:
            con.execute(f"ALTER TABLE {name} RENAME TO legacy_{name}")
        baseline = BASELINE.read_text(encoding="utf-8")
        con.execute(baseline)
        new = {n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
               .fetchall()}
        for name in old:
            if name not in new:
                continue
            cols = [c for (c,) in con.execute("""SELECT column_name FROM duckdb_columns() WHERE table_name = ?
                                                   AND column_name IN (SELECT column_name FROM duckdb_columns()
                                                                       WHERE table_name = ?)
                                                   ORDER BY column_index""", [name, f"legacy_{name}"]).fetchall()]
            con.execute(f"DELETE FROM {name}")
            con.execute(f"INSERT INTO {name} ({', '.join(cols)}) SELECT {', '.join(cols)} FROM legacy_{name}")
        con.execute(UPGRADE.read_text(encoding="utf-8"))
        for name in old:
            con.execute(f"DROP TABLE legacy_{name}")
        con.execute("INSERT INTO schema_migrations (version, sha256) VALUES (?, ?)", [BASELINE.stem, _sha(baseline)])


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

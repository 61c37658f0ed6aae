"""Schema migrations apply once, views come from their files; replace_rows is idempotent; a failed transaction
leaves nothing."""

from __future__ import annotations

import duckdb
import pytest

from callintel.warehouse.db import (
    WarehouseError,
    connect,
    migrations,
    replace_rows,
    table_counts,
    transaction,
    view_files,
    view_order,
)


def test_migrations_apply_once_and_tables_are_documented(tmp_path):
    path = tmp_path / "w.duckdb"
    con = connect(path)
    applied = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    assert applied == {m.stem for m in migrations()}
    con.close()
    con = connect(path)  # second open applies nothing new
    assert con.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(applied)
    undocumented = con.execute("""SELECT table_name FROM duckdb_tables()
        WHERE comment IS NULL AND table_name <> 'schema_migrations'""").fetchall()
    assert undocumented == []


def test_replace_rows_is_idempotent_and_atomic(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    cols = ("call_id", "seq", "speaker", "start_s", "end_s", "text")
    rows = [("C1", 0, "agent", 0.0, 1.0, "您好"), ("C1", 1, "customer", 1.0, 2.0, "我想问一下")]
    for _ in range(2):
        with transaction(con):
            replace_rows(con, "utterances", "call_id", ["C1"], cols, rows)
    assert table_counts(con)["utterances"] == 2
    with pytest.raises(duckdb.Error), transaction(con):
        replace_rows(con, "utterances", "call_id", ["C1"], cols, [("C1", 0, None, 0.0, 1.0, "x")])
    assert con.execute("SELECT count(*) FROM utterances").fetchone()[0] == 2  # rolled back


def test_read_only_open_of_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(WarehouseError, match="run `callintel run`"):
        connect(tmp_path / "none.duckdb", read_only=True)


def test_an_applied_migration_edited_later_is_reported(tmp_path, caplog):
    db = tmp_path / "w.duckdb"
    connect(db).close()
    with caplog.at_level("WARNING", logger="callintel.warehouse.db"):
        connect(db).close()
    assert not caplog.records  # unchanged files: nothing to say
    con = duckdb.connect(str(db))
    con.execute("UPDATE schema_migrations SET sha256 = 'edited' WHERE version = ?", [migrations()[0].stem])
    con.close()
    with caplog.at_level("WARNING", logger="callintel.warehouse.db"):
        connect(db).close()
    assert [r.getMessage() for r in caplog.records] == [
        f"warehouse/sql/{migrations()[0].name} changed after this warehouse applied it; its tables and comments "
        "here are the old ones (rebuild the warehouse, or put the change in a new migration file)"]


def test_views_come_from_their_files_on_every_connect_and_are_documented(tmp_path):
    """A view is its file's: one file a view, created again on connect, every view and column described."""
    db = tmp_path / "w.duckdb"
    con = connect(db)
    views = {n for (n,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert views == {p.stem for p in view_files()}
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND comment IS NULL").fetchone() == (0,)
    undocumented = con.execute("""SELECT c.table_name || '.' || c.column_name FROM duckdb_columns() c
        JOIN duckdb_views() v ON v.view_name = c.table_name WHERE NOT v.internal AND c.comment IS NULL""").fetchall()
    assert undocumented == []
    con.execute("CREATE OR REPLACE VIEW v_calls AS SELECT 1 AS stale")
    con.execute("CREATE VIEW v_gone AS SELECT 1 AS x")
    con.close()
    con = connect(db)
    assert "stale" not in {c for (c,) in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE table_name = 'v_calls'").fetchall()}
    assert con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'v_gone'").fetchone() == (0,)
    # tables only in the migrations, views only in their files
    for path in migrations():
        assert "CREATE VIEW" not in path.read_text(encoding="utf-8").upper().replace("OR REPLACE ", "")
    assert view_order(view_files()).index(VIEWS["v_topic_names"]) < view_order(view_files()).index(VIEWS["v_calls"])


VIEWS = {p.stem: p for p in view_files()}

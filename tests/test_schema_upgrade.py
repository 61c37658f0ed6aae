"""A warehouse written before the baseline (migrations 001-150) opens with today's code, upgraded in place,
nothing lost: every row of every table, and what the old tables copied (a call's topic, its outcome on the
reply candidates, a family refinement over a taxonomy match) is what the views now join."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import duckdb
import pytest

from callintel.warehouse.db import BASELINE, WarehouseError, connect, migrations

LEGACY = Path(__file__).with_name("data") / "warehouse_at_150.duckdb.gz"


@pytest.fixture
def legacy(tmp_path: Path) -> tuple[Path, duckdb.DuckDBPyConnection]:
    """A copy to upgrade, and the untouched original opened read-only to compare with."""
    original = tmp_path / "at_150.duckdb"
    with gzip.open(LEGACY, "rb") as src, original.open("wb") as dst:
        shutil.copyfileobj(src, dst)
    work = tmp_path / "upgraded.duckdb"
    shutil.copyfile(original, work)
    return work, duckdb.connect(str(original), read_only=True)


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    names = [n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
             .fetchall()]
    return {n: con.execute(f"SELECT count(*) FROM {n}").fetchone()[0] for n in names}


def _rows(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> list[tuple]:
    cols = ", ".join(columns)
    return con.execute(f"SELECT {cols} FROM {table} ORDER BY ALL").fetchall()


def test_a_warehouse_from_before_the_baseline_is_upgraded_with_every_row(legacy):
    work, old = legacy
    before = _tables(old)
    assert "150_script_reviews" in {v for (v,) in old.execute("SELECT version FROM schema_migrations").fetchall()}
    con = connect(work)
    after = _tables(con)
    versions = {v for (v,) in con.execute("SELECT version FROM schema_migrations").fetchall()}
    assert {m.stem for m in migrations()} <= versions and BASELINE.stem in versions
    # every table kept every row (lead_params now lives in step_params; question_topics' refinements by the
    # call moved to call_question_topics; questions.kind's follow-ups to question_follow_ups, a table of its own)
    moved = {"lead_params", "question_topics", "step_params", "schema_migrations"}
    assert {t: n for t, n in before.items() if t not in moved} == {
        t: after[t] for t in before if t not in moved}
    assert after["step_params"] == before["step_params"] + before["lead_params"]
    assert after["question_topics"] + after["call_question_topics"] >= before["question_topics"]
    # the columns both shapes have hold the same values
    for table in after:
        if table in before and table not in moved:
            shared = [c for (c,) in con.execute(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table])
                .fetchall() if c in {x for (x,) in old.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]).fetchall()}]
            if table == "profile_facts":   # migration 230 moved the agent's read-outs to a field of their own
                cols = ", ".join("CASE WHEN field = 'existing_policies' AND source = 'agent' THEN 'policies_on_file' "
                                 "ELSE field END" if c == "field" else c for c in shared)
                assert _rows(con, table, shared) == old.execute(
                    f"SELECT {cols} FROM profile_facts ORDER BY ALL").fetchall(), table
                continue
            assert _rows(con, table, shared) == _rows(old, table, shared), table
    # what was copied is what the views join now
    assert _rows(con, "v_question_topics", ["question_id", "topic_id", "method"]) == \
        _rows(old, "question_topics", ["question_id", "topic_id", "method"])
    assert con.execute("SELECT count(*) FROM call_question_topics WHERE method = 'family'").fetchone()[0] > 0
    assert con.execute("""SELECT count(*) FROM question_topics q JOIN call_question_topics c USING (question_id)
                          WHERE q.method IN ('context', 'family')""").fetchone()[0] == 0
    # the follow-up marks the taxonomy step wrote into questions.kind are the topics step's own table now
    follow = old.execute("SELECT question_id, night FROM questions WHERE kind = 'follow_up' ORDER BY ALL").fetchall()
    assert follow and _rows(con, "question_follow_ups", ["question_id", "night"]) == follow
    assert _rows(con, "v_calls", ["call_id", "topic_id"]) == _rows(old, "call_outcomes", ["call_id", "topic_id"])
    kept = ["call_id", "question_turn", "topic_id", "call_label", "repeat_followed", "resolved_in_call", "fcr_failed"]
    assert _rows(con, "v_reply_candidates", kept) == _rows(old, "reply_candidates", kept)
    assert dict(con.execute("SELECT name, value FROM step_params WHERE step = 'leads'").fetchall()) == dict(
        old.execute("SELECT name, value FROM lead_params").fetchall())
    assert con.execute("SELECT count(*) FROM v_marketing_leads").fetchone() == \
        old.execute("SELECT count(*) FROM v_marketing_leads").fetchone()
    con.close()
    assert _tables(connect(work)) == after  # a second open changes nothing


def test_a_warehouse_older_than_150_is_refused_with_what_to_do(legacy):
    work, _ = legacy
    con = duckdb.connect(str(work))
    con.execute("DELETE FROM schema_migrations WHERE version = '150_script_reviews'")
    con.close()
    with pytest.raises(WarehouseError, match="predates 150_script_reviews"):
        connect(work)

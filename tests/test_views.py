"""The analyst views: one meaning per column name, INTEGER topic ids that join without casts, local times,
names beside ids, call ids to open; and `callintel query` / `callintel export parquet`."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import datetime

import duckdb
import pytest
from typer.testing import CliRunner

from callintel.flows.cli import app

VIEWS = ["v_calls", "v_unresolved_calls", "v_night_summary", "v_calls_by_hour", "v_hot_questions", "v_topic_trend",
         "v_resolution_by_topic", "v_resolution_by_agent", "v_repeat_callers", "v_repeat_vs_one_time",
         "v_low_resolution_topics"]


@pytest.fixture(scope="module")
def con(sample_warehouse):
    db, _ = sample_warehouse
    c = duckdb.connect(str(db), read_only=True)
    yield c
    c.close()


def _types(con, view):
    return {d[0]: str(d[1]) for d in con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()}


def test_one_meaning_per_column_name(con):
    seen: dict[str, set[str]] = {}
    for view in VIEWS:
        types = _types(con, view)
        assert "label" not in types, f"{view}.label: say resolution or topic_label"
        assert "main_topic" not in types and "topic_list" not in types
        for name, kind in types.items():
            seen.setdefault(name, set()).add(kind.replace("BIGINT", "INTEGER").replace("HUGEINT", "INTEGER"))
        if "topic_id" in types:
            assert types["topic_id"] == "INTEGER" and "topic_name" in types, view
    assert seen["topic_id"] == {"INTEGER"} and seen["resolution"] == {"VARCHAR"}
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}  # a name has one type everywhere
    resolutions = {r for (r,) in con.execute("SELECT DISTINCT resolution FROM v_calls").fetchall()}
    assert resolutions <= {"resolved", "unresolved", "unknown", None}


def test_views_join_without_casts_and_name_topics(con):
    joined = con.execute("""SELECT count(*) FROM v_calls c JOIN v_topic_trend t
                            ON t.topic_id = c.topic_id AND t.night = c.night""").fetchone()[0]
    assert joined > 0
    rows = con.execute("SELECT main_topic_id, main_topic_name, topic_ids, topic_names, call_ids, caller_calls "
                       "FROM v_repeat_callers").fetchall()
    assert rows
    for main_id, main_name, ids, names, call_ids, n in rows:
        assert main_id is None or (isinstance(main_id, int) and main_name)
        assert all(isinstance(i, int) for i in ids) and (names or not ids)
        assert len(call_ids) == n and all(c.startswith("C2026") for c in call_ids)


def test_local_time_columns_are_the_call_centre_clock(con):
    at, local, hour = con.execute("SELECT started_at, started_at_local, local_hour FROM v_calls "
                                  "WHERE call_id = 'C20261120-001'").fetchone()
    assert local == datetime(2026, 11, 20, 9, 12, 37) and hour == 9  # samples: 09:12:37+08:00
    assert at.utcoffset() is not None  # the instant stays a TIMESTAMPTZ


def test_unresolved_evidence_is_what_keeps_the_call_open(con):
    rows = con.execute("SELECT call_id, evidence, evidence_cues FROM v_unresolved_calls").fetchall()
    assert rows
    for _, evidence, cues in rows:
        assert evidence and "很高兴" not in evidence and "agent_thanks_praise" not in cues
        assert evidence.startswith(("customer: ", "agent: ", "repeat: "))  # repeat: the FCR override
    escalated = con.execute("SELECT count(*) FILTER (WHERE escalated), count(*) FROM v_calls").fetchone()
    assert escalated[0] < escalated[1] / 2


@pytest.fixture(scope="module")
def db(sample_warehouse, tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "w.duckdb"
    shutil.copy(sample_warehouse[0], path)
    return path


def test_query_prints_local_time_and_is_read_only(db):
    runner = CliRunner()
    res = runner.invoke(app, ["query", "--db", str(db), "--csv",
                              "SELECT call_id, started_at FROM calls ORDER BY call_id LIMIT 1"])
    assert res.exit_code == 0, res.output
    rows = list(csv.reader(io.StringIO(res.stdout)))
    assert rows == [["call_id", "started_at"], ["C20261120-001", "2026-11-20 09:12:37+08:00"]]
    res = runner.invoke(app, ["query", "--db", str(db), "--json", "SELECT call_ids FROM v_repeat_callers LIMIT 1"])
    assert res.exit_code == 0 and isinstance(json.loads(res.stdout.splitlines()[0])["call_ids"], list)
    res = runner.invoke(app, ["query", "--db", str(db), "SELECT topic_id, topic_name FROM v_hot_questions"])
    assert res.exit_code == 0 and "topic_name" in res.stdout
    res = runner.invoke(app, ["query", "--db", str(db), "DELETE FROM calls"])
    assert res.exit_code == 1 and "read-only" in res.output
    with duckdb.connect(str(db), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM calls").fetchone()[0] == 18


def test_export_parquet_command(db, tmp_path):
    res = CliRunner().invoke(app, ["export", "parquet", "--db", str(db), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "v_calls.parquet").exists() and (tmp_path / "utterances.parquet").exists()
    assert duckdb.connect().execute(f"SELECT count(*) FROM '{tmp_path / 'v_calls.parquet'}'").fetchone()[0] == 18


def test_run_summary_highlights_use_the_configured_titles(db, capsys):
    """`callintel run`/`demo` print the views under their [exports.titles] titles, with names beside ids."""
    from callintel.flows import cli
    from callintel.settings import load_settings

    cli._highlights(db)
    printed = capsys.readouterr().out
    titles = load_settings()["exports"]["titles"]
    assert titles["v_hot_questions"] in printed and titles["v_repeat_callers"] in printed
    assert "topic_name" in printed and "main_topic_name" in printed

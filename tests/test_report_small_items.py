"""What people read around the reports: Chinese trend words, one time zone, the demo's closing summary
(no topic with 0 questions shown as a hot one, a command hint that works when the venv is not on PATH), and
report.html without English SQL comments under its Chinese headings."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from conftest import SAMPLES
from rich.console import Console

from callintel.evaluation.calls import land
from callintel.flows import cli
from callintel.flows.status import show_status
from callintel.flows.steps import run_steps
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.warehouse.db import connect
from callintel.warehouse.export import Glossary, comment_of
from callintel.warehouse.report import write_report


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("small_items")
    settings = load_settings(PROJECT_ROOT / "configs" / "demo.toml",
                             overrides={"paths": {"warehouse": str(tmp / "w.duckdb"), "exports": str(tmp / "x")}})
    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    con = connect(settings.path("warehouse"))
    run_steps(con, land(con, dialogues, settings), settings)
    con.execute("INSERT INTO publication VALUES ('r1', '2026-11-22', 'succeeded', 18, TIMESTAMPTZ "
                "'2026-11-22 19:30:00+00')")
    con.close()
    return settings, tmp


def test_every_trend_word_is_translated(warehouse):
    settings, _ = warehouse
    glossary = Glossary.from_settings(settings)
    con = connect(settings.path("warehouse"), read_only=True)
    trends = {t for (t,) in con.execute("SELECT DISTINCT trend FROM topic_daily").fetchall()}
    con.close()
    assert "quiet" in trends
    assert all(glossary.value("trend", t) != t for t in trends | {"new", "rising", "falling", "steady", "quiet"})


def test_demo_highlights_leave_out_topics_nobody_asked_about_and_speak_chinese(warehouse, monkeypatch):
    settings, _ = warehouse
    con = connect(settings.path("warehouse"), read_only=True)
    zero = [n for (n,) in con.execute("SELECT topic_name FROM v_hot_questions WHERE questions = 0").fetchall()]
    asked = [n for (n,) in con.execute("SELECT topic_name FROM v_hot_questions WHERE questions > 0").fetchall()]
    con.close()
    assert zero and asked, "the sample nights should have topics with and without questions on the last night"
    record = Console(record=True, width=200)
    monkeypatch.setattr(cli, "out", record)
    cli._highlights(settings.path("warehouse"))
    text = record.export_text()
    start = text.index("(v_hot_questions)")
    hot = text[start:text.index("(v_", start + 1)]  # the hot-questions table alone (other tables name topics too)
    assert all(n in hot for n in asked) and not [n for n in zero if n in hot]
    assert "falling" not in hot and "rising" not in hot and "上升" in hot


def test_command_hint_is_the_path_when_callintel_is_not_on_path(monkeypatch):
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    venv = PROJECT_ROOT / ".venv/bin/callintel"
    monkeypatch.chdir(PROJECT_ROOT)
    assert cli.command_name(str(venv)) == ".venv/bin/callintel"
    monkeypatch.setenv("PATH", f"{venv.parent}:/usr/bin:/bin")
    assert cli.command_name(str(venv)) == "callintel"


def test_status_shows_times_in_the_warehouse_zone(warehouse):
    settings, _ = warehouse
    record = Console(record=True, width=200)
    show_status(settings, 5, record)
    text = record.export_text()
    # 19:30 UTC is 03:30 the next morning in Shanghai
    assert "at 2026-11-23 03:30 Asia/Shanghai" in text, text


def test_report_has_no_english_sql_comment_under_chinese_headings(warehouse):
    settings, tmp = warehouse
    con = connect(settings.path("warehouse"), read_only=True)
    try:
        page = write_report(con, tmp / "report.html", settings, Glossary.from_settings(settings)).read_text("utf-8")
        comments = [comment_of(con, v) for v in settings["exports"]["views"]]
    finally:
        con.close()
    assert [c for c in comments if c and c in page] == []
    assert "Generated" not in page and "Asia/Shanghai 当地时间" in page
    assert str(datetime.now(UTC).year) in page


def test_demo_highlights_use_the_runs_own_settings(warehouse, monkeypatch):
    """`callintel run --config` / `demo --config`: the summary's titles are the user's, not the defaults'."""
    settings, _ = warehouse
    record = Console(record=True, width=200)
    monkeypatch.setattr(cli, "out", record)
    cli._highlights(settings.path("warehouse"), settings.with_overrides(
        {"exports": {"titles": {"v_hot_questions": "本站热点问题"}}}))
    assert "本站热点问题 (v_hot_questions)" in record.export_text()

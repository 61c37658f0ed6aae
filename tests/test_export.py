"""Exports for people (CSV with BOM, XLSX in Chinese, notes for empty views) and Parquet, from real warehouses."""

from __future__ import annotations

import csv
import shutil
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest
from openpyxl import load_workbook

from callintel.records import CallRecord, Failure, Transcript, Utterance
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.warehouse.calls import write_call
from callintel.warehouse.db import connect
from callintel.warehouse.export import Glossary, export_night, export_parquet
from callintel.warehouse.runs import write_failures


def _call(call_id: str, hour: int) -> tuple[CallRecord, Transcript]:
    started = datetime(2026, 11, 20, hour, tzinfo=ZoneInfo("Asia/Shanghai"))
    call = CallRecord(call_id, Path(f"/calls/{call_id}.wav"), "13800000000", "A001", started, "stereo_agent_left",
                      started.date(), 2, {"queue": "claims"})
    utts = [Utterance("agent", 0.5, 3.0, "您好，很高兴为您服务", 0),
            Utterance("customer", 3.5, 6.0, "我想查一下理赔进度", 1)]
    return call, Transcript(call_id, "ab" * 32, 30.0, utts, "k" + call_id, ["no speech on one channel"])


@pytest.fixture
def exported(sample_warehouse, tmp_path):
    db, settings = sample_warehouse
    shutil.copy(db, tmp_path / "w.duckdb")
    con = connect(tmp_path / "w.duckdb")
    written = export_night(con, tmp_path / "out", settings)
    yield con, written, settings
    con.close()


def test_calls_only_warehouse_exports_with_reasons_for_empty_views(tmp_path: Path):
    """Before topics and outcomes ever ran: every view still exports, and the empty ones say why."""
    con = connect(tmp_path / "w.duckdb")
    for i, cid in enumerate(["C1", "C2"]):
        call, t = _call(cid, 9 + i)
        write_call(con, call, t, "run-1", "hash", False, "whisper-base")
    write_failures(con, [Failure("C9", "decode", "C9.wav is empty (0 bytes)", call_id="C9")], "/m.csv", "run-1")
    settings = load_settings(overrides={"exports": {"views": ["v_night_summary", "v_hot_questions",
                                                              "v_not_there_yet"]}})
    written = export_night(con, tmp_path / "out", settings)
    assert set(written) == {"v_night_summary", "v_hot_questions", "xlsx", "report"}
    raw = Path(written["v_night_summary"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel on Chinese Windows reads UTF-8
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("night,calls,callers") and lines[1].startswith("2026-11-20,2,1,1")
    hot = Path(written["v_hot_questions"]).read_text(encoding="utf-8-sig").splitlines()
    assert len(hot) == 2 and hot[1].startswith("# ") and "话题步骤尚未运行" in hot[1]
    book = load_workbook(written["xlsx"])
    assert book.sheetnames == ["说明 About", "每晚概况 Nights", "重复咨询的问题 Hot questions"]
    assert book["每晚概况 Nights"]["B2"].value == 2 and book["每晚概况 Nights"]["A1"].value == "日期"
    assert "话题步骤尚未运行" in book["重复咨询的问题 Hot questions"]["A2"].value
    report = Path(written["report"]).read_text(encoding="utf-8")
    assert "<script" not in report and "http" not in report.split("</head>")[1]
    assert "C9.wav is empty" in report and "<svg" in report and "话题步骤尚未运行" in report


def test_workbook_is_readable_by_people(exported):
    con, written, settings = exported
    glossary = Glossary.from_settings(settings)
    book = load_workbook(written["xlsx"])
    titles = settings["exports"]["titles"]
    assert book.sheetnames == ["说明 About", *[titles[v] for v in settings["exports"]["views"]]]
    calls = book[titles["v_calls"]]
    header = [c.value for c in calls[1]]
    assert header[:3] == ["来电编号", "日期", "来电时间"] and all(c.font.bold for c in calls[1])
    assert calls.freeze_panes == "A2" and calls.auto_filter.ref.startswith("A1:")
    assert calls.column_dimensions["A"].width >= 13  # C20261120-001 fits
    first = con.execute("SELECT started_at_local, night FROM v_calls ORDER BY call_id LIMIT 1").fetchone()
    row = {h: c for h, c in zip(header, calls[2], strict=True)}
    assert row["来电时间"].value == first[0] == datetime(2026, 11, 20, 9, 12, 37)  # local, tz-naive, native
    assert row["来电时间"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert row["解决情况"].value in {"已解决", "未解决", "无法判断"}
    repeat = book[titles["v_repeat_callers"]]
    ids = [c.value for c in repeat[1]].index("来电编号")
    assert repeat.cell(2, ids + 1).value.startswith("C2026") and "[" not in repeat.cell(2, ids + 1).value
    for view in settings["exports"]["views"]:  # every exported column has a Chinese name
        cols = [d[0] for d in con.execute(f"SELECT * FROM {view} LIMIT 0").description]
        assert [c for c in cols if c not in glossary.columns] == [], view
    about = book["说明 About"]
    assert about["B2"].value == settings["exports"]["views"][0]


def test_csv_is_complete_local_and_opens_in_excel(exported):
    con, written, settings = exported
    for view in settings["exports"]["views"]:
        assert view in written, f"{view} not exported"
        raw = Path(written[view]).read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
        assert len(rows) - 1 == con.execute(f"SELECT count(*) FROM {view}").fetchone()[0], view
    calls = list(csv.DictReader(Path(written["v_calls"]).read_text(encoding="utf-8-sig").splitlines()))
    first = min(calls, key=lambda r: r["call_id"])
    assert first["started_at_local"] == "2026-11-20 09:12:37" and first["started_at"] == "2026-11-20 09:12:37"


def test_empty_view_says_why_with_the_setting(exported, tmp_path):
    con, _, settings = exported
    con.execute("UPDATE step_params SET value = '500' WHERE step = 'outcomes' AND name = 'min_topic_calls'")
    written = export_night(con, tmp_path / "again", settings)
    text = Path(written["v_low_resolution_topics"]).read_text(encoding="utf-8-sig")
    assert "最少 500 通来电" in text
    sheet = load_workbook(written["xlsx"])[settings["exports"]["titles"]["v_low_resolution_topics"]]
    assert "最少 500 通来电" in sheet["A2"].value
    assert "最少 500 通来电" in Path(written["report"]).read_text(encoding="utf-8")


def test_parquet_keeps_types_for_bi_tools(exported, tmp_path):
    con, _, settings = exported
    cfg = settings["exports"]
    written = export_parquet(con, tmp_path / "pq", [*cfg["views"], *cfg["parquet_tables"]])
    assert set(cfg["views"]) | set(cfg["parquet_tables"]) <= set(written)
    pq = duckdb.connect()
    kinds = dict(pq.execute(f"SELECT name, type FROM parquet_schema('{written['v_calls']}')").fetchall())
    assert kinds["topic_id"] == "INT32"
    n = pq.execute(f"SELECT count(*) FROM '{written['utterances']}'").fetchone()[0]
    assert n == con.execute("SELECT count(*) FROM utterances").fetchone()[0] > 0


def test_column_glossary_is_a_config_file():
    assert (PROJECT_ROOT / "configs" / load_settings()["exports"]["columns"]).exists()

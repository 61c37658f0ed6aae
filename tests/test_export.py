"""Exports: CSV per view, an XLSX workbook and a self-contained HTML report, from real warehouse rows."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from callintel.records import CallRecord, Failure, Transcript, Utterance
from callintel.warehouse.calls import write_call
from callintel.warehouse.db import connect
from callintel.warehouse.export import export_night
from callintel.warehouse.runs import write_failures


def _call(call_id: str, hour: int) -> tuple[CallRecord, Transcript]:
    started = datetime(2026, 11, 20, hour, tzinfo=ZoneInfo("Asia/Shanghai"))
    call = CallRecord(call_id, Path(f"/calls/{call_id}.wav"), "13800000000", "A001", started, "stereo_agent_left",
                      started.date(), 2, {"queue": "claims"})
    utts = [Utterance("agent", 0.5, 3.0, "您好，很高兴为您服务", 0),
            Utterance("customer", 3.5, 6.0, "我想查一下理赔进度", 1)]
    return call, Transcript(call_id, "ab" * 32, 30.0, utts, "k" + call_id, ["no speech on one channel"])


def test_export_writes_csv_xlsx_and_report(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    for i, cid in enumerate(["C1", "C2"]):
        call, t = _call(cid, 9 + i)
        write_call(con, call, t, "run-1", "hash", False, "whisper-base")
    write_failures(con, [Failure("C9", "decode", "C9.wav is empty (0 bytes)", call_id="C9")], "/m.csv", "run-1")
    written = export_night(con, tmp_path / "out", ["v_night_summary", "v_hot_questions", "v_not_there_yet"], 100, 10,
                           {"v_night_summary": "每晚概况 Nights"})
    assert set(written) == {"v_night_summary", "v_hot_questions", "xlsx", "report"}
    csv = Path(written["v_night_summary"]).read_text().splitlines()
    assert csv[0].startswith("night,calls,callers") and csv[1].startswith("2026-11-20,2,1,1")
    sheet = load_workbook(written["xlsx"])["v_night_summary"]
    assert sheet["B2"].value == 2
    report = Path(written["report"]).read_text(encoding="utf-8")
    assert "<script" not in report and "http" not in report.split("</head>")[1]
    assert "C9.wav is empty" in report and "<svg" in report
    assert "每晚概况 Nights</h2>" in report and "<code>v_night_summary</code>" in report
    assert report.count("No rows for this night.") == 1  # v_hot_questions: no topics yet, said so
    assert json.loads(con.execute("SELECT warnings FROM calls WHERE call_id = 'C1'").fetchone()[0]) == [
        "no speech on one channel"]

"""A night of transcripts made elsewhere through the real flow (Prefect, DuckDB): bad files fail alone,
text is cleaned like Whisper's, reruns come from the cache, and the warehouse rows equal the direct path."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from callintel.privacy import caller_hash
from callintel.records import CallRecord
from callintel.settings import load_settings
from callintel.speech.text import transcript_from_turns
from callintel.warehouse import calls as store
from callintel.warehouse.calls import CALL_COLUMNS, UTTERANCE_COLUMNS
from callintel.warehouse.db import connect

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
HEADER = ["call_id", "audio_path", "transcript_path", "transcript_format", "caller_number", "agent_id",
          "started_at", "channel_layout", "queue"]
GREETING = "您好，安和人寿客服，工号001，请问有什么可以帮您？"


def write_json(path: Path, data) -> str:
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path.name


def write_manifest(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.slow
def test_a_text_night_with_good_and_bad_transcripts(tmp_path: Path, night):
    good = {"turns": [{"speaker": "agent", "start": 0.0, "end": 3.5, "text": GREETING},
                      {"speaker": "customer", "start": 4.0, "end": 9.0,
                       "text": "我想問一下理賠，我的手機是一三九零五七一零二三一"}]}
    aws = {"Transcript": [{"ParticipantRole": "AGENT", "BeginOffsetMillis": 0, "EndOffsetMillis": 3000,
                           "Content": GREETING},
                          {"ParticipantRole": "CUSTOMER", "BeginOffsetMillis": 3500, "EndOffsetMillis": 6000,
                           "Content": "我要退保，保费三千五百元能退吗"}]}
    files = {
        "G1": write_json(tmp_path / "g1.json", good),
        "G2": write_json(tmp_path / "g2.json", aws),
        "BADJSON": write_json(tmp_path / "bad.json", '{"turns": [{"speaker": "agent",'),
        "WHO": write_json(tmp_path / "who.json", {"turns": [{"speaker": "SUPERVISOR", "text": "你好"}]}),
        "EMPTY": write_json(tmp_path / "empty.json", {"turns": []}),
        "ORDER": write_json(tmp_path / "order.json", {"turns": [{"speaker": "agent", "start": 9, "text": "你好"},
                                                                {"speaker": "customer", "start": 1, "text": "喂"}]}),
    }
    rows = [{"call_id": cid, "transcript_path": f, "caller_number": "13812345678", "agent_id": "A001",
             "started_at": f"2026-11-20T0{i}:00:00+08:00", "queue": "claims"}
            for i, (cid, f) in enumerate(files.items())]
    rows.append({"call_id": "BOTH", "audio_path": "x.wav", "transcript_path": "g1.json", "agent_id": "A001",
                 "started_at": "2026-11-20T10:00:00+08:00", "channel_layout": "mono"})
    rows.append({"call_id": "GONE", "transcript_path": "nowhere.json", "agent_id": "A001",
                 "started_at": "2026-11-20T11:00:00+08:00"})
    manifest = write_manifest(tmp_path / "night.csv", rows)
    db = tmp_path / "text.duckdb"
    over = {"paths": {"warehouse": str(db), "exports": str(tmp_path / "exports")}}

    first = night.run_night(manifest, overrides=over)
    assert first["calls_ok"] == 2 and first["calls_failed"] == 6

    con = duckdb.connect(str(db), read_only=True)
    reasons = {item: (stage, reason) for item, stage, reason in
               con.execute("SELECT item, stage, reason FROM failures").fetchall()}
    assert reasons["BADJSON"][0] == "import" and "bad.json: not valid JSON" in reasons["BADJSON"][1]
    assert "speaker 'SUPERVISOR'" in reasons["WHO"][1] and "agent_labels" in reasons["WHO"][1]
    assert "no turn has any text" in reasons["EMPTY"][1]
    assert "times must not go backwards" in reasons["ORDER"][1]
    assert reasons["BOTH"][0] == "manifest" and "both audio_path and transcript_path" in reasons["BOTH"][1]
    assert reasons["GONE"][0] == "import" and "nowhere.json" in reasons["GONE"][1]
    calls = {r[0]: r[1:] for r in con.execute(
        "SELECT call_id, source, transcript_path, audio_path, audio_sha256, asr_model, role_method, duration_s "
        "FROM calls").fetchall()}
    assert calls["G1"][:2] == ("callintel", str(tmp_path / "g1.json"))
    assert calls["G1"][2] is None and calls["G1"][4] is None and calls["G1"][5] == "transcript"
    assert calls["G1"][3] == hashlib.sha256((tmp_path / "g1.json").read_bytes()).hexdigest()
    assert calls["G2"][0] == "aws-call-analytics" and calls["G2"][6] == 6.0
    texts = [t for (t,) in con.execute("SELECT text FROM utterances ORDER BY call_id, seq").fetchall()]
    assert "我想问一下理赔，我的手机是[手机号]。" in texts  # Simplified, and the vendor's digits masked
    assert "我要退保，保费3500元能退吗？" in texts
    con.close()

    second = night.run_night(manifest, overrides=over)
    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("SELECT status, calls_cached FROM pipeline_runs ORDER BY started_at").fetchall()
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    con.close()
    assert second["calls_ok"] == 2 and runs == [("partial", 0), ("partial", 2)]  # the rerun read the cache

    # the vendor re-delivers a fixed file: it is imported again (new content hash) and its failure goes
    write_json(tmp_path / "who.json", {"turns": [{"speaker": "Agent", "text": GREETING}]})
    night.run_night(manifest, overrides=over)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM failures WHERE item = 'WHO'").fetchone()[0] == 0
    assert con.execute("SELECT source FROM calls WHERE call_id = 'WHO'").fetchone()[0] == "callintel"
    con.close()


def _rows(db: Path) -> tuple[list, list]:
    skip = {"run_id", "processed_at"}
    cols = [c for c in CALL_COLUMNS if c not in skip]
    con = duckdb.connect(str(db), read_only=True)
    calls = con.execute(f"SELECT {', '.join(cols)} FROM calls ORDER BY call_id").fetchall()
    utts = con.execute(f"SELECT {', '.join(UTTERANCE_COLUMNS)} FROM utterances ORDER BY call_id, seq").fetchall()
    con.close()
    return calls, utts


@pytest.mark.slow
def test_sample_dialogues_land_the_same_through_the_night_and_directly(tmp_path: Path, night):
    """The 18 scripted calls: manifest transcript_path -> night flow, vs transcript_from_turns + write_call."""
    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    rows, paths = [], {}
    for d in dialogues:
        path = tmp_path / f"{d['call_id']}.json"
        write_json(path, {"format": "callintel-transcript", "call": {"call_id": d["call_id"]}, "turns": d["turns"]})
        paths[d["call_id"]] = path
        rows.append({"call_id": d["call_id"], "transcript_path": path.name, "caller_number": d["caller_number"],
                     "agent_id": d["agent_id"], "started_at": d["started_at"], "channel_layout": d["channel_layout"],
                     "queue": d["queue"]})
    manifest = write_manifest(tmp_path / "dialogues.csv", rows)
    night_db, direct_db = tmp_path / "night.duckdb", tmp_path / "direct.duckdb"
    over = {"paths": {"warehouse": str(night_db), "exports": str(tmp_path / "exports")}, "night": {"steps": []}}
    result = night.run_night(manifest, overrides=over)
    assert result["calls_ok"] == 18 and result["calls_failed"] == 0

    settings = load_settings()
    tz = ZoneInfo(settings["night"]["timezone"])
    con = connect(direct_db)
    for line, d in enumerate(dialogues, start=2):
        started = datetime.fromisoformat(d["started_at"])
        call = CallRecord(d["call_id"], None, d["caller_number"], d["agent_id"], started, d["channel_layout"],
                          started.astimezone(tz).date(), line, {"queue": d["queue"]},
                          transcript_path=paths[d["call_id"]])
        sha = hashlib.sha256(paths[d["call_id"]].read_bytes()).hexdigest()
        transcript = transcript_from_turns(d["call_id"], d["turns"], settings, source_sha256=sha, on=call.night)
        store.write_call(con, call, transcript, "direct", caller_hash(d["caller_number"], settings), False, None)
    con.close()

    night_calls, night_utts = _rows(night_db)
    direct_calls, direct_utts = _rows(direct_db)
    assert len(night_calls) == 18 and len(night_utts) == sum(len(d["turns"]) for d in dialogues)
    assert night_calls == direct_calls
    assert night_utts == direct_utts


@pytest.mark.slow
def test_eval_calls_figures_equal_through_an_imported_night(tmp_path: Path, night):
    """`callintel eval calls` figures (every scorer of evaluation/calls.py) are the same on the eval path's
    warehouse (land: transcript_from_turns + write_call, then every step night by night) as on a night that
    imported the same dialogues from callintel-format files through the manifest."""
    from callintel.evaluation import calls

    dialogues = calls.load_dialogues(calls.dialogues_file(SAMPLES))
    rows = []
    for d in dialogues:
        write_json(tmp_path / f"{d['call_id']}.json", {"format": "callintel-transcript", "turns": d["turns"]})
        rows.append({"call_id": d["call_id"], "transcript_path": f"{d['call_id']}.json",
                     "caller_number": d["caller_number"], "agent_id": d["agent_id"], "started_at": d["started_at"]})
    over = {"paths": {"warehouse": str(tmp_path / "night.duckdb"), "exports": str(tmp_path / "exports")}}
    result = night.run_night(write_manifest(tmp_path / "dialogues.csv", rows), overrides=over)
    assert result["calls_ok"] == 18

    settings = load_settings(overrides={"paths": {"warehouse": str(tmp_path / "eval.duckdb")}})
    con = connect(tmp_path / "eval.duckdb")
    calls.run_steps(con, calls.land(con, dialogues, settings), settings)
    con.close()

    def figures(db: Path) -> dict:
        con = duckdb.connect(str(db), read_only=True)
        try:
            out: dict = {}
            for scorer in calls.SCORERS:
                out.update(scorer(dialogues, con))
            return out
        finally:
            con.close()

    via_eval, via_night = figures(tmp_path / "eval.duckdb"), figures(tmp_path / "night.duckdb")
    assert via_eval["questions_found"] > 0 and via_eval["profile_facts_predicted"] > 0  # real figures, not empty
    assert via_eval["best_reply_calls"] > 0 and via_eval["calls_with_topic"] == 18
    assert via_eval == via_night

"""The real nightly flow (Prefect, Whisper, DuckDB) on real audio: bad calls fail alone, reruns add nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow  # a night of real audio (Whisper)

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout,queue\n"


def test_a_night_with_good_and_bad_calls(tmp_path: Path, shared_data: Path, night):
    two_party = shared_data / "audio/derived_two_party_8k"
    shutil.copy(two_party / "call_stereo_8k_agentL_customerR.wav", tmp_path / "good.wav")
    (tmp_path / "empty.wav").write_bytes(b"")
    (tmp_path / "notes.wav").write_text("this is not audio")
    manifest = tmp_path / "night.csv"
    manifest.write_text(HEADER
                        + "G1,good.wav,13812345678,A001,2026-11-20T09:00:00+08:00,stereo_agent_left,claims\n"
                        + "E1,empty.wav,13812345678,A001,2026-11-20T10:00:00+08:00,mono,\n"
                        + "N1,notes.wav,,A002,2026-11-20T11:00:00+08:00,mono,\n"
                        + "M1,missing.wav,,A002,2026-11-20T12:00:00+08:00,mono,\n"
                        + "B1,good.wav,,A002,yesterday,mono,\n", encoding="utf-8")
    db = tmp_path / "night.duckdb"
    over = {"paths": {"warehouse": str(db), "exports": str(tmp_path / "exports")}}
    first = night.run_night(manifest, overrides=over)
    assert first["calls_ok"] == 1 and first["calls_failed"] == 4

    con = duckdb.connect(str(db), read_only=True)
    reasons = dict(con.execute("SELECT item, reason FROM failures").fetchall())
    assert "empty (0 bytes)" in reasons["E1"]
    assert "not a readable audio file" in reasons["N1"]
    assert "not found" in reasons["M1"] and "missing.wav" in reasons["M1"]
    assert "line 6" in reasons["B1"] and "started_at" in reasons["B1"]
    call = con.execute("SELECT caller_hash, caller_number, attributes->>'queue', night::VARCHAR FROM calls").fetchone()
    assert call[0] and call[0] != "13812345678" and call[1] is None  # only the keyed hash is stored
    assert call[2] == "claims" and call[3] == "2026-11-20"
    rows = con.execute("SELECT speaker, start_s, end_s, text FROM utterances ORDER BY seq").fetchall()
    assert {r[0] for r in rows} == {"agent", "customer"}
    assert [r[1] for r in rows] == sorted(r[1] for r in rows)
    assert "欢迎大家来体验" in rows[0][3]  # the agent's opening turn, Simplified
    counts = con.execute("SELECT (SELECT count(*) FROM calls), (SELECT count(*) FROM utterances), "
                         "(SELECT count(*) FROM failures)").fetchone()
    con.close()

    second = night.run_night(manifest, overrides=over)
    con = duckdb.connect(str(db), read_only=True)
    again = con.execute("SELECT (SELECT count(*) FROM calls), (SELECT count(*) FROM utterances), "
                        "(SELECT count(*) FROM failures)").fetchone()
    runs = con.execute("SELECT status, calls_cached FROM pipeline_runs ORDER BY started_at").fetchall()
    con.close()
    assert again == counts
    assert second["calls_ok"] == 1
    assert runs == [("partial", 0), ("partial", 1)]  # the rerun took the transcript from the cache

    # the broken file is fixed: its failure disappears and the call lands
    shutil.copy(two_party / "call_mono_8k.wav", tmp_path / "notes.wav")
    night.run_night(manifest, overrides=over)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM failures WHERE item = 'N1'").fetchone()[0] == 0
    assert con.execute("SELECT role_method FROM calls WHERE call_id = 'N1'").fetchone()[0] == "greeting"

"""A crash half-way loses nothing: the rerun finishes the night, reuses finished work, duplicates nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from callintel.warehouse import calls as store

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n"


def test_rerun_after_a_crash_completes_the_night(tmp_path: Path, shared_data: Path, night, monkeypatch):
    audio = shared_data / "audio"
    for i, clip in enumerate(["paddlespeech/zh.wav", "wenet_aishell/aishell-BAC009S0724W0121.wav",
                              "wenetspeech_snippets/ID001.wav"]):
        shutil.copy(audio / clip, tmp_path / f"c{i}.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text(HEADER + "".join(f"K{i},c{i}.wav,1380000000{i},A1,2026-11-22T{i + 8:02d}:00:00+08:00,mono\n"
                                         for i in range(3)))
    over = {"paths": {"warehouse": str(tmp_path / "w.duckdb"), "exports": str(tmp_path / "exports")},
            "night": {"max_concurrent_calls": 1}}

    real_write = store.write_calls
    landed = []

    def crash_on_second_call(con, items, *args, **kwargs):
        if landed:
            raise OSError("disk full (simulated crash)")
        real_write(con, items, *args, **kwargs)
        landed.extend(call.call_id for call, *_ in items)

    monkeypatch.setattr(store, "write_calls", crash_on_second_call)
    with pytest.raises(OSError, match="simulated crash"):
        night.run_night(manifest, overrides=over)
    monkeypatch.setattr(store, "write_calls", real_write)

    con = duckdb.connect(over["paths"]["warehouse"], read_only=True)
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 1  # the first call is safe
    assert con.execute("SELECT status FROM pipeline_runs").fetchone()[0] == "failed"
    con.close()

    result = night.run_night(manifest, overrides=over)
    assert result["calls_ok"] == 3 and result["calls_failed"] == 0
    con = duckdb.connect(over["paths"]["warehouse"], read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT call_id) FROM calls").fetchone() == (3, 3)
    dupes = con.execute("SELECT count(*) FROM (SELECT call_id, seq FROM utterances GROUP BY ALL HAVING count(*) > 1)")
    assert dupes.fetchone()[0] == 0
    runs = con.execute("SELECT status, calls_cached FROM pipeline_runs ORDER BY started_at").fetchall()
    assert runs[-1] == ("succeeded", 1)  # the call that landed before the crash was not transcribed again

"""The same night fans out over a real Dask LocalCluster and lands the same rows as with threads."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n"


def _rows(db: Path) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT call_id, seq, speaker, text FROM utterances ORDER BY call_id, seq").fetchall()
    finally:
        con.close()


def test_dask_and_threads_give_the_same_night(tmp_path: Path, shared_data: Path, night):
    audio = shared_data / "audio"
    shutil.copy(audio / "derived_two_party_8k/call_stereo_8k_agentL_customerR.wav", tmp_path / "a.wav")
    shutil.copy(audio / "paddlespeech/zh.wav", tmp_path / "b.wav")
    manifest = tmp_path / "m.csv"
    manifest.write_text(HEADER + "D1,a.wav,13800000001,A1,2026-11-21T09:00:00+08:00,stereo_agent_left\n"
                        + "D2,b.wav,13800000002,A1,2026-11-21T09:05:00+08:00,mono\n"
                        + "D3,nothing.wav,13800000002,A1,2026-11-21T09:06:00+08:00,mono\n")
    dask_db, thread_db = tmp_path / "dask.duckdb", tmp_path / "threads.duckdb"
    exports = str(tmp_path / "exports")
    via_dask = night.run_night(manifest, overrides={"paths": {"warehouse": str(dask_db), "exports": exports},
                                                    "night": {"task_runner": "dask", "dask_workers": 2}})
    via_threads = night.run_night(manifest, overrides={"paths": {"warehouse": str(thread_db), "exports": exports}})
    assert via_dask["calls_ok"] == via_threads["calls_ok"] == 2
    assert via_dask["calls_failed"] == 1
    assert _rows(dask_db) == _rows(thread_db) != []

"""A crash or a kill half-way loses nothing: the rerun finishes the night, reuses finished work, duplicates
nothing, readers never see half a night, and no temporary Prefect server outlives a killed night."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
from nightproc import (
    CALLINTEL,
    alive,
    children,
    crash_after_the_first_write,
    pause_when,
    progress,
    resume,
    start_run,
    table_contents,
    write_config,
    write_night,
)

from callintel.warehouse import calls as store
from callintel.warehouse.publish import NightFiles

pytestmark = pytest.mark.slow  # nights of real audio, in this process and in `callintel run` processes

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
    files = NightFiles(tmp_path / "w.duckdb")

    _, real_write = crash_after_the_first_write(monkeypatch)
    with pytest.raises(OSError, match="simulated crash"):
        night.run_night(manifest, overrides=over)
    monkeypatch.setattr(store, "write_calls", real_write)

    assert not files.published.exists()  # a failed night is never published: readers keep what they had
    con = duckdb.connect(str(files.work), read_only=True)
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 1  # the first call is safe
    assert con.execute("SELECT status, exit_code, note FROM pipeline_runs").fetchone()[:2] == ("failed", 4)
    con.close()

    result = night.run_night(manifest, overrides=over)
    assert result["calls_ok"] == 3 and result["calls_failed"] == 0 and result["exit_code"] == 0
    assert not files.work.exists()  # published
    con = duckdb.connect(str(files.published), read_only=True)
    assert con.execute("SELECT count(*), count(DISTINCT call_id) FROM calls").fetchone() == (3, 3)
    dupes = con.execute("SELECT count(*) FROM (SELECT call_id, seq FROM utterances GROUP BY ALL HAVING count(*) > 1)")
    assert dupes.fetchone()[0] == 0
    runs = con.execute("SELECT status, calls_cached FROM pipeline_runs ORDER BY started_at").fetchall()
    # neither the call that landed nor the one transcribed when the crash came (its transcript was cached
    # before its rows were written) was transcribed again
    assert runs == [("failed", None), ("succeeded", 2)]
    assert con.execute("SELECT run_id FROM publication").fetchone()[0] == result["run_id"]
    con.close()


def test_a_night_killed_with_sigkill_finishes_on_rerun_as_if_never_killed(tmp_path: Path, shared_data: Path):
    """kill -9 of `callintel run` after its first call lands; the rerun's tables equal a clean night's."""
    manifest = write_night(tmp_path, shared_data, [0, 1, 2])
    clean_db, db = tmp_path / "clean.duckdb", tmp_path / "w.duckdb"
    clean = start_run(manifest, write_config(tmp_path, clean_db), tmp_path / "clean.log")
    config = write_config(tmp_path, db)
    killed = start_run(manifest, config, tmp_path / "killed.log")

    # frozen the moment a call has landed, so the kill comes after one call and before the last, on any machine
    pause_when(lambda: progress(db).get("done", 0) >= 1, killed, 600, "the first call to land",
               tmp_path / "killed.log")
    server = children(killed.pid)  # the temporary Prefect server (uvicorn), started by the run
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=120)  # a bound on a hang: SIGKILL reaches a stopped process at once
    resume(killed)  # the server, stopped with the run's session, must notice its parent is gone
    assert server, "the run started no temporary Prefect server (expected one: PREFECT_API_URL is unset)"
    deadline = time.monotonic() + 300  # a bound on a hang, not on speed: the loop ends when the server does
    while any(alive(p) for p in server) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in server), "the temporary Prefect server outlived the killed night"
    assert not db.exists(), "half a night was published"
    landed = progress(db)["done"]
    assert 1 <= landed < 3

    status = subprocess.run([str(CALLINTEL), "status", "--config", str(config)], capture_output=True, text=True,
                            timeout=120)
    assert "died" in status.stdout, status.stdout + status.stderr

    rerun = subprocess.run([str(CALLINTEL), "run", str(manifest), "--config", str(config)], capture_output=True,
                           text=True, timeout=900)
    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-3000:]
    assert clean.wait(timeout=900) == 0, (tmp_path / "clean.log").read_text()[-3000:]

    con = duckdb.connect(str(db), read_only=True)
    runs = con.execute("SELECT status, calls_ok, calls_cached, finished_at IS NOT NULL, note FROM pipeline_runs "
                       "ORDER BY started_at").fetchall()
    con.close()
    assert [r[0] for r in runs] == ["interrupted", "succeeded"]
    assert runs[0][1] == landed and runs[0][3] and f"after {landed} of 3 calls" in runs[0][4]
    assert runs[1][1:3] == (3, landed)  # only the calls that had not landed were transcribed
    assert table_contents(db) == table_contents(clean_db)

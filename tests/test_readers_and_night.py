"""Analysts and the night never lock each other out, with real processes on both sides.

A reader connected before the night keeps reading through it (and through the publish); readers that
connect during the night get the last published night at once; `callintel status` answers during the
night with its progress; the night publishes and exits with the partial code when a call failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from nightproc import CALLINTEL, pause_when, progress, resume, start_run, write_config, write_night

pytestmark = pytest.mark.slow  # real `callintel run` processes transcribing with Whisper

READER = """
import duckdb, json, sys, time, pathlib
con = duckdb.connect(sys.argv[1], read_only=True)
stop = pathlib.Path(sys.argv[2])
print("ready", flush=True)
seen, errors = set(), []
while not stop.exists():
    try:
        seen.add(con.execute("SELECT count(*) FROM calls").fetchone()[0])
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.1)
print(json.dumps({"seen": sorted(seen), "errors": errors}))
"""

PROBE = """
import duckdb, json, sys
out = []
for _ in range(30):
    try:
        con = duckdb.connect(sys.argv[1], read_only=True)
        n = con.execute("SELECT count(*) FROM calls").fetchone()[0]
        con.close()
        out.append(["ok", n])
    except Exception as exc:
        out.append(["error", repr(exc)])
print(json.dumps(out))
"""


def test_readers_and_the_night_never_block_each_other(tmp_path: Path, shared_data: Path):
    db = tmp_path / "w.duckdb"
    config = write_config(tmp_path, db)
    first = write_night(tmp_path, shared_data, [2], "first.csv")
    rc = start_run(first, config, tmp_path / "first.log").wait(timeout=900)
    assert rc == 0, (tmp_path / "first.log").read_text()[-3000:]
    first_run = progress(db)["run_id"]

    stop = tmp_path / "stop-reader"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)], stdout=subprocess.PIPE, text=True)
    assert reader.stdout.readline().strip() == "ready"  # an analyst holds a read-only connection ...

    second = write_night(tmp_path, shared_data, [2, 3], "second.csv")
    with second.open("a") as fh:  # ... and one call of the night is missing: a partial night
        fh.write("K9,c9.wav,13800000009,A1,2026-11-22T20:00:00+08:00,mono\n")
    night = start_run(second, config, tmp_path / "second.log")  # ... when the night starts
    # held mid-transcription (frozen) while readers and `status` look, however fast the machine is
    pause_when(lambda: progress(db).get("run_id") not in (None, first_run) and progress(db).get("stage") ==
               "transcribing", night, 600, "the night to start transcribing", tmp_path / "second.log")
    try:
        probe = subprocess.run([sys.executable, "-c", PROBE, str(db)], capture_output=True, text=True, timeout=120)
        status = subprocess.run([str(CALLINTEL), "status", "--config", str(config)], capture_output=True,
                                text=True, timeout=120)
        still_running = night.poll() is None
    finally:
        resume(night)
    assert night.wait(timeout=900) == 3, (tmp_path / "second.log").read_text()[-3000:]  # partial: K9 is missing

    stop.touch()
    held = json.loads(reader.communicate(timeout=60)[0].strip().splitlines()[-1])
    assert held == {"seen": [1], "errors": []}  # read the night it opened, without a single error, throughout

    tries = json.loads(probe.stdout)
    # the last published night, while the night held its working copy (a lock wait would hang: timeout above)
    assert [t[0] for t in tries] == ["ok"] * 30 and {t[1] for t in tries} == {1}
    assert still_running and status.returncode == 0, status.stdout + status.stderr
    assert "night running" in status.stdout and "published: night(s) 2026-11-22" in status.stdout

    con = duckdb.connect(str(db), read_only=True)  # a new connection sees the new night
    assert con.execute("SELECT count(*) FROM calls").fetchone()[0] == 2
    newest = con.execute("SELECT run_id, status FROM publication").fetchone()
    assert newest == (progress(db)["run_id"], "partial")
    assert con.execute("SELECT exit_code FROM pipeline_runs WHERE run_id = ?", [newest[0]]).fetchone()[0] == 3
    con.close()

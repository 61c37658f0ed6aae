"""The pieces of a night's operations, without Whisper: publishing, the night lock, dead runs, review list."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from callintel.settings import PROJECT_ROOT
from callintel.speech.decode import decode, ogg_unfinished
from callintel.warehouse import runs
from callintel.warehouse.db import connect
from callintel.warehouse.publish import (
    NightBusy,
    NightFiles,
    acquire_night_lock,
    night_is_alive,
    prepare_working_copy,
    publish,
    write_progress,
)

OGG = PROJECT_ROOT / "samples/calls/C20261120-001.ogg"


def _night_with(files: NightFiles, n_calls: int) -> None:
    prepare_working_copy(files)
    con = connect(files.work)
    con.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    con.execute("DELETE FROM t")
    con.execute("INSERT INTO t SELECT range FROM range(?)", [n_calls])
    con.execute("CHECKPOINT")
    con.close()
    publish(files)


def test_publish_swaps_the_night_under_a_connected_reader(tmp_path: Path):
    files = NightFiles(tmp_path / "w.duckdb")
    _night_with(files, 1)
    reader = duckdb.connect(str(files.published), read_only=True)
    _night_with(files, 2)  # the night needs no lock on the published file
    assert reader.execute("SELECT count(*) FROM t").fetchone()[0] == 1  # still the night it opened
    reader.close()
    fresh = duckdb.connect(str(files.published), read_only=True)
    assert fresh.execute("SELECT count(*) FROM t").fetchone()[0] == 2
    fresh.close()
    assert not files.work.exists()


def test_one_night_at_a_time_and_status_sees_whether_it_lives(tmp_path: Path):
    files = NightFiles(tmp_path / "w.duckdb")
    assert not night_is_alive(files)
    held = acquire_night_lock(files)
    write_progress(files, run_id="r1", status="running")
    assert night_is_alive(files)
    with pytest.raises(NightBusy, match="run r1"):
        acquire_night_lock(files)
    held.close()  # as the kernel does when the night is killed
    assert not night_is_alive(files)


def test_a_dead_run_is_marked_interrupted_with_how_far_it_got(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    con.execute("INSERT INTO pipeline_runs (run_id, flow, started_at, status, calls_in_manifest) "
                "VALUES ('dead', 'night', now(), 'running', 6), ('done', 'night', now(), 'succeeded', 6)")
    con.execute("INSERT INTO calls (call_id, night, started_at, channel_layout, audio_path, audio_sha256, "
                "n_utterances, run_id, processed_at) VALUES ('a', '2026-11-20', now(), 'mono', 'x', 'y', 1, 'dead', "
                "now()), ('b', '2026-11-20', now(), 'mono', 'x', 'y', 1, 'dead', now())")
    last = datetime(2026, 11, 29, 2, 7, tzinfo=UTC)
    marked = runs.mark_interrupted(con, "next", {"run_id": "dead", "updated_at": last.isoformat(),
                                                 "stage": "transcribing"})
    assert marked == ["dead"]
    status, calls_ok, finished, note = con.execute(
        "SELECT status, calls_ok, finished_at, note FROM pipeline_runs WHERE run_id = 'dead'").fetchone()
    assert (status, calls_ok, finished) == ("interrupted", 2, last)
    assert "after 2 of 6 calls landed, during transcribing" in note and "found by run next" in note
    assert con.execute("SELECT status FROM pipeline_runs WHERE run_id = 'done'").fetchone()[0] == "succeeded"


def test_a_truncated_ogg_is_flagged_and_listed_for_review(tmp_path: Path):
    cut = tmp_path / "cut.ogg"
    cut.write_bytes(OGG.read_bytes()[:3000])  # the filed case: first 3 KB of a 57 s call
    audio = decode(cut, want_stereo=True)
    assert audio.duration_s < 2 and any("truncated" in w for w in audio.warnings)
    assert ogg_unfinished(OGG.read_bytes()) is None and decode(OGG, want_stereo=True).warnings == []

    con = connect(tmp_path / "w.duckdb")
    con.execute("INSERT INTO calls (call_id, night, started_at, duration_s, channel_layout, audio_path, "
                "audio_sha256, n_utterances, warnings, run_id, processed_at) VALUES "
                "('cut', '2026-11-20', now(), 1.0, 'mono', 'x', 'y', 0, ?, 'r', now()), "
                "('fine', '2026-11-20', now(), 57.3, 'mono', 'x', 'y', 12, '[]', 'r', now())",
                [json.dumps(audio.warnings)])
    review = runs.calls_to_review(con, 5.0)
    assert [r[1] for r in review] == ["cut"]
    assert "no speech transcribed" in review[0][3] and "only 1.0 s" in review[0][3] and "truncated" in review[0][3]
    assert [r[1] for r in con.execute("SELECT * FROM v_calls_to_review").fetchall()] == ["cut"]


def test_run_summary_figures():
    s = runs.summarize(calls_in=6, done=5, cached=2, failed=1, to_review=1, audio_s=1800, wall_s=600,
                       timings=[("a", 60, 30), ("b", 300, 90), ("c", 10, 5)], slowest=2)
    assert (s["audio_hours"], s["calls_per_hour"]) == (0.5, 30.0)
    assert [c["call_id"] for c in s["slowest_calls"]] == ["b", "a"]


def test_the_schedule_picks_the_night_before_in_the_night_timezone():
    from callintel.flows.schedule import manifest_for, night_date

    at_two = datetime(2026, 11, 28, 18, 0, tzinfo=UTC)  # 02:00 on 29 Nov in Shanghai
    assert str(night_date(at_two, "Asia/Shanghai", -1)) == "2026-11-28"
    assert manifest_for("/recordings/{date}/manifest.csv", night_date(at_two, "Asia/Shanghai", -1)) == Path(
        "/recordings/2026-11-28/manifest.csv")


@pytest.mark.slow
def test_a_second_night_on_a_busy_warehouse_exits_with_its_own_code(tmp_path: Path):
    import subprocess
    import sys

    files = NightFiles(tmp_path / "w.duckdb")
    held = acquire_night_lock(files)
    write_progress(files, run_id="night-1", status="running")
    manifest = tmp_path / "m.csv"
    manifest.write_text("call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n")
    config = tmp_path / "c.toml"
    config.write_text(f'[paths]\nwarehouse = "{files.published}"\n')
    run = subprocess.run([str(Path(sys.executable).with_name("callintel")), "run", str(manifest), "--config",
                          str(config)], capture_output=True, text=True, timeout=300)
    held.close()
    assert run.returncode == 5, run.stdout + run.stderr
    assert "another night is running" in run.stderr and "night-1" in run.stderr
    assert "Traceback" not in run.stdout + run.stderr


def test_transcription_retries_back_off_and_a_timeout_is_a_readable_failure(settings):
    from callintel.flows import night

    task = night.transcribe_task(settings)
    assert task.retries == settings["night"]["call_retries"] == 2
    assert task.retry_delay_seconds == [10, 20]  # exponential backoff from call_retry_backoff_s
    assert task.timeout_seconds == settings["night"]["call_timeout_s"]

    class Failed:
        def __init__(self, exc):
            self.exc = exc

        def result(self, raise_on_failure):
            return self.exc

    assert night._retry_unless_timeout(task, None, Failed(OSError("stale NFS handle")))
    assert not night._retry_unless_timeout(task, None, Failed(TimeoutError()))
    planned = night.Planned(call=type("Call", (), {"call_id": "K1"})(), sha256="", key="")
    failure = night._task_failure(planned, TimeoutError(), settings)
    assert failure.stage == "transcribe" and "longer than 1800 s ([night] call_timeout_s)" in failure.reason

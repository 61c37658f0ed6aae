"""Issue 18 on Dask: a worker lost mid-night is named and its calls go on elsewhere or fail with a reason after
[night] stall_timeout_s; workers never start a Prefect server of their own (they report to the night's)."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
from daskcluster import dask_cluster

from callintel.flows.environment import worker_environ
from callintel.settings import load_settings
from callintel.warehouse.publish import NightFiles, read_progress

pytestmark = pytest.mark.slow  # whole nights whose Dask workers load Whisper (conftest refuses it in-process only)

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n"


def _night_of(folder: Path, shared_data: Path, calls: int) -> Path:
    shutil.copy(shared_data / "audio/derived_two_party_8k/call_stereo_8k_agentL_customerR.wav", folder / "a.wav")
    manifest = folder / "m.csv"
    manifest.write_text(HEADER + "".join(f"W{i},a.wav,1380000000{i},A1,2026-11-21T09:0{i}:00+08:00,stereo_agent_left\n"
                                         for i in range(calls)))
    return manifest


def _when_transcribing(db: Path, then, timeout: float = 600) -> threading.Thread:
    """Run `then()` in a thread once the night's progress says it is transcribing."""
    def wait() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (read_progress(NightFiles(db)) or {}).get("stage") == "transcribing":
                then()
                return
            time.sleep(0.5)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    return thread


def _servers_under(pid: int) -> list[str]:
    return [" ".join(c.cmdline()) for c in psutil.Process(pid).children(recursive=True)
            if "uvicorn" in " ".join(c.cmdline())]


def test_a_worker_killed_mid_night_is_named_and_its_calls_land_elsewhere(tmp_path: Path, shared_data: Path, night):
    manifest = _night_of(tmp_path, shared_data, 4)
    db = tmp_path / "w.duckdb"
    seen: dict = {}

    def kill_a_worker() -> None:
        deadline, workers = time.monotonic() + 300, []
        while len(workers) < 2 and time.monotonic() < deadline:  # the cluster starts with the first call
            time.sleep(0.5)
            workers = [c for c in psutil.Process().children(recursive=True)
                       if "spawn_main" in " ".join(c.cmdline())]
        time.sleep(5)  # calls are under way: the workers' Prefect engines have started
        seen["servers"] = [s for w in workers if w.is_running() for s in _servers_under(w.pid)]
        seen["killed"] = workers[0].pid
        os.kill(workers[0].pid, signal.SIGKILL)

    killer = _when_transcribing(db, kill_a_worker)
    before = {k: os.environ.get(k) for k in ("PREFECT_API_URL", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE")}
    result = night.run_night(manifest, overrides={"paths": {"warehouse": str(db), "exports": str(tmp_path / "x")},
                                                  "night": {"task_runner": "dask", "dask_workers": 2}})
    killer.join(5)
    assert seen.get("killed"), "no Dask worker process was found to kill"
    assert seen["servers"] == []  # each worker started its own temporary Prefect server before
    assert result["calls_ok"] == 4 and result["status"] == "succeeded", result["failures"]
    assert len(read_progress(NightFiles(db))["workers_lost"]) == 1
    # Dask's nanny writes the workers' variables into this process: they must not outlive the night
    assert {k: os.environ.get(k) for k in before} == before


@pytest.fixture
def lone_worker(tmp_path: Path, night):
    """A `dask scheduler` and one `dask worker --no-nanny` (nothing restarts it); yields (address, worker)."""
    from prefect.settings import PREFECT_API_URL

    env = os.environ | worker_environ(load_settings()) | {"PREFECT_API_URL": PREFECT_API_URL.value()}
    with dask_cluster(sys.executable, tmp_path, env, worker_args=["--no-nanny"], name="lone") as running:
        yield running.address, running.workers[0]


def test_calls_of_a_night_whose_only_worker_died_fail_with_a_reason(tmp_path: Path, shared_data: Path, night,
                                                                    lone_worker):
    address, worker = lone_worker
    manifest = _night_of(tmp_path, shared_data, 2)
    db = tmp_path / "w.duckdb"
    killer = _when_transcribing(db, lambda: (time.sleep(3), worker.kill()))
    started = time.monotonic()
    result = night.run_night(manifest, overrides={"paths": {"warehouse": str(db), "exports": str(tmp_path / "x")},
                                                  "night": {"task_runner": "dask", "dask_address": address,
                                                            "stall_timeout_s": 30}})
    killer.join(5)
    assert worker.poll() is not None and time.monotonic() - started < 600
    assert result["status"] == "partial" and result["calls_ok"] + result["calls_failed"] == 2
    reasons = [reason for _, stage, reason in result["failures"] if stage == "transcribe"]
    assert reasons and all("stall_timeout_s" in r and "lone" in r for r in reasons), reasons
    assert read_progress(NightFiles(db))["workers_lost"]
    assert NightFiles(db).published.exists()  # the night went on and was published

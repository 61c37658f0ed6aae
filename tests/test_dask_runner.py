"""The same night fans out over Dask and lands the same rows as with threads.

Two clusters: a LocalCluster the runner starts itself, and a real one: a `dask scheduler` and two
`dask worker` processes started from the command line on 127.0.0.1, as on a cluster's machines,
with the environment `python -m callintel.flows.environment` prints.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cloudpickle
import duckdb
import pytest
from daskcluster import dask_cluster

from callintel.flows.environment import NANNY_UNSET, THREAD_VARS, worker_environ
from callintel.settings import load_settings

pytestmark = pytest.mark.slow  # nights of real audio on Dask workers (Whisper)

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n"
DASK = [sys.executable, "-m", "dask"]  # the `dask` command of this environment


CALLS = "SELECT call_id, channel_layout, duration_s, n_utterances, role_method, caller_hash FROM calls ORDER BY 1"
UTTERANCES = "SELECT call_id, seq, speaker, start_s, end_s, text FROM utterances ORDER BY call_id, seq"


def _rows(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {"calls": con.execute(CALLS).fetchall(), "utterances": con.execute(UTTERANCES).fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def manifest(tmp_path_factory, shared_data: Path) -> Path:
    folder = tmp_path_factory.mktemp("dask_night")
    audio = shared_data / "audio"
    shutil.copy(audio / "derived_two_party_8k/call_stereo_8k_agentL_customerR.wav", folder / "a.wav")
    shutil.copy(audio / "paddlespeech/zh.wav", folder / "b.wav")
    path = folder / "m.csv"
    path.write_text(HEADER + "D1,a.wav,13800000001,A1,2026-11-21T09:00:00+08:00,stereo_agent_left\n"
                    + "D2,b.wav,13800000002,A1,2026-11-21T09:05:00+08:00,mono\n"
                    + "D3,nothing.wav,13800000002,A1,2026-11-21T09:06:00+08:00,mono\n")
    return path


@pytest.fixture(scope="module")
def threads_night(manifest: Path, night) -> tuple[dict, dict]:
    """The reference: the same manifest with the threads runner in this process."""
    folder = manifest.parent
    result = night.run_night(manifest, overrides={"paths": {"warehouse": str(folder / "threads.duckdb"),
                                                            "exports": str(folder / "exports")}})
    return result, _rows(folder / "threads.duckdb")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, night) -> Iterator[str]:
    """`dask scheduler` + two `dask worker` processes (one task thread each) on 127.0.0.1; yields the address.
    The workers report to the tests' Prefect server (PREFECT_API_URL, as docs/operations-dask.md says)."""
    from prefect.settings import PREFECT_API_URL

    if subprocess.run([*DASK, "--version"], capture_output=True).returncode != 0:
        pytest.skip(f"the dask command line does not run with {sys.executable}")
    env = os.environ | worker_environ(load_settings()) | {"PREFECT_API_URL": PREFECT_API_URL.value()}
    with dask_cluster(sys.executable, tmp_path_factory.mktemp("cluster"), env, workers=2,
                      worker_args=["--nworkers", "1"]) as running:
        yield running.address


def test_local_cluster_gives_the_same_night(manifest: Path, night, request):
    folder = manifest.parent
    via_dask = night.run_night(manifest, overrides={"paths": {"warehouse": str(folder / "local_dask.duckdb"),
                                                              "exports": str(folder / "exports")},
                                                    "night": {"task_runner": "dask", "dask_workers": 2}})
    reference, rows = request.getfixturevalue("threads_night")
    assert via_dask["calls_ok"] == reference["calls_ok"] == 2
    assert via_dask["calls_failed"] == reference["calls_failed"] == 1
    assert _rows(folder / "local_dask.duckdb") == rows
    assert rows["utterances"]


def test_separate_worker_processes_give_the_same_night(manifest: Path, threads_night, night, cluster: str):
    """Workers get file paths, load Whisper once each (one replica) with the threads pinned; same tables."""
    from distributed import Client

    import callintel.speech.asr as asr

    folder = manifest.parent
    via_cluster = night.run_night(manifest, overrides={
        "paths": {"warehouse": str(folder / "cluster.duckdb"), "exports": str(folder / "exports")},
        "night": {"task_runner": "dask", "dask_address": cluster}})
    reference, rows = threads_night
    assert via_cluster["calls_ok"] == reference["calls_ok"] == 2
    assert via_cluster["calls_failed"] == 1
    assert _rows(folder / "cluster.duckdb") == rows

    def thread_vars() -> dict[str, str | None]:
        return {k: os.environ.get(k) for k in (*THREAD_VARS, *NANNY_UNSET)}

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with Client(cluster, timeout=60) as client:
        models = client.run(asr.loaded_models)
        envs = client.run(thread_vars)
    assert len(models) == 2
    # both calls ran on the cluster; a worker that transcribed holds exactly one model with one replica
    used = [m for m in models.values() if m]
    assert used and all(len(m) == 1 and m[0]["replicas"] == 1 for m in used)
    want = str(load_settings()["speech"]["cpu_threads"])
    # threads pinned; no malloc trimming from the nanny (it made Whisper 45% slower, flows/environment.py)
    assert all(v == dict.fromkeys(THREAD_VARS, want) | dict.fromkeys(NANNY_UNSET) for v in envs.values())

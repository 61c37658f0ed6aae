"""The process environment a night needs, applied before Prefect or the models are imported.

Offline, Prefect's telemetry and the temporary server's analytics log errors; its home
folder is kept inside the project so a run leaves nothing elsewhere. OpenMP's thread
count changes Whisper's floating-point results in the last digits, so it is pinned to
[speech].cpu_threads here and on every Dask worker: the same audio gives the same
transcript wherever it runs, which the content-hash cache relies on.

Dask's nanny also starts its workers with MALLOC_TRIM_THRESHOLD_=65536. Setting it at all turns off
glibc's dynamic mmap threshold, so every buffer over 128 KiB (audio, log-Mel features, encoder
output) is mapped and unmapped on each use: Whisper ran 45% slower per call in a Dask worker than in
the flow's own process (bench/bench_night.py, 18 calls: stage RTF 0.264 vs 0.182, and 0.273 in the
flow's process started with that variable). Workers that transcribe are started without it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from callintel.model_files import OFFLINE_ENV, hub_offline
from callintel.settings import Settings

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
NANNY_UNSET = ("MALLOC_TRIM_THRESHOLD_",)  # Dask's nanny defaults that slow Whisper down (see above)


def thread_environ(settings: Settings) -> dict[str, str]:
    """Thread-count variables for any process that transcribes."""
    threads = str(settings["speech"]["cpu_threads"])
    return dict.fromkeys(THREAD_VARS, threads)


# what the workers of a night's LocalCluster are told about Prefect (nanny_environ)
WORKER_PREFECT_VARS = ("PREFECT_API_URL", "PREFECT_SERVER_ALLOW_EPHEMERAL_MODE")


@contextmanager
def restored_environ(*keys: str) -> Iterator[None]:
    """Put `keys` of os.environ back as they were after the block: Dask's nanny writes its pre-spawn variables
    into the flow's own process, where the workers' no-server setting must not outlive the night."""
    saved = {key: os.environ.get(key) for key in keys}
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def nanny_environ(settings: Settings, defaults: dict, api_url: str | None = None) -> dict:
    """Dask's `distributed.nanny.pre-spawn-environ` for transcribing workers: `defaults` with the thread
    variables pinned and NANNY_UNSET removed (a None value is how Dask unsets one); the workers report to
    the flow's Prefect server at `api_url` and never start one of their own."""
    prefect = {"PREFECT_SERVER_ALLOW_EPHEMERAL_MODE": "false"} | ({"PREFECT_API_URL": api_url} if api_url else {})
    return dict(defaults) | thread_environ(settings) | dict.fromkeys(NANNY_UNSET) | prefect


def worker_environ(settings: Settings) -> dict[str, str]:
    """Variables a Dask worker that transcribes must be started with (threads pinned, offline, Prefect's home).

    `python -m callintel.flows.environment` prints them as `export` lines for a shell that starts
    `dask worker` (docs/operations-dask.md).
    """
    env = dict(OFFLINE_ENV) | {"PREFECT_HOME": str(settings.path("prefect_home"))} | thread_environ(settings)
    # a worker reports to the flow's Prefect server (PREFECT_API_URL, docs/operations-dask.md), never starts its own
    env["PREFECT_SERVER_ALLOW_EPHEMERAL_MODE"] = "false"
    if os.environ.get("PREFECT_API_URL"):
        env["PREFECT_API_URL"] = os.environ["PREFECT_API_URL"]
    # the nanny of `dask worker` reads its config from the environment (a dict value merges into the
    # defaults and keeps its keys' case; None unsets one)
    env["DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON"] = repr(dict.fromkeys(NANNY_UNSET))
    return env | {key: str(value) for key, value in settings.get("prefect", {}).get("env", {}).items()}


def configure(settings: Settings) -> None:
    """Set the environment (unless the user already set it); call before `import prefect`."""
    hub_offline()
    for key, value in thread_environ(settings).items():
        os.environ.setdefault(key, value)
    home = settings.path("prefect_home")
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    for key, value in settings["prefect"]["env"].items():
        os.environ.setdefault(key, str(value))


if __name__ == "__main__":
    import shlex

    from callintel.settings import load_settings

    for key, value in worker_environ(load_settings()).items():
        print(f"export {key}={shlex.quote(value)}")

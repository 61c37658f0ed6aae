"""A real Dask cluster for the tests: a `dask scheduler` and `dask worker` processes on 127.0.0.1.

Started as on a cluster's machines (docs/operations-dask.md), from the command line of a given Python (this
environment's, or an installed wheel's). The scheduler's address is read from the line it announces itself
with, so nothing waits on a file appearing; the cluster is closed once, through the scheduler
(`Client.shutdown`: it closes its workers), and every process is then waited for. A process still running
after that is a failure of the test, not something to terminate and retry.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

ANNOUNCE = "Scheduler at:"  # the line `dask scheduler` logs once it listens
COMMON = ("--no-dashboard", "--host", "127.0.0.1")
# Generous bounds on a shared two-core machine: reached only when something is broken, never by a slow start.
CONNECT_S = 60  # the client reaching the scheduler
WORKERS_S = 300  # every worker registered (each imports torch and callintel)
EXIT_S = 120  # a process gone after the scheduler closed the cluster


@dataclass(frozen=True)
class DaskCluster:
    address: str
    scheduler: subprocess.Popen
    workers: list[subprocess.Popen]
    log: Path  # the scheduler's and workers' output


class ClusterError(RuntimeError):
    """The cluster did not start, or a process outlived its shutdown."""


def _announced(scheduler: subprocess.Popen, log: TextIO) -> tuple[str, threading.Thread]:
    """The scheduler's address from its announcement, and the thread passing the rest of its output to the log."""
    assert scheduler.stderr is not None
    for line in scheduler.stderr:
        log.write(line)
        if ANNOUNCE in line:
            rest = threading.Thread(target=log.writelines, args=(scheduler.stderr,), daemon=True)
            rest.start()
            return line.split(ANNOUNCE, 1)[1].strip(), rest
    raise ClusterError(f"dask scheduler exited ({scheduler.wait()}) before listening; see {log.name}")


@contextmanager
def dask_cluster(python: str | Path, folder: Path, env: Mapping[str, str], workers: int = 1,
                 worker_args: Sequence[str] = (), name: str = "w") -> Iterator[DaskCluster]:
    """A scheduler and `workers` workers (one task thread each, named <name>0, <name>1...) of `python` in
    `folder`; yields once every worker has registered, closes them all when the block ends (however it ends)."""
    from distributed import Client

    log_path = folder / "dask.log"
    log = log_path.open("w", encoding="utf-8", buffering=1)
    run: dict[str, Any] = {"cwd": folder, "env": dict(env), "text": True}
    procs = {"scheduler": subprocess.Popen([str(python), "-m", "dask", "scheduler", "--port", "0", *COMMON],
                                           stdout=log, stderr=subprocess.PIPE, **run)}
    rest: threading.Thread | None = None
    closed = False
    try:
        address, rest = _announced(procs["scheduler"], log)
        for i in range(workers):
            procs[f"worker {name}{i}"] = subprocess.Popen(
                [str(python), "-m", "dask", "worker", address, "--nthreads", "1", "--name", f"{name}{i}",
                 "--local-directory", str(folder / f"{name}{i}"), *worker_args, *COMMON], stdout=log, stderr=log,
                **run)
        with Client(address, timeout=CONNECT_S) as client:
            client.wait_for_workers(workers, timeout=WORKERS_S)
            try:
                yield DaskCluster(address, procs["scheduler"], list(procs.values())[1:], log_path)
            finally:
                client.shutdown()
                closed = True
    finally:
        if not closed:  # it never came up (no client to shut it down): each process is asked to stop once
            for p in procs.values():
                p.terminate()
        try:
            _wait_all(procs, log_path)
        finally:
            if rest is not None:
                rest.join()  # the scheduler has exited: its output ends
            log.close()


def _wait_all(procs: dict[str, subprocess.Popen], log: Path) -> None:
    """Wait for every process once; any still running is killed (so nothing outlives the tests) and reported."""
    left = []
    for name, p in procs.items():
        try:
            p.wait(timeout=EXIT_S)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            left.append(name)
    if left:
        raise ClusterError(f"{', '.join(left)} still running {EXIT_S} s after the cluster's shutdown; see {log}")

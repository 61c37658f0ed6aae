"""The Dask cluster the slow tests start (tests/daskcluster.py) comes up, runs work and closes cleanly, once."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from daskcluster import ClusterError, dask_cluster


@pytest.mark.slow  # a Dask cluster of processes
def test_the_cluster_runs_work_then_every_process_exits_cleanly(tmp_path: Path):
    from distributed import Client

    with (dask_cluster(sys.executable, tmp_path, os.environ, workers=2, worker_args=["--nworkers", "1"]) as running,
          Client(running.address, timeout=60) as client):
        assert sorted(client.gather(client.map(pow, [2, 3], [10, 2]))) == [9, 1024]
        assert len(client.scheduler_info()["workers"]) == 2
    # closed through the scheduler: each process ended by itself, none was terminated or killed
    assert [p.returncode for p in (running.scheduler, *running.workers)] == [0, 0, 0]


def test_a_scheduler_that_never_listens_is_an_error_naming_its_log(tmp_path: Path):
    with pytest.raises(ClusterError, match="before listening"), dask_cluster("/bin/false", tmp_path, {}):
        pass

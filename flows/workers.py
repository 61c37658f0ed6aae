"""Which Dask workers a night has, and which it lost: a worker killed mid-night (OOM killer, a machine gone)
is logged by name, and the night's progress says so, instead of the night waiting in silence.

Dask itself reruns a lost worker's calls on the workers left (a nanny also restarts the process); when no
worker is left, nothing finishes, and the night's stall limit (`[night] stall_timeout_s`) fails the calls
still out with a reason (flows/night.py).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


class WorkerWatch:
    """Compares the scheduler's worker list between calls of `changes()`."""

    def __init__(self, client: Any):
        self.client = client
        self.known = self._workers()
        self.lost: list[str] = []

    @classmethod
    def of(cls, task_runner: Any) -> WorkerWatch | None:
        """A watch on a DaskTaskRunner's cluster; None for threads.

        The runner connects on first use of its `client`: the watch makes that connection itself, so it lists
        the workers before any call goes out (one lost before the first call came back is named too).
        """
        if task_runner is None or not hasattr(task_runner, "_client"):
            return None
        try:
            return cls(task_runner.client)
        except Exception as exc:  # a watch that cannot start must not stop the night
            log.warning("cannot list the Dask workers (%s): lost workers will not be named", exc)
            return None

    def _workers(self) -> dict[str, str]:
        workers = self.client.scheduler_info(n_workers=-1)["workers"]
        return {address: str(info.get("name", address)) for address, info in workers.items()}

    def changes(self) -> list[str]:
        """Lines for the workers that left or joined since the last call (none when the scheduler is unreachable)."""
        try:
            now = self._workers()
        except Exception as exc:
            return [f"cannot reach the Dask scheduler to list its workers: {exc}"]
        lines = []
        for address in self.known.keys() - now.keys():
            name = self.known[address]
            self.lost.append(f"{name} ({address})")
            lines.append(f"Dask worker {name} ({address}) was lost mid-night (killed, out of memory or its machine "
                         f"went away): Dask reruns its calls on the {len(now)} worker(s) left"
                         + ("" if now else "; none is left: calls wait until a worker joins or "
                            "[night] stall_timeout_s passes"))
        for address in now.keys() - self.known.keys():
            lines.append(f"Dask worker {now[address]} ({address}) joined")
        self.known = now
        return lines

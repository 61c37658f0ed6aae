"""Readers never wait for the night, and the night never waits for readers.

Analysts open the *published* file (`[paths].warehouse`) read-only. A night never writes it: it
works on a private copy beside it (`<name>.work.duckdb`), and when the night is done it checkpoints
that copy and swaps it in with one `os.replace`, which is atomic on POSIX. A reader connected
during the swap keeps reading the night it opened (its file handle still points at the old file);
the next connection sees the new night. A night that dies leaves its working copy behind; the next
night continues in it (finished calls are not transcribed again) and publishes only when it ends,
but only when the copy descends from the file published now: `<name>.work.origin.json` records the
published file's identity (inode, size, modification time) when the copy is taken. A backup restored
over the warehouse since, or a copy that no longer opens, is set aside (`<name>.work.discarded.duckdb`)
and the night starts again from the published file, saying so.

Beside the copy: `<name>.night.lock` (held by the running night; two nights cannot overlap, and
`status` can tell a live night from a dead one) and `<name>.progress.json` (how far the night is,
rewritten atomically after every call, read by `callintel status` while the night runs).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import duckdb


class NightBusy(RuntimeError):
    """Another night holds the lock on this warehouse."""


@dataclass(frozen=True)
class NightFiles:
    published: Path

    def _beside(self, tail: str) -> Path:
        """A file beside the published one, named after it: `callintel` + tail."""
        return self.published.with_name(self.published.stem + tail)

    @property
    def work(self) -> Path:
        return self._beside(f".work{self.published.suffix}")

    @property
    def progress(self) -> Path:
        return self._beside(".progress.json")

    @property
    def origin(self) -> Path:
        """The identity of the published file the working copy was taken from."""
        return self._beside(".work.origin.json")

    @property
    def discarded(self) -> Path:
        return self._beside(f".work.discarded{self.published.suffix}")

    @property
    def lock(self) -> Path:
        return self._beside(".night.lock")


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def acquire_night_lock(files: NightFiles) -> TextIO:
    """Hold the night lock for as long as the returned file stays open (the kernel drops it if we die)."""
    files.lock.parent.mkdir(parents=True, exist_ok=True)
    handle = files.lock.open("a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        live = read_progress(files) or {}
        raise NightBusy(f"another night is running on {files.published} (run {live.get('run_id', '?')}, "
                        f"pid {live.get('pid', '?')} on {live.get('host', '?')}); wait for it or check "
                        "`callintel status`") from None
    return handle


_HELD: set[Path] = set()


@contextmanager
def night_lock(files: NightFiles) -> Iterator[None]:
    """Hold the night lock for a block (NightBusy if another night has it); re-entrant within this process."""
    if files.lock in _HELD:
        yield
        return
    handle = acquire_night_lock(files)
    _HELD.add(files.lock)
    try:
        yield
    finally:
        _HELD.discard(files.lock)
        handle.close()


def night_is_alive(files: NightFiles) -> bool:
    """True while some process holds the night lock (a killed night's lock is released by the kernel)."""
    if not files.lock.exists():
        return False
    with files.lock.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


@dataclass(frozen=True)
class WorkingCopy:
    resumed: bool          # continuing in the copy an earlier night left
    discarded: str = ""    # why a leftover copy was set aside instead ("" when none was)


def _identity(path: Path) -> dict[str, int] | None:
    """What tells one published file from another: a restored backup differs in inode, size or mtime."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return {"dev": st.st_dev, "ino": st.st_ino, "size": st.st_size, "mtime_ns": st.st_mtime_ns}


def _leftover_problem(files: NightFiles) -> str:
    """Why the leftover working copy must not be continued ("" when it may)."""
    try:
        recorded = json.loads(files.origin.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return "it records no published file it was taken from"
    if recorded.get("published") != _identity(files.published):
        return (f"{files.published} changed since the copy was taken (a backup restored over it, or a night run "
                "elsewhere): continuing would overwrite it")
    try:
        duckdb.connect(str(files.work)).close()
    except duckdb.Error as exc:
        return f"it does not open as a DuckDB database ({exc})"
    return ""


def prepare_working_copy(files: NightFiles) -> WorkingCopy:
    """Make sure the working copy exists; `resumed` when it was left by an earlier night that did not finish.

    A fresh copy is taken from the published file (copying only reads it: readers may stay connected). A
    leftover copy that does not descend from the published file, or does not open, is set aside, not used.
    """
    discarded = ""
    if files.work.exists():
        problem = _leftover_problem(files)
        if not problem:
            return WorkingCopy(resumed=True)
        os.replace(files.work, files.discarded)
        if _wal(files.work).exists():
            os.replace(_wal(files.work), _wal(files.discarded))
        else:
            _wal(files.discarded).unlink(missing_ok=True)
        discarded = (f"the working copy left by an unfinished night was set aside as {files.discarded} and the night "
                     f"starts from the published file: {problem}")
    files.work.parent.mkdir(parents=True, exist_ok=True)
    _wal(files.work).unlink(missing_ok=True)
    origin = _identity(files.published)
    tmp_origin = files.origin.with_name(files.origin.name + ".tmp")
    tmp_origin.write_text(json.dumps({"published": origin, "taken_at": time.time()}), encoding="utf-8")
    os.replace(tmp_origin, files.origin)
    if files.published.exists():
        tmp = files.work.with_name(files.work.name + ".tmp")
        shutil.copyfile(files.published, tmp)
        if _wal(files.published).exists():  # a warehouse last written before nights published copies
            shutil.copyfile(_wal(files.published), _wal(tmp))
            os.replace(_wal(tmp), _wal(files.work))
        os.replace(tmp, files.work)
    return WorkingCopy(resumed=False, discarded=discarded)


def publish(files: NightFiles) -> None:
    """Swap the finished working copy in for readers (call after CHECKPOINT and close)."""
    if _wal(files.work).exists():
        raise RuntimeError(f"{files.work} still has a write-ahead log: close the connection before publishing")
    with files.work.open("rb") as fh:
        os.fsync(fh.fileno())
    _wal(files.published).unlink(missing_ok=True)  # it was copied into the working copy; stale after the swap
    os.replace(files.work, files.published)
    files.origin.unlink(missing_ok=True)
    dir_fd = os.open(files.published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_progress(files: NightFiles, **fields: Any) -> dict[str, Any]:
    """Merge `fields` into the progress file, atomically (a reader never sees half a JSON)."""
    state = read_progress(files) or {}
    if fields.get("run_id") and state.get("run_id") != fields["run_id"]:
        state = {"host": socket.gethostname(), "pid": os.getpid()}
    state.update(fields)
    state["updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    tmp = files.progress.with_name(files.progress.name + f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, ensure_ascii=False, default=str, indent=1), encoding="utf-8")
    os.replace(tmp, files.progress)
    return state


def read_progress(files: NightFiles) -> dict[str, Any] | None:
    try:
        return json.loads(files.progress.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None

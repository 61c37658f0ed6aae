"""Real `callintel run` processes for the crash and reader tests: a small night, its config, its progress."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n"
CLIPS = ["paddlespeech/zh.wav", "wenet_aishell/aishell-BAC009S0724W0121.wav", "wenetspeech_snippets/ID001.wav",
         "funasr_examples/ex1.wav"]
CALLINTEL = Path(sys.executable).with_name("callintel")
# columns that differ between any two runs by design (which run wrote a row, and when)
VOLATILE = {"run_id", "first_run_id", "recorded_at", "assigned_at", "processed_at", "failed_at", "created_at",
            "published_at", "scored_at", "transcript", "run_at", "over_run_at"}
# (speech_cache.transcript holds processing_s, wall time; its key and hash stay compared)


def crash_after_the_first_write(monkeypatch) -> tuple[list[str], object]:
    """Make the night's call writer (warehouse/calls.py write_calls) raise a simulated disk-full after its first
    write, as a crash half-way would: (the call ids it wrote, the real writer to set back)."""
    from callintel.warehouse import calls as store

    real_write, landed = store.write_calls, []

    def crash(con, items, *args, **kwargs):
        if landed:
            raise OSError("disk full (simulated crash)")
        real_write(con, items, *args, **kwargs)
        landed.extend(call.call_id for call, *_ in items)

    monkeypatch.setattr(store, "write_calls", crash)
    return landed, real_write


def write_night(folder: Path, shared_data: Path, clips: list[int], name: str = "m.csv") -> Path:
    """A manifest of short mono clips from the shared data (call K<i> is clip i)."""
    for i in clips:
        if not (folder / f"c{i}.wav").exists():
            shutil.copy(shared_data / "audio" / CLIPS[i], folder / f"c{i}.wav")
    manifest = folder / name
    manifest.write_text(HEADER + "".join(f"K{i},c{i}.wav,1380000000{i},A1,2026-11-22T{i + 8:02d}:00:00+08:00,mono\n"
                                         for i in clips))
    return manifest


def write_config(folder: Path, db: Path) -> Path:
    """One call at a time (the kill lands between calls), short clips are not 'to review'."""
    config = folder / f"{db.stem}.toml"
    config.write_text(f'[paths]\nwarehouse = "{db}"\nexports = "{folder / (db.stem + "-exports")}"\n'
                      "[night]\nmax_concurrent_calls = 1\n[review]\nmin_call_s = 1.0\n")
    return config


def start_run(manifest: Path, config: Path, log: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("PREFECT_API_URL", None)  # its own temporary server, as a cron job would have
    with log.open("w") as fh:
        return subprocess.Popen([str(CALLINTEL), "run", str(manifest), "--config", str(config)],
                                stdout=fh, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def progress(db: Path) -> dict:
    try:
        return json.loads(db.with_name(f"{db.stem}.progress.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def pause_when(predicate, proc: subprocess.Popen, timeout: float, what: str, log: Path, slice_s: float = 0.1):
    """Let the run (its whole session: start_run starts one) go in short slices, frozen with SIGSTOP in
    between, until `predicate()` holds while it is frozen. What the predicate saw then stays true until
    `resume(proc)`, however fast or slow the machine: no race between looking and acting."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _freeze(proc):
            value = predicate()
            if value:
                return value
        if proc.poll() is not None:
            raise AssertionError(f"run ended (rc {proc.returncode}) before {what}:\n{log.read_text()[-3000:]}")
        resume(proc)
        time.sleep(slice_s)
    resume(proc)
    raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")


def _freeze(proc: subprocess.Popen, settle_s: float = 2.0) -> bool:
    """SIGSTOP to the run's session; True once every thread of its main process is stopped (delivery is
    asynchronous), False (and the session let go again by the caller) when one does not stop within `settle_s`: a
    thread inside vfork() waits uninterruptibly for its child to exec, and a child stopped before its exec holds it
    there, where neither SIGSTOP nor a later SIGKILL reaches it (the kill test hung so once)."""
    try:
        os.killpg(proc.pid, signal.SIGSTOP)
    except ProcessLookupError:
        return False
    end = time.monotonic() + settle_s
    while proc.poll() is None and not _stopped(proc.pid):
        if time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


def _stopped(pid: int) -> bool:
    """Every thread of the process stopped (or gone): a thread that spawns a subprocess sits in vfork() while
    the others stop."""
    tasks = list(Path(f"/proc/{pid}/task").glob("*"))
    return all(_state(int(t.name), f"{pid}/task/") in ("T", "t", "Z", "") for t in tasks) if tasks else True


def resume(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGCONT)


def _state(pid: int, under: str = "") -> str:
    try:
        return Path(f"/proc/{under}{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return ""


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (the temporary Prefect server, Dask workers)."""
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        if int(fields[1]) == pid:
            kids.append(int(stat.parent.name))
    return kids


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def table_contents(db: Path) -> dict[str, list[tuple]]:
    """Every table's rows, sorted, without the columns that name the run or the time of writing."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND "
                                    "table_name NOT IN ('pipeline_runs', 'publication', 'schema_migrations')"
                                    ).fetchall():
            cols = [c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ? "
                                              "ORDER BY column_index", [table]).fetchall() if c not in VOLATILE]
            rows = con.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        con.close()

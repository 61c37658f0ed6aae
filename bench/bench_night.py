"""Throughput of a whole night: calls per hour, real-time factor and peak memory.

    .venv/bin/python bench/bench_night.py                          # the 18 sample calls, threads runner
    .venv/bin/python bench/bench_night.py --calls 100 --runner both  # 100 calls, threads then Dask, one report
    .venv/bin/python bench/bench_night.py manifest.csv --runner dask
    .venv/bin/python bench/bench_night.py --speech pack_s=30         # a [speech] setting for this night

`--calls N` makes a night of N calls by reusing the manifest's recordings in turn under new call ids
and caller numbers (a temporary manifest; the audio files are not copied). Every run writes a fresh
temporary warehouse, so nothing comes from the transcript cache: the same recording under two call
ids is transcribed twice (the cache is only read before the night starts). `--runner dask` starts a
LocalCluster of [night] dask_workers worker processes (one task thread each). With `--runner both`
each runner runs in its own child process (so peak memory is not shared) and the figures are printed
side by side. Memory is sampled every 0.5 s with psutil: the flow's own process, each Dask worker, and
Prefect's temporary server; so is the CPU time of each child, beside this process's own. Nights are bound
by CPU time, not by one call's wall time: `calls_per_cpu_hour` (calls per hour per core, the flow's process
and its Dask workers, Prefect's server apart) and `cpu_per_audio_s` hold on a shared machine where the
wall-time figures do not (`load` is the load average when the night ended). The last line of standard
output is one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import importlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from datetime import datetime, timedelta
from pathlib import Path

import psutil

from callintel.flows.environment import configure
from callintel.settings import PROJECT_ROOT, load_settings


def build_manifest(source: Path, calls: int, out: Path) -> Path:
    """`calls` rows cycling `source`'s recordings (absolute paths), new call ids, caller numbers and times."""
    with source.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    night = datetime.fromisoformat(rows[0]["started_at"]).replace(hour=8, minute=0, second=0)
    with out.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for i in range(calls):
            row = dict(rows[i % len(rows)])
            row["audio_path"] = str((source.parent / row["audio_path"]).resolve())
            row["call_id"] = f"BENCH-{i:05d}"
            row["caller_number"] = f"139{(i * 7919) % 10**8:08d}"  # some callers call again: repeat-caller logic runs
            row["started_at"] = (night + timedelta(seconds=i * 12_000 // max(1, calls))).isoformat()
            writer.writerow(row)
    return out


class MemorySampler(threading.Thread):
    """Peak RSS of this process, of each child process (Dask workers, Prefect's server) and of all together."""

    def __init__(self, every_s: float = 0.5):
        super().__init__(daemon=True)
        self.every_s = every_s
        self.peaks: dict[str, float] = {"main": 0.0, "worker": 0.0, "prefect_server": 0.0, "other": 0.0,
                                        "total": 0.0}
        self.workers_seen: set[int] = set()
        self.child_cpu: dict[int, tuple[str, float]] = {}  # pid -> (kind, CPU seconds when last seen)
        self.stop = threading.Event()

    @staticmethod
    def kind(proc: psutil.Process) -> str:
        cmd = " ".join(proc.cmdline())
        if "prefect" in cmd or "uvicorn" in cmd:
            return "prefect_server"
        if "multiprocessing" in cmd or "distributed" in cmd or "dask" in cmd:
            return "worker"
        return "other"

    def sample(self) -> None:
        me = psutil.Process()
        total = me.memory_info().rss
        self.peaks["main"] = max(self.peaks["main"], total / 2**20)
        for child in me.children(recursive=True):
            try:
                rss, kind, cpu = child.memory_info().rss, self.kind(child), child.cpu_times()
            except psutil.Error:
                continue
            self.child_cpu[child.pid] = (kind, cpu.user + cpu.system)
            if kind == "worker" and rss > 100 * 2**20:  # a worker that loaded Python and Whisper, not a helper
                self.workers_seen.add(child.pid)
            total += rss
            self.peaks[kind] = max(self.peaks[kind], rss / 2**20)
        self.peaks["total"] = max(self.peaks["total"], total / 2**20)

    def cpu_by_kind(self) -> dict[str, float]:
        """CPU seconds of the child processes by kind (as last sampled: up to 0.5 s of a child's end is missed)."""
        out: dict[str, float] = {}
        for kind, cpu in self.child_cpu.values():
            out[kind] = out.get(kind, 0.0) + cpu
        return out

    def run(self) -> None:
        while not self.stop.is_set():
            self.sample()
            time.sleep(self.every_s)


def own_cpu_seconds() -> float:
    """CPU seconds (user + system) of this process so far, all its threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_one(manifest: str, runner: str, concurrency: int | None, cpu_threads: int | None,
            replicas: int | None = None, speech: dict | None = None) -> dict:
    configure(load_settings())
    night = importlib.import_module("callintel.flows.night")
    sampler = MemorySampler()
    with tempfile.TemporaryDirectory() as tmp:
        over: dict = {"paths": {"warehouse": f"{tmp}/bench.duckdb", "exports": f"{tmp}/exports"},
                      "night": {"task_runner": runner, "audio_root": str(PROJECT_ROOT / "samples")},
                      "privacy": {"caller_hash_builtin_key": True}}  # the bench's callers are invented
        if concurrency:
            over["night"]["max_concurrent_calls"] = concurrency
        if cpu_threads:
            over.setdefault("speech", {})["cpu_threads"] = cpu_threads
        if replicas:
            over.setdefault("speech", {})["num_workers"] = replicas
        if speech:
            over.setdefault("speech", {}).update(speech)
        sampler.start()
        t0, c0 = time.perf_counter(), own_cpu_seconds()
        result = night.run_night(manifest, overrides=over, label="bench")
        wall, main_cpu = time.perf_counter() - t0, own_cpu_seconds() - c0
        sampler.stop.set()
        sampler.join()
        sampler.sample()
        cpu = {"main": main_cpu} | sampler.cpu_by_kind()
        work_cpu = cpu["main"] + cpu.get("worker", 0.0)  # the night's own work; Prefect's server apart
        import duckdb

        con = duckdb.connect(over["paths"]["warehouse"], read_only=True)
        audio_s, proc_s = con.execute(
            "SELECT audio_seconds, processing_seconds FROM pipeline_runs ORDER BY started_at DESC LIMIT 1").fetchone()
        con.close()
    calls = result["calls_ok"]
    return {"runner": runner, "calls_ok": calls, "calls_failed": result["calls_failed"], "audio_s": round(audio_s, 1),
            "wall_s": round(wall, 1), "calls_per_hour": round(calls / wall * 3600),
            "cpu_s": {k: round(v, 1) for k, v in cpu.items()},
            "calls_per_cpu_hour": round(calls / work_cpu * 3600) if work_cpu else None,  # per core, all of it used
            "cpu_per_audio_s": round(work_cpu / audio_s, 3) if audio_s else None,
            "load": round(os.getloadavg()[0], 2),
            "audio_h_per_hour": round(audio_s / wall, 2), "stage_rtf": round(proc_s / audio_s, 3),
            "peak_rss_mb": {k: round(v) for k, v in sampler.peaks.items()},
            "dask_workers_seen": len(sampler.workers_seen), "steps": result.get("steps", {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", nargs="?", default=str(PROJECT_ROOT / "samples/manifest.csv"))
    parser.add_argument("--calls", type=int, default=0, help="night of this many calls made from the manifest's")
    parser.add_argument("--runner", default="threads", choices=["threads", "dask", "both"])
    parser.add_argument("--concurrency", type=int, default=None,
                        help="calls transcribed at once (threads runner); default [night] max_concurrent_calls")
    parser.add_argument("--cpu-threads", type=int, default=None, help="CTranslate2 threads per call")
    parser.add_argument("--replicas", type=int, default=None,
                        help="Whisper replicas per process ([speech] num_workers)")
    parser.add_argument("--speech", action="append", default=[], metavar="KEY=VALUE",
                        help="a [speech] setting for this night, value in TOML (--speech pack_s=30); repeatable")
    args = parser.parse_args()
    speech = {k: tomllib.loads(f"v = {v}")["v"] for k, _, v in (a.partition("=") for a in args.speech)}
    with tempfile.TemporaryDirectory() as tmp:
        manifest = args.manifest
        if args.calls:
            manifest = str(build_manifest(Path(args.manifest), args.calls, Path(tmp) / "bench_manifest.csv"))
        if args.runner != "both":
            result = run_one(manifest, args.runner, args.concurrency, args.cpu_threads, args.replicas, speech)
            print(json.dumps(result, ensure_ascii=False))
            return
        results = []
        for runner in ("threads", "dask"):
            cmd = [sys.executable, __file__, manifest, "--runner", runner]
            cmd += ["--concurrency", str(args.concurrency)] if args.concurrency else []
            cmd += ["--cpu-threads", str(args.cpu_threads)] if args.cpu_threads else []
            cmd += ["--replicas", str(args.replicas)] if args.replicas else []
            cmd += [x for a in args.speech for x in ("--speech", a)]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
            results.append(json.loads(out.strip().splitlines()[-1]))
            print(json.dumps(results[-1], ensure_ascii=False), file=sys.stderr)
    threads, dask = results
    print(json.dumps({"calls": args.calls or threads["calls_ok"], "threads": threads, "dask": dask,
                      "dask_vs_threads_calls_per_hour": round(dask["calls_per_hour"] / threads["calls_per_hour"], 2)},
                     ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())

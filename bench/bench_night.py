"""Throughput of a whole night: calls per hour, real-time factor and peak memory, on the sample calls.

Usage: .venv/bin/python bench/bench_night.py [manifest.csv] [--runner threads|dask] [--concurrency N]
Runs the real flow into a fresh temporary warehouse (so nothing is cached) and prints the figures.
"""

from __future__ import annotations

import argparse
import importlib
import resource
import sys
import tempfile
import time

from callintel.flows.environment import configure
from callintel.settings import PROJECT_ROOT, load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("manifest", nargs="?", default=str(PROJECT_ROOT / "samples/manifest.csv"))
    parser.add_argument("--runner", default="threads", choices=["threads", "dask"])
    parser.add_argument("--concurrency", type=int, default=None,
                        help="calls transcribed at once (threads runner); default [night] max_concurrent_calls")
    parser.add_argument("--cpu-threads", type=int, default=None, help="CTranslate2 threads per call")
    args = parser.parse_args()
    configure(load_settings())
    night = importlib.import_module("callintel.flows.night")
    with tempfile.TemporaryDirectory() as tmp:
        over: dict = {"paths": {"warehouse": f"{tmp}/bench.duckdb", "exports": f"{tmp}/exports"},
                      "night": {"task_runner": args.runner}}
        if args.concurrency:
            over["night"]["max_concurrent_calls"] = args.concurrency
        if args.cpu_threads:
            over["speech"] = {"cpu_threads": args.cpu_threads}
        t0 = time.perf_counter()
        result = night.run_night(args.manifest, overrides=over, label="bench")
        wall = time.perf_counter() - t0
        import duckdb

        con = duckdb.connect(over["paths"]["warehouse"], read_only=True)
        audio_s, proc_s = con.execute(
            "SELECT audio_seconds, processing_seconds FROM pipeline_runs ORDER BY started_at DESC LIMIT 1").fetchone()
        con.close()
    peak_mb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    calls = result["calls_ok"]
    print(f"manifest:            {args.manifest}")
    print(f"runner:              {args.runner}, concurrency {args.concurrency}, cpu_threads "
          f"{args.cpu_threads or load_settings()['speech']['cpu_threads']}")
    print(f"calls ok / failed:   {calls} / {result['calls_failed']}")
    print(f"audio:               {audio_s:.1f} s")
    print(f"wall time (flow):    {wall:.1f} s (includes Prefect start-up, analytics steps and exports)")
    print(f"speech-stage RTF:    {proc_s / audio_s:.3f} (processing s / audio s, summed over calls)")
    print(f"night RTF:           {wall / audio_s:.3f} (wall s / audio s)")
    print(f"calls per hour:      {calls / wall * 3600:.0f}")
    print(f"peak RSS:            {peak_mb:.0f} MB")
    for name, figures in result.get("steps", {}).items():
        print(f"step {name}: {figures}")


if __name__ == "__main__":
    sys.exit(main())

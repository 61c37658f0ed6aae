"""Throughput of a text night: calls and utterance rows per second, and peak memory, at 1,000 and 10,000 calls.

Usage: .venv/bin/python bench/bench_text_night.py [--sizes 1000 10000] [--land-batch 1 1000] [--steps] [--seed 13]
Each size runs in its own process (so peak RSS is that size's): transcripts are generated with
flows/text_demo.py (all four formats), a 20-call night warms Prefect's temporary server and the text
path up, then the measured night runs through the real flow into a fresh warehouse. Analytics steps
are off unless --steps (they are measured by their own benches); exports stay on. A second run of
the same manifest shows the cached path (file hashing + cache read + warehouse writes).
"""

from __future__ import annotations

import argparse
import importlib
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from callintel.flows.environment import configure
from callintel.settings import load_settings


def one(size: int, seed: int, steps: bool, land_batch: int | None) -> dict:
    from callintel.flows.text_demo import TextDemo, generate

    settings = load_settings()
    configure(settings)
    night = importlib.import_module("callintel.flows.night")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        warm = generate(base / "warm", TextDemo.from_settings(settings, nights=1, calls_per_night=20, seed=seed + 1))
        t0 = time.perf_counter()
        (manifest,) = generate(base / "night", TextDemo.from_settings(settings, nights=1, calls_per_night=size,
                                                                      seed=seed))
        gen_s = time.perf_counter() - t0
        over: dict = {"paths": {"warehouse": str(base / "bench.duckdb"), "exports": str(base / "exports")},
                      "privacy": {"caller_hash_builtin_key": True}}  # invented callers, as in demo --text
        over["night"] = ({} if steps else {"steps": []}) | ({"land_batch": land_batch} if land_batch else {})
        night.run_night(warm[0], overrides=over | {"paths": {"warehouse": str(base / "warm.duckdb"),
                                                             "exports": str(base / "exports")}}, label="warm")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        result = night.run_night(manifest, overrides=over, label="bench")
        wall = time.perf_counter() - t0
        t0 = time.perf_counter()
        night.run_night(manifest, overrides=over, label="bench-cached")
        cached_wall = time.perf_counter() - t0
        rows = result["tables"]["utterances"]
    return {"calls": size, "ok": result["calls_ok"], "failed": result["calls_failed"], "utterances": rows,
            "generate_s": round(gen_s, 2), "wall_s": round(wall, 2), "calls_per_s": round(size / wall, 1),
            "utterance_rows_per_s": round(rows / wall, 1), "cached_wall_s": round(cached_wall, 2),
            "cached_calls_per_s": round(size / cached_wall, 1), "rss_before_mb": round(rss_before),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--steps", action="store_true", help="run the analytics steps too")
    parser.add_argument("--land-batch", type=int, nargs="+", default=[0],
                        help="calls per warehouse transaction to compare (default: [night] land_batch)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one(args.one, args.seed, args.steps, args.land_batch[0] or None)))
        return
    print(f"{'batch':>6} {'calls':>7} {'utts':>7} {'wall s':>8} {'calls/s':>8} {'utt rows/s':>11} {'cached s':>9} "
          f"{'cached calls/s':>15} {'peak RSS MB':>12} {'(after warm-up)':>16}")
    for size, batch in [(size, batch) for size in args.sizes for batch in args.land_batch]:
        cmd = [sys.executable, __file__, "--one", str(size), "--seed", str(args.seed), "--land-batch", str(batch)]
        out = subprocess.run(cmd + (["--steps"] if args.steps else []), capture_output=True, text=True,
                             check=True).stdout
        r = json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:])
        assert r["ok"] == size and r["failed"] == 0, r
        print(f"{batch or 'conf':>6} {r['calls']:>7} {r['utterances']:>7} {r['wall_s']:>8} {r['calls_per_s']:>8} "
              f"{r['utterance_rows_per_s']:>11} {r['cached_wall_s']:>9} {r['cached_calls_per_s']:>15} "
              f"{r['peak_rss_mb']:>12} {r['rss_before_mb']:>16}")
    print("(generation of the transcripts is not counted; steps "
          f"{'on' if args.steps else 'off'}; exports on)")


if __name__ == "__main__":
    main()

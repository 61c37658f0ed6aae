"""Outcomes figures and throughput: the two evals on STC-3, and the outcomes step on a synthetic month.

    .venv/bin/python bench/bench_outcomes.py [--data ../shared/data] [--calls 3000]

Prints one JSON object per line; nothing is asserted (tests hold the checks).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.evaluation import outcomes as eval_outcomes  # noqa: E402
from callintel.evaluation import replies as eval_scripts  # noqa: E402
from callintel.flows.steps import BY_NAME, run_step  # noqa: E402
from callintel.privacy import caller_hash  # noqa: E402
from callintel.records import CallRecord, Transcript, Utterance  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.warehouse.calls import write_call  # noqa: E402
from callintel.warehouse.db import connect  # noqa: E402


def step_throughput(data: Path, n_calls: int, settings) -> dict:
    tz = ZoneInfo(settings["night"]["timezone"])
    dialogues = eval_outcomes.load_stc3(data)
    rng = random.Random(0)
    start0 = datetime(2026, 11, 1, tzinfo=tz)
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "bench.duckdb")
        for i in range(n_calls):
            d = dialogues[i % len(dialogues)]
            start = start0 + timedelta(seconds=rng.randrange(30 * 86400))
            number = f"139{rng.randrange(n_calls // 3):08d}"
            utts = [Utterance(s, 10.0 * j, 10.0 * j + 8, t) for j, (s, t) in enumerate(d.utterances)]
            rec = CallRecord(f"B{i:06d}", Path("/b.wav"), number, f"A{i % 20}", start, "mono",
                             start.astimezone(tz).date(), i)
            write_call(con, rec, Transcript(rec.call_id, f"s{i}", 240.0, utts, f"k{i}"), "bench",
                       caller_hash(number, settings), False, "bench")
        nights = [n for (n,) in con.execute("SELECT DISTINCT night FROM calls ORDER BY 1").fetchall()]
        t = time.perf_counter()
        result = run_step(BY_NAME['outcomes'], con, nights, settings)
        seconds = time.perf_counter() - t
        con.close()
    return {"bench": "outcomes step", "calls": n_calls, "nights": len(nights), "seconds": round(seconds, 2),
            "calls_per_second": round(n_calls / seconds, 1), "repeat_calls": result["repeat_calls"],
            "fcr_overrides": result["fcr_overrides"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args()
    settings = load_settings(overrides={"privacy": {"caller_hash_builtin_key": True}})  # invented callers
    if not (args.data / "stc3").is_dir():
        print(json.dumps({"bench": "outcomes", "skipped": f"no stc3 data in {args.data}"}))
        return
    print(json.dumps({"bench": "eval_outcomes", **eval_outcomes.run(args.data, settings)}, ensure_ascii=False))
    print(json.dumps({"bench": "eval_scripts", **eval_scripts.run(args.data, settings)}, ensure_ascii=False))
    print(json.dumps(step_throughput(args.data, args.calls, settings), ensure_ascii=False))


if __name__ == "__main__":
    main()

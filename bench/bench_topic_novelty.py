"""Sweep of [topics.novelty] ratio: the topic figures of `callintel eval calls` on both development sets.

    .venv/bin/python bench/bench_topic_novelty.py                       # ratios 0 (off) .. 0.8, both sets
    .venv/bin/python bench/bench_topic_novelty.py --ratios 0.5 0.6

A call is novel (nlp/novelty.py) when its taxonomy vote is below `ratio` times the night's median vote; its
questions are then clustered as a whole call. The ratio is chosen from a flat region of this sweep where the
life set (whose twelve topics are all in the taxonomy) does not move: discovery must stay quiet there.
Figures go to stdout, one JSON object per line; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.model_files import hub_offline  # noqa: E402
from callintel.settings import load_settings  # noqa: E402

hub_offline()
SHARED = ROOT.parent / "shared" / "data"
SETS = {"life": SHARED, "health": SHARED / "calls_health"}
KEYS = ("question_topic_ari", "topic_coverage", "call_topic_ari", "call_topics_found", "calls_other")


def run(data: Path, settings) -> dict:
    from callintel.evaluation import calls as ev

    dialogues = ev.load_dialogues(ev.dialogues_file(data))
    with tempfile.TemporaryDirectory(prefix="bench-novelty-") as tmp:
        r = ev.evaluate(dialogues, settings, Path(tmp) / "w.duckdb",
                        [ev.score_question_topics, ev.score_call_topics])
    return {k: r.get(k) for k in KEYS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ratios", type=float, nargs="+", default=[0.0, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8])
    ap.add_argument("--sets", nargs="+", default=list(SETS))
    args = ap.parse_args()
    base = load_settings().with_overrides({"privacy": {"caller_hash_builtin_key": True}})
    for ratio in args.ratios:
        settings = base.with_overrides({"topics": {"novelty": {"enabled": ratio > 0, "ratio": ratio}}})
        for name in args.sets:
            print(json.dumps({"ratio": ratio, "set": name} | run(SETS[name], settings), ensure_ascii=False),
                  flush=True)


if __name__ == "__main__":
    main()

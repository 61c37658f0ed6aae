"""How often the sound-based term repair rewrites text that was right (speech/terms.py; prints figures).

Correct written text needs no repair, so every rewrite there is a false one (or a typo fixed): STC-3's helpdesk
utterances, InsuranceQA's questions and BQ's bank questions (each text once), and the development sets' true
turns (normalised as the text path does). `--settings FILE` measures a [speech.terms] variant; `--show N` prints
the N most frequent rewrites of each source.

    .venv/bin/python bench/bench_term_rewrites.py [--data ../shared/data] [--settings FILE] [--show 20]
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from pathlib import Path

from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.normalize import normalize_text
from callintel.speech.terms import TermCorrector


def written_texts(data: Path) -> list[str]:
    """STC-3 helpdesk utterances, InsuranceQA questions, BQ sentences: unique, as people typed them."""
    texts = [u for line in (data / "stc3" / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()
             for t in json.loads(line)["turns"] if t["sender"] == "helpdesk" for u in t["utterances"]]
    texts += [json.loads(line)["question"] for line in
              (data / "insuranceqa_zh" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    with (data / "bq" / "pairs.csv").open(encoding="utf-8-sig") as f:
        texts += [x for row in csv.DictReader(f) for x in (row["sentence1"], row["sentence2"])]
    return list(dict.fromkeys(t for t in texts if t))


def true_turns(data: Path) -> list[str]:
    return [normalize_text(t["text"]) for name in ("calls", "calls_health")
            for c in json.loads((data / name / "dialogues.json").read_text(encoding="utf-8"))["calls"]
            for t in c["turns"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT.parent / "shared" / "data")
    parser.add_argument("--settings", type=Path, default=None)
    parser.add_argument("--show", type=int, default=10)
    args = parser.parse_args()
    corrector = TermCorrector.from_settings(load_settings(args.settings))
    for name, texts in (("written texts (STC-3, InsuranceQA, BQ)", written_texts(args.data)),
                        ("development sets' true turns", true_turns(args.data))):
        t0 = time.process_time()
        rewrites: Counter = Counter()
        changed = 0
        for text in texts:
            changes = corrector.correct(text)[1]
            changed += bool(changes)
            rewrites.update(changes)
        print(f"{name}: {len(texts)} texts, {sum(rewrites.values())} rewrites in {changed} texts "
              f"({time.process_time() - t0:.1f} CPU-s)")
        for (span, term), n in rewrites.most_common(args.show):
            print(f"  {n:4d}  {span} -> {term}")


if __name__ == "__main__":
    main()

"""Fit the word evidence for speaker roles on mono calls (configs/models/role_ngrams.json).

    .venv/bin/python scripts/train_role_cues.py [--data ../shared/data] [--out configs/models/role_ngrams.json]

Data: ../shared/data/calls/dialogues.json (40 insurance calls written as transcripts, agent/customer
turns) and, with --stc3, ../shared/data/stc3/dialogues.jsonl (helpdesk/customer posts). Never the
project's samples/, which bench/bench_roles.py scores on. Each turn is cut into clauses at punctuation
(as speech.roles cuts Whisper's words); a clause's characters and character pairs are counted per role and
kept as smoothed log-odds (naive Bayes), agent over customer. Deterministic: a rerun writes the same file.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.speech.roles import ngrams  # noqa: E402


def clauses(text: str) -> list[str]:
    return [c for c in re.split(r"[，。？！,.?!；;、…\s]+", text) if c]


def turns(data: Path, stc3: bool):
    for call in json.loads((data / "calls" / "dialogues.json").read_text(encoding="utf-8"))["calls"]:
        for t in call["turns"]:
            yield t["speaker"], t["text"]
    if stc3:
        with (data / "stc3" / "dialogues.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                for t in json.loads(line)["turns"]:
                    for u in t["utterances"]:
                        yield ("agent" if t["sender"] == "helpdesk" else "customer"), u


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "configs" / "models" / "role_ngrams.json")
    parser.add_argument("--stc3", action="store_true", help="also count STC-3's helpdesk and customer posts")
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--keep", type=int, default=4000)
    args = parser.parse_args()
    counts = {"agent": Counter(), "customer": Counter()}
    n_clauses = Counter()
    for role, text in turns(args.data, args.stc3):
        for c in clauses(text):
            counts[role].update(set(ngrams(c)))
            n_clauses[role] += 1
    vocab = [g for g in set(counts["agent"]) | set(counts["customer"])
             if counts["agent"][g] + counts["customer"][g] >= args.min_count]
    na, nc = n_clauses["agent"], n_clauses["customer"]
    weights = {}
    for g in vocab:
        pa = (counts["agent"][g] + args.alpha) / (na + 2 * args.alpha)
        pc = (counts["customer"][g] + args.alpha) / (nc + 2 * args.alpha)
        weights[g] = math.log(pa / pc)
    total = {g: counts["agent"][g] + counts["customer"][g] for g in vocab}
    kept = sorted(weights, key=lambda g: (-abs(weights[g]) * math.log(1 + total[g]), g))[:args.keep]
    out = {"kind": "naive-bayes char 1-2 grams, clause presence, agent over customer",
           "trained_on": ["calls/dialogues.json"] + (["stc3/dialogues.jsonl"] if args.stc3 else []),
           "clauses": {"agent": na, "customer": nc},
           "ngrams": {g: round(weights[g], 3) for g in sorted(kept)}}
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    print(f"{len(kept)} n-grams from {na} agent and {nc} customer clauses -> {args.out}")


if __name__ == "__main__":
    main()

"""How often the personal-data rules fire on ordinary text, and a sample to read for false positives.

    .venv/bin/python bench/bench_masking.py [N]        # N examples printed (default 30)

Texts: every STC-3 utterance (telecom helpdesk, no insurance) and every turn of ../shared/data/calls.
Prints, per corpus, how many texts each kind of mask (speech.personal) changes, then N random texts
changed by the name, address or birth-date rules with what was masked. Measured 2026-11-29: STC-3
13,434 texts -> name 20, address 36, birth date 0 (all 20+36 read: one false name, the handle
豌豆先生; the addresses are real, about half of them shops' and offices'); calls 611 turns -> name 99,
address 3, birth date 0.
"""

from __future__ import annotations

import json
import random
import sys

from callintel.evaluation.pii import iter_texts
from callintel.settings import PROJECT_ROOT
from callintel.speech.personal import find_personal
from callintel.speech.redact import default_rules

DATA = PROJECT_ROOT.parent / "shared" / "data"


def main(n: int) -> None:
    rules = default_rules().personal
    assert rules is not None
    stc3 = [t for s, t in iter_texts(DATA) if s == "stc3"]
    calls = [t["text"] for c in json.loads((DATA / "calls/dialogues.json").read_text())["calls"] for t in c["turns"]]
    for name, group in (("stc3", stc3), ("calls", calls)):
        changed: dict[str, list[str]] = {}
        for text in group:
            for kind in {k for _, _, k in find_personal(text, rules)}:
                changed.setdefault(kind, []).append(text)
        print(name, len(group), "texts; changed per kind:", {k: len(v) for k, v in sorted(changed.items())})
        pool = [(k, t) for k in ("name", "address", "birth_date") for t in changed.get(k, [])]
        random.seed(0)
        for kind, text in random.sample(pool, min(n, len(pool))):
            spans = [text[a:b] for a, b, k in find_personal(text, rules) if k == kind]
            print(f"  {kind}: {spans} | {text[:70]}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30)

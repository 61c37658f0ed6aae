"""How often the personal-data rules fire on ordinary text, and a sample to read for false positives.

    .venv/bin/python bench/bench_masking.py [N]        # N examples printed (default 30)

First line: over-masking, the share of STC-3 texts (a telecom helpdesk: nobody gives a name to an
identity check there) that get a name mask, every one counted wrong (the goal is <= 0.5%), and the
masking speed. Then per corpus:
texts: every STC-3 utterance (telecom helpdesk, no insurance) and every turn of ../shared/data/calls.
Prints, per corpus, how many texts each kind of mask (speech.personal) changes, then N random texts
changed by the name, address or birth-date rules with what was masked. Measured 2026-11-29: STC-3
13,434 texts -> name 20, address 36, birth date 0 (all 20+36 read: one false name, the handle
豌豆先生; the addresses are real, about half of them shops' and offices'); calls 611 turns -> name 99,
address 3, birth date 0.
Measured 2026-12-02 with the position-based names (speech/names.py): over-masking 24 of 13,434 STC-3 texts
(0.18%; read: mostly real names given to the helpdesk, 姓名：石健, 户名王洋, 戴小姐), masking ~2.3 ms a text
(main: ~1.3 ms, same machine and load); find_codes changes 399 STC-3 texts, 201 of them without a
phone/ID/bank number (QQ and order numbers, hotlines); calls 611 turns -> name 102.
Measured 2026-12-05 with the learned tagger (speech/name_tagger.py, LAC over each dialogue): 484 of 13,434 STC-3
texts get a name mask, the rules alone 28; of the 158 distinct names the tagger masks, read by hand, about 125
are people (罗永浩 258 times, 朱萧木 71, 贾跃亭 37: the posts are about phone makers) and about 9% of its masks by
occurrence are not names (艾特, 张卡, 慕思, 王八蛋); masking 2.25 ms a text with the tagger (0.6 without).
"""

from __future__ import annotations

import json
import random
import sys
import time

from callintel.evaluation.pii import iter_texts, over_masking
from callintel.settings import PROJECT_ROOT
from callintel.speech.personal import find_personal
from callintel.speech.redact import default_rules, find_codes, find_pii

DATA = PROJECT_ROOT.parent / "shared" / "data"


def main(n: int) -> None:
    t0 = time.perf_counter()
    over = over_masking(DATA, default_rules())
    seconds = time.perf_counter() - t0
    print(f"over-masking: {over['name_masked']} of {over['texts']} STC-3 texts get a name mask "
          f"({100 * (over['share'] or 0):.2f}%; the rules alone {over['by_rules']}, goal <= 0.5%: the rest are the "
          f"tagger's, mostly people the posts name); masking {1000 * seconds / over['texts']:.2f} ms a text, "
          "each dialogue as a call")
    print("tagged names (most frequent):", ", ".join(f"{k} {v}" for k, v in over["tagged"][:20]))
    stc3 = [t for s, t in iter_texts(DATA) if s == "stc3"]
    codes = [t for t in stc3 if find_codes(t, default_rules())]
    print(f"codes and digit-by-digit numbers (find_codes): {len(codes)} STC-3 texts "
          f"({100 * len(codes) / len(stc3):.2f}%), {sum(1 for t in codes if not find_pii(t, default_rules()))} "
          "of them without a phone/ID/bank number; e.g. "
          + " | ".join(t[:40] for t in random.Random(0).sample(codes, min(3, len(codes)))))
    rules = default_rules().personal
    assert rules is not None
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

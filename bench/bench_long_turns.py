"""How the cleaning of one call (normalising, masking numbers, personal data and names) grows with a turn's length.

    .venv/bin/python bench/bench_long_turns.py [MAX_CHARS]     # default 32000

Why: Whisper segments keep turns short, but a transcript imported from another system may hold a whole side of a
call in one turn, and an ASR loop repeats digits for minutes. Each kind of long turn is cleaned at four lengths
(MAX/16 .. MAX) as one call with a greeting; the figure is milliseconds per 1,000 characters, which stays flat when
the cost is linear and grows with the length when it is not. Kinds: `digits` (a loop of digit groups), `names`
(relatives named over and over), `call text` (the development calls' customer turns run together),
`no punctuation` (the same without a stop or comma), `spoken digits` (numerals read out).
Measured 2026-12-05 (2 cores, on the commit that made these linear): before, a turn of 8,000 digits and spaces took
400 s (every pair of its groups was read), 16,000 characters of call text 156 s (jieba's tagger re-read the whole
turn for each one-character-given-name candidate) and 60,000 characters of names 30 s more than now (each span kept
was checked against all kept before); see the printed table for the figures now.
"""

from __future__ import annotations

import json
import random
import re
import sys
import time

from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.text import TextCleaner, transcript_from_turns

DATA = PROJECT_ROOT.parent / "shared" / "data"


def kinds(n: int) -> dict[str, str]:
    said = "".join(t["text"] for c in json.loads((DATA / "calls" / "dialogues.json").read_text())["calls"]
                   for t in c["turns"] if t["speaker"] == "customer")
    rng = random.Random(0)
    return {
        "digits": " ".join(f"{rng.randrange(10000):04d}" for _ in range(n // 5 + 1))[:n],
        "names": ("我爸郑国强说了，我妈王丽芳也说了，他们的保单" * (n // 22 + 1))[:n],
        "call text": (said * (n // len(said) + 1))[:n],
        "no punctuation": (re.sub(r"[，。？！、；：“”,.?!;:\s…]", "", said) * (n // len(said) + 2))[:n],
        "spoken digits": "".join(rng.choice("零幺一二两三四五六七八九，") for _ in range(n)),
    }


def main(most: int) -> None:
    settings = load_settings()
    cleaner = TextCleaner.from_settings(settings)
    sizes = [most // 16, most // 4, most]
    transcript_from_turns("warm", [{"speaker": "customer", "text": "我叫郑国强，手机13800138000"}], settings,
                          cleaner=cleaner)
    print(f"{'kind':<16}" + "".join(f"{s:>12,} ch" for s in sizes) + "   (ms per 1,000 characters)")
    texts = {size: kinds(size) for size in sizes}
    for kind in texts[most]:
        cells = []
        for size in sizes:
            text = texts[size][kind]
            turns = [{"speaker": "agent", "text": "您好，请问有什么可以帮您？"}, {"speaker": "customer", "text": text}]
            t0 = time.perf_counter()
            transcript_from_turns("long", turns, settings, cleaner=cleaner)
            cells.append(1000 * (time.perf_counter() - t0) / size * 1000)
        growth = cells[-1] / cells[0] if cells[0] else float("nan")
        print(f"{kind:<16}" + "".join(f"{c:>15.1f}" for c in cells) + f"   x{growth:.1f} from shortest to longest")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 32000)

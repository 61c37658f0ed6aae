"""Which conversations the vocabulary gate takes for domain calls (speech/vocabulary.py; prints figures).

The gate reads a call's opening as recognised and offers Whisper the domain list only when it names enough
domain words. Here it reads written openings: each conversation's first `gate_s x chars_per_s` characters
(both speakers, in order; Mandarin calls run at about 4 characters a second): the development sets' calls
(insurers: should pass), STC-3's helpdesk dialogues (telecom, payments, airlines: should not; the odd-numbered
ones, which scripts/train_vocabulary_gate.py leaves out) and eval asr's
reference clips (everyday speech, each whole: must not). Printed: the share taken per source, and the words
that took the other-domain ones.

    .venv/bin/python bench/bench_vocabulary_gate.py [--data ../shared/data] [--chars-per-s 4] [key=value ...]
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter
from pathlib import Path

from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.vocabulary import Vocabulary


def openings(data: Path, chars: int) -> dict[str, list[str]]:
    """Each source's conversations cut to their first `chars` characters."""
    out: dict[str, list[str]] = {}
    for name in ("calls", "calls_health"):
        calls = json.loads((data / name / "dialogues.json").read_text(encoding="utf-8"))["calls"]
        out[name] = ["".join(t["text"] for t in c["turns"])[:chars] for c in calls]
    lines = (data / "stc3" / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()
    out["stc3_held_out"] = ["".join(u for t in json.loads(line)["turns"] for u in t["utterances"])[:chars]
                            for line in lines[1::2]]  # the odd-numbered: the gate's trainer never read them
    with (data / "audio" / "references.tsv").open(encoding="utf-8") as fh:
        out["asr_clips"] = [r["reference"] for r in csv.DictReader(fh, delimiter="\t") if r["reference"]]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=PROJECT_ROOT.parent / "shared" / "data")
    parser.add_argument("--chars-per-s", type=float, default=4.0)
    parser.add_argument("overrides", nargs="*", help="[speech] key=value (vocabulary_gate_terms=3)")
    args = parser.parse_args()
    speech = {"vocabulary_mode": "hotwords"}
    for item in args.overrides:
        key, value = item.split("=", 1)
        speech[key] = json.loads(value) if value[:1] in "[0123456789" else value
    settings = load_settings(overrides={"speech": speech})
    vocabulary = Vocabulary.from_settings(settings["speech"], settings)
    chars = int(vocabulary.gate_s * args.chars_per_s)
    result = {"gate_s": vocabulary.gate_s, "gate_terms": vocabulary.gate_terms, "chars": chars,
              "lexicon": len(vocabulary.lexicon)}
    for source, texts in openings(args.data, chars).items():
        heard = [vocabulary.heard([t]) for t in texts]
        taken = [h for h in heard if len(h) >= vocabulary.gate_terms]
        result[source] = {"texts": len(texts), "taken": len(taken), "share": round(len(taken) / len(texts), 3),
                          "words": dict(Counter(w for h in taken for w in h).most_common(8))}
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()

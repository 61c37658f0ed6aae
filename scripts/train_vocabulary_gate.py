"""Fit which domain words mark an insurance call (configs/models/vocabulary_gate.json).

    .venv/bin/python scripts/train_vocabulary_gate.py [--data ../shared/data] [--out FILE]

The speech stage offers Whisper the domain list only for calls whose opening names domain words
(speech/vocabulary.py). The candidates are domain words already (the term lists of [speech.terms] files, the
taxonomy's nouns, the profile lexicon's product types; not its occupations: 护士 or 司机 mark a caller, not an
insurer's call), but some are what every helpdesk's customers say (客服, 身份证, 手机号, 客服中心): no evidence
of an insurer's call. So each word's weight is its rarity in other customer service: -log10 of the share of
texts holding it (add-alpha smoothed) among BQ's bank questions and the turns of STC-3's even-numbered
dialogues (telecom, payments, airlines; the odd-numbered ones are left for bench/bench_vocabulary_gate.py).
A rate of insurance texts is not used: InsuranceQA, machine-translated, hardly says the call-centre words
(理赔 once in 13,965 questions, 退保 and 犹豫期 never). Never the development calls, on which the gate is
measured. Deterministic: a rerun writes the same file.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.model_json import ModelFile  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.speech.domain_terms import analytics_parts  # noqa: E402
from callintel.speech.terms import names_a_thing, read_terms  # noqa: E402
from callintel.speech.vocabulary import GATE_KIND  # noqa: E402


def profile_products(settings) -> list[str]:
    """The profile lexicon's product types ([products] types of profile_patterns.toml: [keyword, type] pairs, the
    type last; the keyword is a cue that may be an everyday word, 报销 or 教育)."""
    import tomllib

    data = tomllib.loads(settings.config_file(settings["profiles"]["patterns"]).read_text(encoding="utf-8"))
    return [w.strip() for v in data.get("products", {}).get("types", [])
            for w in (v[-1] if isinstance(v, list) else str(v)).split("+")]


def other_service_texts(data: Path) -> list[str]:
    """BQ's questions and the turns of STC-3's even-numbered dialogues (both speakers), each text once."""
    texts: set[str] = set()
    with (data / "bq" / "pairs.csv").open(encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh):
            texts.update((row["sentence1"], row["sentence2"]))
    lines = (data / "stc3" / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()
    for line in lines[::2]:
        texts.update("".join(t["utterances"]) for t in json.loads(line)["turns"])
    return sorted(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "configs" / "models" / "vocabulary_gate.json")
    parser.add_argument("--alpha", type=float, default=1.0, help="add-alpha smoothing of a word's count")
    args = parser.parse_args()
    settings = load_settings()
    candidates = {t for name in settings["speech"]["terms"]["files"] for t in read_terms(settings.config_file(name))}
    parts = analytics_parts(settings)  # the taxonomy's nouns and the product types (occupations mark no domain)
    candidates |= {t for t in parts["taxonomy"] if names_a_thing(t)} | set(profile_products(settings))
    candidates = {t for t in candidates if len(t) >= 2}
    outside = other_service_texts(args.data)
    weights = {}
    for word in sorted(candidates):
        rate = (sum(word in t for t in outside) + args.alpha) / (len(outside) + 2 * args.alpha)
        weights[word] = round(-math.log10(rate), 4)
    meta = {"trainer": "scripts/train_vocabulary_gate.py", "other_service_texts": len(outside), "alpha": args.alpha,
            "weight": "-log10 of the smoothed share of other customer service's texts holding the word",
            "sources": "BQ questions and the turns of STC-3's even-numbered dialogues"}
    args.out.write_text(ModelFile(GATE_KIND, weights, meta).to_json(indent=1) + "\n", encoding="utf-8")
    common = sorted(weights, key=lambda w: weights[w])
    print(json.dumps({"words": len(weights), "most said elsewhere": common[:20]}, ensure_ascii=False))


if __name__ == "__main__":
    main()

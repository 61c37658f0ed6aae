"""What the hand rules score on both development sets, in seconds rather than a whole `callintel eval calls`.

    .venv/bin/python scripts/rules_measure.py [--data ../shared/data] [--show existing_policies] [--intent]

Profiles (P/R per field), purchase-intent AUC and question detection P/R, each computed the way
evaluation/calls*.py scores them, over the calls as the text path lands them (normalised, masked, stated ages
kept), without the warehouse, topics or embeddings: a rule change is measured on both sets at once, so one
that lifts a set and lowers the other shows. `--show FIELD` prints that field's false positives and misses
(the cue, not the set, is what gets fixed); `--intent` prints each call's intent score against its truth,
`--questions` the sentences taken as questions in turns the truth has none.
The figures that count remain `callintel eval calls` on both sets.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.evaluation.calls import dialogues_file, load_dialogues  # noqa: E402
from callintel.evaluation.calls_profiles import auc, prf, split_value, truth_facts  # noqa: E402
from callintel.nlp.intent import intent_lexicon_from_settings, score_intent  # noqa: E402
from callintel.nlp.profiles import extract, lexicon_from_settings  # noqa: E402
from callintel.nlp.questions import detect_questions, load_cues  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.speech.text import TextCleaner  # noqa: E402


def landed(call: dict, cleaner: TextCleaner, tz: ZoneInfo) -> tuple[list[tuple[int, str, str]], dict[int, int]]:
    """(file turn index, speaker, masked text) of the call's non-empty turns, and seq -> stated age."""
    on = datetime.fromisoformat(call["started_at"]).astimezone(tz).date()
    names: set[str] = set()
    kept = [(i, t["speaker"], *cleaner.clean_with_age(t["text"], on, names)) for i, t in enumerate(call["turns"])]
    kept = [k for k in kept if k[2]]
    return [(i, s, t) for i, s, t, _ in kept], {n: a for n, (_, _, _, a) in enumerate(kept) if a is not None}


def measure(data: Path, show: str | None, show_intent: bool, show_questions: bool = False) -> dict:
    settings = load_settings()
    cleaner, lex = TextCleaner.from_settings(settings), lexicon_from_settings(settings)
    ilex, qcues = intent_lexicon_from_settings(settings), load_cues(settings)
    tz, floor = ZoneInfo(settings["night"]["timezone"]), settings["profiles"]["min_confidence"]
    calls = load_dialogues(dialogues_file(data))
    pred: dict[str, list[tuple[str, str]]] = {}
    labels, scores = [], []
    q_found = q_right = 0
    q_hit: set[tuple[str, int]] = set()
    q_true = {(c["call_id"], q["turn"]) for c in calls for q in c["truth"]["questions"]}
    for call in calls:
        turns, ages = landed(call, cleaner, tz)
        on = datetime.fromisoformat(call["started_at"]).astimezone(tz).date()
        plain = [(s, t) for _, s, t in turns]
        facts = [f for f in extract(plain, lex, on, ages) if f.confidence >= floor]
        pred[call["call_id"]] = [(f.field, v) for f in facts for v in split_value(f.field, f.value)]
        intent = score_intent(plain, ilex, lex, facts)
        labels.append(call["truth"].get("purchase_intent") in ("high", "medium"))
        scores.append(intent.score)
        if show_intent:
            print(f"{call['call_id']} truth={call['truth'].get('purchase_intent')} score={intent.score} {intent.cues}")
        for q in detect_questions([(call["call_id"], i, t) for i, s, t in turns if s == "customer"], qcues):
            q_found += 1
            if (q.call_id, q.seq) in q_true:
                q_right += 1
                q_hit.add((q.call_id, q.seq))
            elif show_questions:
                print(f"Q-FP {q.call_id}@{q.seq} [{q.cue}] {q.text}")
        if show:
            truth = {v for f, v in truth_facts([call])[call["call_id"]] if f == show}
            got = {v for f, v in pred[call["call_id"]] if f == show}
            for f in facts:
                if f.field == show and f.value not in truth:
                    print(f"FP {call['call_id']} {f.value} (truth {sorted(truth)}) [{f.source}] {f.evidence}")
            for v in truth - got:
                ev = (call["truth"]["profile"].get(show) or {}).get("evidence")
                print(f"FN {call['call_id']} {v} (got {sorted(got)}): {ev}")
    p = prf(pred, truth_facts(calls))
    return {"profile_P_R": (p["precision"], p["recall"]),
            "by_field": {f: (d["precision"], d["recall"]) for f, d in p["by_field"].items()},
            "intent_auc": auc(labels, scores),
            "questions_P_R": (round(q_right / max(1, q_found), 4), round(len(q_hit) / max(1, len(q_true)), 4))}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--show", help="print this profile field's false positives and misses")
    ap.add_argument("--intent", action="store_true", help="print each call's intent score and truth")
    ap.add_argument("--questions", action="store_true", help="print sentences taken as questions in no question turn")
    args = ap.parse_args()
    for name, path in (("calls", args.data), ("calls_health", args.data / "calls_health")):
        print(name, json.dumps(measure(path, args.show, args.intent, args.questions), ensure_ascii=False))


if __name__ == "__main__":
    main()

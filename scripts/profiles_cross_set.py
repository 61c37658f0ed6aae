"""Would a learned filter over the profile facts carry from one insurer's calls to another's? Prints it.

    .venv/bin/python scripts/profiles_cross_set.py [--data ../shared/data]

The profile reader (nlp/profiles/) is rules over maintained resources (jieba tags, cpca, cn2an); the
question this answers is whether a classifier that accepts or rejects each fact it proposes, trained on one
development set's truth, lifts precision on the other set without costing recall. Features of a fact:
its field and source (customer / agent), its confidence, where in the call it is and how long its turn is.
Logistic regression (sklearn, lbfgs, deterministic), trained on calls and measured on calls_health and the
other way round; nothing is written. Calls go through the text path as a night lands them (masked, with
the stated ages kept), so the facts are those the profiles step stores.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402
from cross_set import both_ways, parser, read_sets  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from callintel.evaluation.calls import dialogues_file, load_dialogues  # noqa: E402
from callintel.evaluation.calls_profiles import SCORED_FIELDS, prf, split_value, truth_facts, value_match  # noqa: E402
from callintel.nlp.profiles import extract, lexicon_from_settings  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.speech.text import TextCleaner  # noqa: E402


def facts_of(data: Path) -> tuple[list, list[tuple[str, object, list[float], float]]]:
    """The set's calls and every scored fact as (call_id, fact, features, label 0..1)."""
    settings = load_settings()
    cleaner, lex = TextCleaner.from_settings(settings), lexicon_from_settings(settings)
    tz, floor = ZoneInfo(settings["night"]["timezone"]), settings["profiles"]["min_confidence"]
    calls = load_dialogues(dialogues_file(data))
    rows = []
    for call in calls:
        on = datetime.fromisoformat(call["started_at"]).astimezone(tz).date()
        kept = [(t["speaker"], *cleaner.clean_with_age(t["text"], on)) for t in call["turns"]]
        kept = [k for k in kept if k[1]]
        turns, ages = [(s, t) for s, t, _ in kept], {i: a for i, (_, _, a) in enumerate(kept) if a is not None}
        truth = [(f, v) for f, item in (call["truth"].get("profile") or {}).items()
                 for v in split_value(f, str(item["value"]))]
        for fact in extract(turns, lex, on, ages):
            if fact.field == "policies_on_file":   # the agent's read-outs, studied here as if counted as held
                fact = replace(fact, field="existing_policies")
            if fact.field not in SCORED_FIELDS or fact.confidence < floor:
                continue
            for value in split_value(fact.field, fact.value):
                label = max((value_match(fact.field, value, v) for f, v in truth if f == fact.field), default=0.0)
                x = [float(fact.field == f) for f in SCORED_FIELDS] + [
                    float(fact.source == "agent"), float(fact.source == "agent" and fact.field == "existing_policies"),
                    fact.confidence, fact.turn / max(1, len(turns)), min(len(fact.evidence), 200) / 200]
                rows.append((call["call_id"], (fact.field, value), x, label))
    return calls, rows


def scores(calls: list, rows: list, keep: np.ndarray, field: str | None = None) -> tuple[float, float]:
    """Profile P/R of the kept facts, over all fields or one (`field`)."""
    pred: dict[str, list] = {c["call_id"]: [] for c in calls}
    for (call_id, fv, _, _), k in zip(rows, keep, strict=True):
        if k:
            pred[call_id].append(fv)
    s = prf(pred, truth_facts(calls))
    if field:
        return s["by_field"][field]["precision"], s["by_field"][field]["recall"]
    return s["precision"], s["recall"]


def one_way(train: tuple[list, list], test: tuple[list, list]) -> dict[str, object]:
    """The filter fitted on `train`'s facts, and the rules alone, scored on `test`'s."""
    (_, tr), (calls, te) = train, test
    model = LogisticRegression(max_iter=1000).fit(np.array([r[2] for r in tr]), [r[3] >= 0.5 for r in tr])
    keep = model.predict_proba(np.array([r[2] for r in te]))[:, 1] >= 0.5
    return {
        "rules_only_P_R": scores(calls, te, np.ones(len(te), bool)), "with_filter_P_R": scores(calls, te, keep),
        "facts": len(te), "rejected": int((~keep).sum()),
        # the field whose truth the two sets disagree on most (docs/hand-rules.md): policies the agent reads
        "existing_policies_rules_P_R": scores(calls, te, np.ones(len(te), bool), "existing_policies"),
        "existing_policies_filter_P_R": scores(calls, te, keep, "existing_policies"),
        "agent_read_policies": sum(1 for r in te if r[1][0] == "existing_policies" and r[2][len(SCORED_FIELDS)]),
        "agent_read_policies_in_truth": sum(1 for r in te if r[1][0] == "existing_policies"
                                            and r[2][len(SCORED_FIELDS)] and r[3] >= 0.5)}


def main() -> None:
    args = parser(__doc__).parse_args()
    print(json.dumps(both_ways(read_sets(args.data, facts_of), one_way), ensure_ascii=False))


if __name__ == "__main__":
    main()

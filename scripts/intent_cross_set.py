"""Would learned intent weights carry from one insurer's calls to another's? Prints it; nothing is written.

    .venv/bin/python scripts/intent_cross_set.py [--data ../shared/data]

nlp/intent.py scores a call as sigmoid(bias + the weights of the cue classes its customer said), with weights
set by hand from what each class means (configs/intent_cues.toml). This fits a logistic regression over the same
features (each cue class fired or not, and whether the caller named who is to be insured), trained on one
development set and measured on the other, both directions, beside the hand weights' AUC on the same calls.
Measured 2026-12-03: calls -> calls_health 0.961 learned vs 0.951 hand; calls_health -> calls 0.907 vs 1.0,
so the hand weights stay (docs/hand-rules.md).
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np  # noqa: E402
from cross_set import both_ways, parser, read_sets  # noqa: E402
from rules_measure import landed  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402

from callintel.evaluation.calls import dialogues_file, load_dialogues  # noqa: E402
from callintel.nlp.intent import intent_lexicon_from_settings, score_intent  # noqa: E402
from callintel.nlp.profiles import extract, lexicon_from_settings  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.speech.text import TextCleaner  # noqa: E402

Features = tuple[np.ndarray, np.ndarray, np.ndarray]


def features(data: Path) -> Features:
    """Per call: the cue classes fired (+ insured person named), truth high/medium, the hand-weighted score."""
    settings = load_settings()
    cleaner, lex, ilex = TextCleaner.from_settings(settings), lexicon_from_settings(settings), \
        intent_lexicon_from_settings(settings)
    tz, floor = ZoneInfo(settings["night"]["timezone"]), settings["profiles"]["min_confidence"]
    names = [c.name for c in ilex.cues]
    x, y, hand = [], [], []
    for call in load_dialogues(dialogues_file(data)):
        turns, ages = landed(call, cleaner, tz)
        on = datetime.fromisoformat(call["started_at"]).astimezone(tz).date()
        plain = [(s, t) for _, s, t in turns]
        facts = [f for f in extract(plain, lex, on, ages) if f.confidence >= floor]
        intent = score_intent(plain, ilex, lex, facts)
        fired = {c.split(":")[0] for c in intent.cues}
        x.append([float(n in fired) for n in names] + [float(any(f.field == "insured_person" for f in facts))])
        y.append(call["truth"].get("purchase_intent") in ("high", "medium"))
        hand.append(intent.score)
    return np.array(x), np.array(y), np.array(hand)


def one_way(train: Features, test: Features) -> dict[str, float]:
    """Learned weights fitted on `train`, and the hand weights, each scored by AUC on `test`."""
    (xt, yt, _), (xe, ye, hand) = train, test
    model = LogisticRegression(max_iter=1000).fit(xt, yt)
    return {"learned_auc": round(float(roc_auc_score(ye, model.predict_proba(xe)[:, 1])), 4),
            "hand_auc": round(float(roc_auc_score(ye, hand)), 4)}


def main() -> None:
    args = parser(__doc__).parse_args()
    print(json.dumps(both_ways(read_sets(args.data, features), one_way)))


if __name__ == "__main__":
    main()

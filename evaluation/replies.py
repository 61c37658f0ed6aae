"""`callintel eval scripts`: does the helpdesk best-reply picker find the reply that resolved the dialogue?

For every STC-3 dialogue with a helpdesk turn whose majority nugget label is HNUG* (the
annotators' "this turn reaches the goal"), `nlp.replies.best_reply` picks one helpdesk turn
without seeing the labels; top-1 accuracy is the share of dialogues where it picked that turn.
Dialogues without an HNUG* majority turn have no truth and are not counted (`skipped`).

The picker's cue weights are learned on this same file (scripts/train_reply_weights.py), so the
in-sample figure would flatter: the eval also refits them fold by fold (by dialogue) and reports the
out-of-fold top-1, beside the hand-set weights and the last helpdesk reply as baselines.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from callintel.evaluation import data_files
from callintel.evaluation.outcomes import Dialogue, load_stc3
from callintel.settings import Settings


@dataclass
class Scored:
    """One dialogue's helpdesk turns: their indices, cue features, share of goal votes, and the truth."""

    turns: list[int]
    features: np.ndarray  # turns x cues
    goal_share: np.ndarray  # share of annotators who gave each turn the goal label
    truth: set[int]  # turns whose majority label is the goal label


def cue_names(lex) -> list[str]:
    """The learnable cues: every [script_cues] key but the empty-turn penalty (an empty turn is never picked)."""
    return [k for k in lex.script_cues if k != "empty_penalty"]


def featurise(dialogues: list[Dialogue], lex, goal: str) -> list[Scored]:
    from callintel.nlp.outcomes import Turn, clean_text
    from callintel.nlp.replies import reply_features

    names = cue_names(lex)
    out = []
    for d in dialogues:
        # One Turn per STC-3 turn (no merging), so turn indices are the labels' indices.
        turns = [Turn(speaker, clean_text(text)) for speaker, text in d.utterances]
        feats = [(i, x) for i, x in reply_features(turns, lex) if "empty_penalty" not in x]
        if not feats:
            continue
        share = [v.get(goal, 0) / max(1, sum(v.values())) for v in d.nugget_votes]
        out.append(Scored([i for i, _ in feats], np.array([[x.get(k, 0.0) for k in names] for _, x in feats]),
                          np.array([share[i] if i < len(share) else 0.0 for i, _ in feats]),
                          {i for i, label in enumerate(d.nugget_majority) if label == goal}))
    return out


def fit_weights(items: list[Scored], names: list[str], c: float) -> dict[str, float]:
    """Logistic regression of "this turn reaches the goal" on its cues, each turn weighted by its vote share."""
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([s.features for s in items])
    p = np.concatenate([s.goal_share for s in items])
    model = LogisticRegression(C=c, max_iter=5000).fit(
        np.vstack([x, x]), np.r_[np.ones(len(x)), np.zeros(len(x))], sample_weight=np.r_[p, 1 - p])
    return {k: round(float(w), 6) for k, w in zip(names, model.coef_[0], strict=True)}


def top1(items: list[Scored], names: list[str], weights: dict[str, float]) -> tuple[int, int]:
    """(hits, dialogues with truth) for the picker's rule: highest score, ties to the later turn."""
    w = np.array([weights.get(k, 0.0) for k in names])
    hits = counted = 0
    for s in items:
        if not s.truth:
            continue
        counted += 1
        scores = np.round(s.features @ w, 4)
        best = max(range(len(scores)), key=lambda j: (scores[j], s.turns[j]))
        hits += s.turns[best] in s.truth
    return hits, counted


def out_of_fold_top1(items: list[Scored], names: list[str], params: dict[str, Any]) -> float:
    """Top-1 with weights refitted `folds` times, each scored on the dialogues it did not see."""
    order = np.random.default_rng(params["seed"]).permutation(len(items))
    hits = counted = 0
    for f in range(params["folds"]):
        test = set(order[f::params["folds"]].tolist())
        weights = fit_weights([s for i, s in enumerate(items) if i not in test], names, params["C"])
        h, n = top1([items[i] for i in sorted(test)], names, weights)
        hits, counted = hits + h, counted + n
    return round(hits / counted, 4) if counted else float("nan")


def script_model_params(lex) -> dict[str, Any]:
    import tomllib

    with open(lex.source, "rb") as fh:
        return tomllib.load(fh)["script_model"]


def run(data_dir: Path, settings: Settings) -> dict[str, Any]:
    from callintel.nlp.outcomes import lexicon_from_settings
    from callintel.nlp.replies import script_lexicon

    started = time.perf_counter()
    hand, lex = lexicon_from_settings(settings), script_lexicon(settings)
    params = script_model_params(hand)
    names = cue_names(hand)
    problems: list[str] = []
    dialogues = load_stc3(data_dir, problems)
    items = featurise(dialogues, hand, params["goal_label"])
    hits, counted = top1(items, names, lex.script_cues)
    hand_hits, _ = top1(items, names, hand.script_cues)
    last_hits = sum(bool(s.truth) and max(s.turns) in s.truth for s in items)
    learned = bool(settings["outcomes"]["reply_model"])
    return {"dialogues": counted, "top1_accuracy": round(hits / counted, 4) if counted else None,
            "weights": (f"learned on this file ({settings['outcomes']['reply_model']}): top1_accuracy is in-sample"
                        if learned else "hand-set [script_cues]"),
            "top1_accuracy_out_of_fold": out_of_fold_top1(items, names, params) if learned else None,
            "baseline_hand_weights": round(hand_hits / counted, 4) if counted else None,
            "baseline_last_reply": round(last_hits / counted, 4) if counted else None,
            "single_reply_dialogues": sum(bool(s.truth) and len(s.turns) == 1 for s in items),
            "skipped": len(dialogues) - counted, "data_problems": data_files.summary(problems),
            "seconds": round(time.perf_counter() - started, 1)}

"""`callintel eval outcomes`: does the production resolution score find the unresolved dialogues?

Every STC-3 dialogue goes through `nlp.outcomes.score_turns` exactly as a night's call does
(helpdesk = agent, customer = customer). Truth: unresolved when the mean of the annotators'
A (task accomplished, -2..2) is below zero. Reported: AUC and F1 of the "unresolved" label for
the rules alone and for the configured model. The shipped model was trained on STC-3 itself
(its JSON records the file's sha256 and short hashes of the training dialogue ids). When
`--data` shares any dialogue with that training set, the model's figures come from k-fold
cross-validation on `--data` (each fold's model never saw its test dialogues) and the in-sample
figure is shown only for reference; on disjoint data the shipped model is scored as it is.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from callintel import files
from callintel.evaluation import data_files
from callintel.evaluation.data_files import DataError, json_lines
from callintel.settings import Settings

STC3_FILE = Path("stc3") / "dialogues.jsonl"


@dataclass
class Dialogue:
    """One STC-3 dialogue: turns as (speaker, text) plus the annotations the eval scores against."""

    id: str
    utterances: list[tuple[str, str]]  # one per turn, helpdesk mapped to agent
    mean_a: float
    nugget_majority: list[str]  # per turn, the most frequent nugget label
    nugget_votes: list[dict[str, int]] = field(default_factory=list)  # per turn, label -> annotators who gave it

    @property
    def unresolved(self) -> bool:
        return self.mean_a < 0


def stc3_path(data_dir: Path) -> Path:
    path = data_dir / STC3_FILE
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: --data must be a folder with stc3/dialogues.jsonl")
    return path


def id_hashes(ids: list[str]) -> list[str]:
    """Short hashes of dialogue ids: the model records its training set with these (no ids, no text)."""
    return sorted({hashlib.sha256(i.encode()).hexdigest()[:8] for i in ids})


file_sha256 = files.file_sha256


def load_stc3(data_dir: Path, problems: list[str] | None = None) -> list[Dialogue]:
    """The dialogues of `stc3/dialogues.jsonl`, in file order. A line without an id or a turns list, and an id seen
    before, are skipped; an utterance that is no text is left out of its turn, an annotation without a score out of
    the mean; each such decision is a line of `problems` (evaluation/data_files.py)."""
    problems = [] if problems is None else problems
    path = stc3_path(data_dir)
    out, seen = [], set()
    for n, d in enumerate(json_lines(path, problems), start=1):
        did, turns = str(d.get("id") or "").strip(), d.get("turns")
        if not did or not isinstance(turns, list) or did in seen:
            problems.append(f"{path}: dialogue {n} ({did or 'no id'}): "
                            f"{'seen before' if did in seen else 'no id or no turns list'}; skipped")
            continue
        seen.add(did)
        turns = [t if isinstance(t, dict) else {} for t in turns]
        said = [data_files.texts(t.get("utterances"), keep_blank=True) for t in turns]
        if any(len(s) < len(t.get("utterances") or []) for s, t in zip(said, turns, strict=True)):
            problems.append(f"{path}: dialogue {n} ({did}): an utterance that is no text; left out of its turn")
        utts = [("agent" if t.get("sender") == "helpdesk" else "customer", " ".join(s))
                for t, s in zip(turns, said, strict=True)]
        anns = [a for a in d.get("annotations") or [] if isinstance(a, dict)]
        scores = [a["quality"]["A"] for a in anns if isinstance(a.get("quality"), dict)
                  and isinstance(a["quality"].get("A"), (int, float))]
        if len(scores) < len(anns):
            problems.append(f"{path}: dialogue {n} ({did}): an annotation without a quality A score; left out")
        mean_a = float(np.mean(scores)) if scores else 0.0
        nuggets = [a["nugget"] for a in anns if isinstance(a.get("nugget"), list)]
        votes = [Counter(ns[i] for ns in nuggets if i < len(ns)) for i in range(len(turns))]
        majority = [v.most_common(1)[0][0] if v else "" for v in votes]
        out.append(Dialogue(did, utts, mean_a, majority, [dict(v) for v in votes]))
    if not out:
        raise DataError(f"{path}: no dialogue to measure ({len(problems)} problem(s))")
    return out


def auc(y: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    y = np.asarray(y, dtype=bool)
    score = np.asarray(score, dtype=float)
    pos, neg = int(y.sum()), int((~y).sum())
    if not pos or not neg:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    i = 0
    while i < len(score):
        j = i
        while j + 1 < len(score) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[y].sum() - pos * (pos + 1) / 2) / (pos * neg))


def f1(y: np.ndarray, predicted: np.ndarray) -> float:
    y, predicted = np.asarray(y, dtype=bool), np.asarray(predicted, dtype=bool)
    tp = int((y & predicted).sum())
    denom = int(y.sum()) + int(predicted.sum())
    return 2 * tp / denom if denom else 0.0


def _figures(y: np.ndarray, scores: np.ndarray, labels: list[str]) -> dict[str, Any]:
    unresolved = np.array([lab == "unresolved" for lab in labels])
    return {"auc": round(auc(y, scores), 4), "f1_unresolved": round(f1(y, unresolved), 4),
            "labels": dict(Counter(labels))}


def _cross_validated(turns: list, y: np.ndarray, lex, params: dict[str, Any]) -> np.ndarray:
    """Out-of-fold model scores: each dialogue is scored by a model fitted without it."""
    from callintel.nlp.outcomes import fit_model, score_turns

    folds = int(params.get("folds", 5))
    rng = np.random.default_rng(int(params.get("seed", 0)))
    fold_of = np.empty(len(y), dtype=int)
    for cls in (True, False):  # stratified: each fold gets its share of both classes
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold_of[idx] = np.arange(len(idx)) % folds
    scores = np.zeros(len(y))
    for k in range(folds):
        train = np.flatnonzero(fold_of != k)
        model = fit_model([turns[i] for i in train], y[train].astype(int).tolist(), lex, params)
        for i in np.flatnonzero(fold_of == k):
            scores[i] = score_turns(turns[i], lex, model).score
    return scores


def run(data_dir: Path, settings: Settings) -> dict[str, Any]:
    from callintel.nlp.outcomes import (
        ResolutionModel,
        label_for,
        lexicon_from_settings,
        score_turns,
        signals,
        to_turns,
    )

    started = time.perf_counter()
    path = stc3_path(data_dir)
    problems: list[str] = []
    dialogues = load_stc3(data_dir, problems)
    lex = lexicon_from_settings(settings)
    model = ResolutionModel.from_settings(settings)
    turns = [to_turns(d.utterances) for d in dialogues]
    y = np.array([d.unresolved for d in dialogues])
    rules = [score_turns(t, lex) for t in turns]
    result: dict[str, Any] = {"dialogues": len(dialogues), "unresolved_share": round(float(y.mean()), 4)}
    rule_fig = _figures(y, np.array([o.score for o in rules]), [o.label for o in rules])
    result.update({"auc_rules": rule_fig["auc"], "f1_rules": rule_fig["f1_unresolved"],
                   "labels_rules": rule_fig["labels"]})
    if model is None:
        result.update({"auc": rule_fig["auc"], "f1_unresolved": rule_fig["f1_unresolved"], "method": "rules",
                       "model": None})
    else:
        meta = model.meta
        scored = [score_turns(t, lex, model) for t in turns]
        in_sample = _figures(y, np.array([o.score for o in scored]), [o.label for o in scored])
        seen = set(meta.get("train_id_hashes", []))
        overlap = sum(1 for h in (id_hashes([d.id])[0] for d in dialogues) if h in seen)
        result["overlap_with_training"] = overlap
        trained_here = meta.get("data_sha256") == file_sha256(path) or overlap > 0
        result["model"] = settings["outcomes"]["model"]
        result["model_trained_on"] = f"{meta.get('data', '?')} ({meta.get('rows', '?')} dialogues, sha256 " \
                                     f"{str(meta.get('data_sha256', ''))[:12]})"
        if trained_here:
            cv = _cross_validated(turns, y, lex, meta.get("params", {}))
            labels = []
            for t, s in zip(turns, cv, strict=True):
                labels.append(label_for(float(s), signals(t, lex), lex))
            fig = _figures(y, cv, labels)
            result["model_figures_from"] = (f"{meta.get('params', {}).get('folds', 5)}-fold cross-validation on "
                                            "this data: the shipped model was trained on (some of) it")
            result["auc_model_in_sample"] = in_sample["auc"]
        else:
            fig = in_sample
            result["model_figures_from"] = "the shipped model, never trained on this file"
        result.update({"auc_model": fig["auc"], "f1_model": fig["f1_unresolved"], "labels_model": fig["labels"],
                       "auc": fig["auc"], "f1_unresolved": fig["f1_unresolved"], "method": "model"})
    result["data_problems"] = data_files.summary(problems)
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def call_set(path: Path) -> tuple[list, np.ndarray]:
    """A development set of calls (`dialogues.json`): turns and truth unresolved (`resolved` false)."""
    from callintel.nlp.outcomes import to_turns

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    calls = [c for c in (data["calls"] if isinstance(data, dict) else data) if c["truth"].get("resolved") is not None]
    return ([to_turns([(t["speaker"], t["text"]) for t in c["turns"]]) for c in calls],
            np.array([c["truth"]["resolved"] is False for c in calls]))


def cross_set(sets: dict[str, Path], settings: Settings, params: dict[str, Any]) -> dict[str, Any]:
    """The resolution model trained on one set of calls and scored on each other set (AUC of the unresolved
    score), beside the rules alone and the shipped (STC-3) model on the same calls: whether what a learner takes
    from one insurer's calls carries to another's, measured both directions, never in-sample."""
    from callintel.nlp.outcomes import ResolutionModel, fit_model, lexicon_from_settings, score_turns

    lex = lexicon_from_settings(settings)
    shipped = ResolutionModel.from_settings(settings)
    data = {name: call_set(path) for name, path in sets.items()}
    out: dict[str, Any] = {}
    for name, (turns, y) in data.items():
        out[f"rules:{name}"] = round(auc(y, np.array([score_turns(t, lex).score for t in turns])), 4)
        if shipped is not None:
            out[f"shipped:{name}"] = round(auc(y, np.array([score_turns(t, lex, shipped).score for t in turns])), 4)
    for train, (turns, y) in data.items():
        model = fit_model(turns, y.astype(int).tolist(), lex, params)
        for test, (t2, y2) in data.items():
            if test != train:
                out[f"{train}->{test}"] = round(auc(y2, np.array([score_turns(t, lex, model).score for t in t2])), 4)
    return out

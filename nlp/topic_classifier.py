"""Matching by meaning learned from other insurers' calls: the learned topic classifier of a question.

The taxonomy's own example questions are a few per topic, written by one hand; a logistic model fitted on them
(nlp/taxonomy.py example_model) sends about half of the read sets' true questions of listed topics to their own
topic. This one is fitted on those examples plus the true questions of the listed topics of several insurers' calls
(scripts/train_topic_classifier.py: the two development sets and [training] read_sets, classes balanced) and
shipped as configs/models/topic_classifier.json. Fitted on seven read sets and measured on the eighth, it sends as
many or more of that set's listed questions to their own topic on every set (0.33-0.61 -> 0.48-0.77 on six of them:
bench/bench_topic_space.py --classifier); fitted on five (the trainer's left-out figures, in the file's meta) it
does on four of six, the life insurer's and pc's a few points lower.

Where it acts: after the novelty judgement, on the questions that no key phrase, example or follow-up rule decided,
of calls NOT judged novel. Why there and not in the match itself: whatever lets a listed call's words reach its
topic lets an unlisted call's reach one too, so used before the judgement it raised the votes of calls about topics
the taxonomy lacks and the call ARI fell (the bench's docstring has the figures); after it, it only files the
remaining questions of calls the taxonomy already explains. Classes the taxonomy in use lacks (an analyst's own
taxonomy) are never given: those questions stay with clustering, as without a model. Text in, topics out.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from callintel.model_json import ModelFile, ModelFileError, configured, read, read_once
from callintel.nlp.cluster import unit

KIND = "topic_classifier"
REMEDY = ("write it with scripts/train_topic_classifier.py, or set [topics.learned_match] model = \"\" to match "
          "without it")


@dataclass(frozen=True)
class TopicClassifier:
    """A multinomial logistic model over unit sentence vectors: one row of `coef` and one intercept per class."""

    classes: tuple[str, ...]
    coef: np.ndarray        # classes x dimensions
    intercept: np.ndarray   # classes

    def probability(self, X: np.ndarray) -> np.ndarray:
        """rows x classes: the softmax of the classes' scores for each row of X (made unit length first)."""
        z = unit(np.asarray(X, dtype=np.float64)) @ self.coef.T + self.intercept
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_file(self, meta: dict) -> ModelFile:
        return ModelFile(KIND, {c: round(float(b), 6) for c, b in zip(self.classes, self.intercept, strict=True)},
                         meta, {"classes": list(self.classes),
                                "coef": [[round(float(x), 6) for x in row] for row in self.coef]})


def load_classifier(path: str | Path) -> TopicClassifier:
    """The model file (callintel/model_json.py's one reader); its intercepts are its weights, one per class."""
    m = read(path, KIND, REMEDY)
    classes = tuple(m.body.get("classes", ()))
    coef = np.asarray(m.body.get("coef", []), dtype=np.float64)
    if not classes or coef.shape[0] != len(classes) or any(c not in m.weights for c in classes):
        raise ModelFileError(f"{path}: a topic classifier whose classes, coefficients and intercepts disagree; "
                             f"{REMEDY}")
    return TopicClassifier(classes, coef, np.asarray([m.weights[c] for c in classes], dtype=np.float64))


_read_once = read_once(load_classifier)


def configured_classifier(settings) -> TopicClassifier | None:
    """The classifier [topics.learned_match] model names (read once per file version), None when it is "" (not used)."""
    path = configured(settings, "topics.learned_match", "model")
    return None if path is None else _read_once(path)


def learned_topics(vectors: np.ndarray, model: TopicClassifier, listed: Collection[str],
                   p: float) -> list[tuple[str, float] | None]:
    """Per row of `vectors`, (slug, probability) when the model's most probable class is a topic of `listed` with
    at least probability `p`, else None."""
    if not len(vectors):
        return []
    prob = model.probability(vectors)
    best = prob.argmax(axis=1)
    top = prob[np.arange(len(prob)), best]
    known = np.asarray([c in listed for c in model.classes])
    keep = known[best] & (top >= p)
    return [(model.classes[j], float(q)) if k else None for j, q, k in zip(best.tolist(), top.tolist(), keep.tolist(),
                                                                            strict=True)]


def file_left_questions(matches: Sequence, novel: Collection[str], vector_of: Callable[[str], np.ndarray | None],
                        model: TopicClassifier, listed: Collection[str], p: float, method: str) -> list:
    """`matches` (nlp/taxonomy.py Match) with the questions no rule decided (method None) outside the `novel`
    question ids given the learned topic as `method`, scored by its probability; the rest as they were."""
    todo = {k: v for k, m in enumerate(matches) if m.method is None and m.question_id not in novel
            and (v := vector_of(m.question_id)) is not None}
    if not todo:
        return list(matches)
    got = learned_topics(np.stack(list(todo.values())), model, listed, p)
    out = list(matches)
    for k, g in zip(todo, got, strict=True):
        if g is not None:
            out[k] = replace(out[k], slug=g[0], method=method, score=round(g[1], 4))
    return out

"""The learned novelty judgement: a few features of how the taxonomy explains a call, weighed by a small model.

Why: the vote alone (nlp/novelty.py: below half the night's median) separates calls of topics the taxonomy lacks
at ROC AUC 0.80 on the health insurer and catches 3 of its 11. A call about something nobody listed still hits a
stray key phrase, but it hits it once, its questions stay unmatched, its words are far from the winning topic's
examples and from the night's other calls filed there. Features come absolute or relative to the night (minus the
night's median, or a ratio to it); the shipped file reads three absolute ones. The weights are learned
(scripts/train_novelty.py: the true novelty of the read call sets of other lines of business and leave-topics-out
folds of every set, each set measured with the model fitted on the others) and read from
configs/models/novelty_lr.json through callintel/model_json.py. It adds to the vote's verdict, never clears it.
Plain arrays in and out; nlp/topic_step.py wires it in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from callintel.model_json import ModelFile, ModelFileError, read, read_once
from callintel.nlp.cluster import unit
from callintel.nlp.novelty import CallEvidence, reference_sample

KIND = "novelty_lr"
REMEDY = "make it with scripts/train_novelty.py, or set [topics.novelty] model = \"\" for the vote ratio alone"
# What a call's row holds, in this order (the model file names its weights by these).
FEATURES = ("vote_ratio", "margin", "matched_share", "example_sim", "winner_example_sim", "peer_sim",
            "text_example_sim", "vote", "winner_example_abs", "text_example_abs")
# Those that read the vector of a call's whole customer text: a model without them needs no call embedded.
CALL_TEXT_FEATURES = ("peer_sim", "text_example_sim", "text_example_abs")


def _relative(values: np.ndarray) -> np.ndarray:
    """Each value minus the night's median (of the values there are): a feature on the night's own scale; NaN
    (no evidence) stays NaN."""
    if not np.isfinite(values).any():
        return np.full(len(values), np.nan)
    return values - float(np.nanmedian(values))


def night_features(evidence: Mapping[str, CallEvidence], question_vectors: Mapping[str, np.ndarray],
                   examples: np.ndarray, example_slugs: Sequence[str],
                   call_vectors: Mapping[str, np.ndarray]) -> tuple[list[str], np.ndarray]:
    """(calls, one row of FEATURES per call) for one night's calls.

    `question_vectors` maps question_id -> unit vector of its core; `examples` are the taxonomy's example vectors
    (unit rows) labelled `example_slugs`; `call_vectors` maps call_id -> the vector of its customer text. Where a
    feature has no evidence (no question vector, a winning topic without examples, a taxonomy without any) it is
    NaN, and the model reads it as its training mean (`NoveltyModel.probability`): no evidence either way, never
    "novel" by default.
    """
    calls = sorted(evidence)
    n = len(calls)
    out = np.zeros((n, len(FEATURES)), dtype=np.float64)
    if not n:
        return calls, out
    ev = [evidence[c] for c in calls]
    votes = np.asarray([e.vote for e in ev])
    out[:, 7] = np.log1p(votes)
    out[:, 0] = out[:, 7] - np.log1p(float(np.median(votes)))
    out[:, 1] = [(e.vote - e.runner_up) / e.vote if e.vote > 0 else 0.0 for e in ev]
    out[:, 2] = [e.matched / len(e.own) if e.own else 0.0 for e in ev]
    slugs = np.asarray(example_slugs)
    best, own_best = np.full(n, np.nan), np.full(n, np.nan)
    for i, e in enumerate(ev):
        Q = [question_vectors[q] for q in e.own if q in question_vectors]
        if not Q or not len(examples):
            continue
        S = np.stack(Q) @ examples.T
        best[i] = float(S.max())
        mine = slugs == e.winner
        if mine.any():
            own_best[i] = float(S[:, mine].max())
    out[:, 3] = _relative(best)
    out[:, 4] = _relative(own_best)
    out[:, 8] = own_best
    have = [i for i, c in enumerate(calls) if c in call_vectors]
    if len(have) >= 2:
        raw = np.stack([call_vectors[calls[i]] for i in have]).astype(np.float64)
        Xc = unit(raw - raw.mean(axis=0))
        S = Xc @ Xc.T
        winners = [ev[i].winner for i in have]
        peer = np.zeros(len(have))
        for a in range(len(have)):
            others = [b for b in range(len(have)) if b != a]
            same = [b for b in others if winners[b] == winners[a] and winners[a] is not None]
            if same:
                peer[a] = S[a, same].mean() - S[a, others].mean()
        out[have, 5] = peer
        if len(examples):
            centre = examples.mean(axis=0)
            topic_dir = {s: unit(examples[slugs == s].mean(axis=0) - centre) for s in set(example_slugs)}
            tx = np.asarray([float(Xc[a] @ topic_dir[w]) if w in topic_dir else np.nan for a, w in enumerate(winners)])
            out[have, 9] = tx
            out[have, 6] = _relative(tx)
        else:
            out[have, 9] = out[have, 6] = np.nan
    return calls, out


@dataclass(frozen=True)
class NoveltyModel:
    """Logistic weights over standardised FEATURES; a call is novel when its probability reaches `threshold`."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def probability(self, X: np.ndarray) -> np.ndarray:
        """P(novel) per row; a feature without evidence (NaN) is read as the training mean: it moves nothing."""
        cols = [FEATURES.index(f) for f in self.features]
        F = X[:, cols]
        F = np.where(np.isfinite(F), F, self.mean)
        z = ((F - self.mean) / self.scale) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-z))

    def to_file(self, meta: dict) -> ModelFile:
        return ModelFile(KIND, {f: float(w) for f, w in zip(self.features, self.coef, strict=True)}
                         | {"intercept": float(self.intercept)}, meta,
                         {"features": list(self.features), "mean": [float(x) for x in self.mean],
                          "scale": [float(x) for x in self.scale]})


def load_model(path: str) -> NoveltyModel:
    """The model file (callintel/model_json.py's one reader): its features must be ones this code computes."""
    m = read(path, KIND, REMEDY)
    feats = tuple(m.body.get("features", ()))
    unknown = [f for f in feats if f not in FEATURES]
    if not feats or unknown:
        raise ModelFileError(f"{path}: unknown novelty features {unknown or 'none listed'}; {REMEDY}")
    return NoveltyModel(feats, np.asarray(m.body["mean"], dtype=np.float64),
                        np.asarray(m.body["scale"], dtype=np.float64),
                        np.asarray([m.weights[f] for f in feats], dtype=np.float64), float(m.weights["intercept"]))


_read_once = read_once(load_model)


def configured_model(settings, opts) -> NoveltyModel:
    """The model file [topics.novelty] model names (read once per file version)."""
    return _read_once(settings.config_file(opts.model))


def learned_novel(evidence: Mapping[str, CallEvidence], settings, opts, question_vectors: Mapping[str, np.ndarray],
                  call_vectors: Callable[[Sequence[str]], Mapping[str, np.ndarray]], examples: np.ndarray | None,
                  example_slugs: Sequence[str]) -> set[str]:
    """The night's calls whose learned probability of being novel reaches `threshold` (none on a small night).

    `call_vectors(calls)` embeds the customer text of the calls asked for, and only those: a model reading call
    text asks for the night's reference sample (`reference_calls`, evenly strided: the centre) and the candidates,
    calls whose probability reaches the threshold with their text features set to the most novel plausible value
    (`plausible_sd` training standard deviations from the mean toward novel). A call the other features clear is
    never embedded, so the cost stays bounded on a night of thousands of calls.
    """
    if len(evidence) < opts.min_calls:
        return set()
    model = configured_model(settings, opts)
    E = unit(np.asarray(examples, dtype=np.float64)) if examples is not None and len(examples) else np.zeros((0, 1))
    qv = {q: unit(np.asarray(v, dtype=np.float64)) for q, v in question_vectors.items()}
    calls, X = night_features(evidence, qv, E, example_slugs, {})
    text = [i for i, f in enumerate(model.features) if f in CALL_TEXT_FEATURES]
    if text:
        bound = X.copy()
        for i in text:
            col = FEATURES.index(model.features[i])
            bound[:, col] = model.mean[i] + opts.plausible_sd * model.scale[i] * np.sign(model.coef[i])
        candidates = [c for c, pc in zip(calls, model.probability(bound), strict=True) if pc >= opts.threshold]
        if not candidates:
            return set()
        sample = reference_sample(calls, opts.reference_calls)
        vectors = call_vectors(sorted(set(sample) | set(candidates)))
        calls, X = night_features(evidence, qv, E, example_slugs, vectors)
        keep = set(candidates)
    else:
        keep = set(calls)
    p = model.probability(X)
    return {c for c, pc in zip(calls, p, strict=True) if pc >= opts.threshold and c in keep}

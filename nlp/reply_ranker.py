"""The learned ranker of a phone call's agent replies: which reply is the one worth keeping as a script?

Hand-set weights fitted to one insurer's calls did not carry over to another's, so the weights are
learned: a pairwise logistic regression ("the truth reply beats this other reply of the same call")
over features of the reply itself (how much it tells, where it sits, how much of the caller's request it
takes up: jieba nouns, `CallReplyCues.topical`), of the caller's turn before it and of the caller's next turn,
trained by `scripts/train_reply_ranker.py` on the truth of the read call sets, the two development sets and
[training] read_sets, each weighing the same (C chosen by cross-validation within the training calls,
`choose_c`), and shipped as `configs/models/reply_ranker.json` (its `meta` records what it was trained on, each
set's figure with it left out, and the cross-set figures; `RankerModel.from_settings` is the one reader of
[replies] ranker).
Features are shares and flags in [0, 1], so the weights read directly.

Only replies that tell the caller something are ranked: a greeting, an identity check, a question
back, a read-back or the closing is never a script (`ELIGIBLE_ROLES`). The call's outcome is not a
feature here (it is the same for every reply of a call); the library keeps only successful calls'
replies (warehouse/replies.py). Text in, scores out.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callintel import model_json
from callintel.model_json import ModelFile
from callintel.nlp.outcomes import Lexicon, Turn, is_question
from callintel.settings import Settings

if TYPE_CHECKING:
    from callintel.nlp.replies import CallReplyCues

ELIGIBLE_ROLES = ("answer",)
_MASK = re.compile(r"\[[^\[\]]{1,8}\]")  # a masked value the caller gave ([姓名], [尾号])
# amounts, dates, periods, in digits or Chinese numerals: the reply is specific
NUMBER = re.compile(r"\d|[一二两三四五六七八九十百千万]+(?:元|块|天|个工作日|号|月|年|岁|%)")
_CAP = 300  # content characters beyond this add nothing (log scale)


def roles(turns: Sequence[Turn], cues: CallReplyCues) -> dict[int, tuple[str, int]]:
    """agent turn index -> (role, content characters) for every non-empty agent turn."""
    from callintel.nlp.replies import _role, content_chars

    w = cues.weights
    lengths = sorted(len(t.text) for t in turns if t.speaker == "agent" and t.text)
    median = lengths[len(lengths) // 2] if lengths else 0
    min_content = min(w["min_content_chars"], w["min_content_share"] * median)
    return {i: (_role(i, t.text, cues, min_content), content_chars(t.text, cues))
            for i, t in enumerate(turns) if t.speaker == "agent" and t.text}


def _spoken(turns: Sequence[Turn], i: int, step: int) -> int | None:
    """The nearest non-empty turn before (step -1) or after (step 1) turn i."""
    j = i + step
    while 0 <= j < len(turns):
        if turns[j].text:
            return j
        j += step
    return None


def ranker_features(turns: Sequence[Turn], lex: Lexicon, cues: CallReplyCues) -> list[tuple[int, dict[str, float]]]:
    """(turn index, feature -> value) for each reply that may be the call's script, in call order."""
    from callintel.nlp.replies import _has, objection_type

    found = roles(turns, cues)
    eligible = [(i, c) for i, (role, c) in found.items() if role in ELIGIBLE_ROLES]
    if not eligible:
        return []
    if cues.topical is None:
        raise ValueError("reply cues without topical words: build them with call_cues_from_settings")
    most = max(c for _, c in eligible) or 1
    request = _request(turns, lex)
    asked = cues.topical(turns[request].text) if request is not None else frozenset()
    out = []
    for k, (i, content) in enumerate(eligible):
        text = turns[i].text
        b, a = _spoken(turns, i, -1), _spoken(turns, i, 1)
        before = turns[b] if b is not None and turns[b].speaker == "customer" else None
        after = turns[a] if a is not None and turns[a].speaker == "customer" else None
        next_agent = next((j for j in range(i + 1, len(turns)) if j in found), None)
        x = {
            # the reply: how much it tells, where it sits among the call's answers, what it holds
            "content_log": math.log1p(min(content, _CAP)) / math.log1p(_CAP),
            "content_share": content / most,
            "longest": float(content == most),
            "first_answer": float(k == 0),
            "second_answer": float(k == 1),
            "last_answer": float(k == len(eligible) - 1),
            "answer_rank": 1.0 / (k + 1),
            "position": k / max(1, len(eligible) - 1),
            "numbers": float(bool(NUMBER.search(text))),
            "solution": min(2, len(_has(text, cues, "solution"))) / 2,
            "action_done": float(bool(_has(text, cues, "action_done"))),
            "ends_asking": float(text.rstrip().endswith(("？", "?"))),
            "then_closing": float(next_agent is not None and found[next_agent][0] == "closing"),
            # an answer tells rather than asks: its share of characters outside questions back and checks
            "declarative": content / max(1, len(text)),
            # what it is about: the share of the topical words of the caller's request (the first turn that asks
            # or says at length why they call) and of the turn just before it that the reply takes up
            "request_overlap": _covered(asked, cues.topical(text)),
            "before_request": float(request is not None and i < request),  # said before the caller asked
            "prev_overlap": _covered(cues.topical(before.text), cues.topical(text)) if before is not None else 0.0,
            # the caller's turn before it: a question, an objection, or the identity details just given
            "prev_question": float(before is not None and is_question(before.text, lex)),
            "prev_objection": float(before is not None and objection_type(before.text, cues) is not None),
            "prev_identity": float(before is not None and bool(_MASK.search(before.text))
                                   and len(_MASK.sub("", before.text)) < 20),
            "prev_length": math.log1p(len(before.text)) / math.log1p(200) if before is not None else 0.0,
            # the caller's next turn: accepts, rejects, asks on, objects, or only acknowledges
            "next_accept": float(after is not None and bool(_has(after.text, cues, "accept"))),
            "next_reject": float(after is not None and bool(_has(after.text, cues, "reject"))),
            "next_question": float(after is not None and is_question(after.text, lex)),
            "next_objection": float(after is not None and objection_type(after.text, cues) is not None),
            "next_short": float(after is not None and len(after.text) <= 8),
        }
        out.append((i, {name: min(1.0, v) for name, v in x.items()}))
    return out


def _request(turns: Sequence[Turn], lex: Lexicon) -> int | None:
    """The caller's request: their first turn that asks something, else their longest turn (why they call)."""
    said = [i for i, t in enumerate(turns) if t.speaker == "customer" and t.text]
    if not said:
        return None
    return next((i for i in said if is_question(turns[i].text, lex)), max(said, key=lambda i: len(turns[i].text)))


def _covered(asked: frozenset[str], told: frozenset[str]) -> float:
    """Share of the asked-about words the reply mentions (0 when nothing was asked about)."""
    return len(asked & told) / len(asked) if asked else 0.0


@dataclass(frozen=True)
class RankerModel:
    """Weights over `ranker_features` (no intercept: only differences within a call matter)."""

    weights: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def score(self, x: dict[str, float]) -> float:
        return sum(self.weights.get(k, 0.0) * v for k, v in x.items())

    def reasons(self, x: dict[str, float], top: int = 4) -> tuple[str, ...]:
        """The features that raised this reply's score most, for a reader of the library."""
        lifts = sorted(((self.weights.get(k, 0.0) * v, k) for k, v in x.items()), reverse=True)
        return tuple(k for lift, k in lifts[:top] if lift > 0)

    KIND = "pairwise_logistic"
    REMEDY = ("train it with scripts/train_reply_ranker.py, or set [replies] ranker = \"\" for the hand-set "
              "[call_reply] weights")

    def to_json(self) -> str:
        return ModelFile(self.KIND, self.weights, self.meta).to_json(indent=1)

    @classmethod
    def load(cls, path: str | Path) -> RankerModel:
        """The model file `scripts/train_reply_ranker.py` wrote (callintel/model_json.py checks it)."""
        m = model_json.read(path, cls.KIND, cls.REMEDY)
        return cls(m.weights, m.meta, m.path)

    @staticmethod
    def path(settings: Settings) -> Path | None:
        """Where [replies] ranker points (the one place that reads it); None = the hand-set weights."""
        return model_json.configured(settings, "replies", "ranker")

    @classmethod
    def from_settings(cls, settings: Settings) -> RankerModel | None:
        """The ranker of [replies] ranker, or None ("" = the hand-set [call_reply] weights)."""
        path = cls.path(settings)
        return cls.load(path) if path is not None else None


def rank(turns: Sequence[Turn], lex: Lexicon, cues: CallReplyCues,
         model: RankerModel) -> list[tuple[int, float, tuple[str, ...]]]:
    """(turn, score, reasons) of each eligible reply, in call order."""
    return [(i, round(model.score(x), 4), model.reasons(x)) for i, x in ranker_features(turns, lex, cues)]


def fit(calls: Sequence[tuple[Sequence[Turn], int]], lex: Lexicon, cues: CallReplyCues, c: float = 1.0,
        meta: dict[str, Any] | None = None, groups: Sequence[str] | None = None) -> RankerModel:
    """Pairwise logistic regression over calls given as (turns, index of the truth reply).

    Each (truth, other reply) pair of a call is one example both ways; with `groups` (the data set of each
    call) every group weighs the same in total, so a larger set does not decide alone.
    """
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    xs, ys, group_of = [], [], []
    names: list[str] = []
    for n, (turns, truth) in enumerate(calls):
        feats = ranker_features(turns, lex, cues)
        index = [i for i, _ in feats]
        if truth not in index:
            continue
        names = names or sorted(feats[0][1])
        m = np.array([[x[k] for k in names] for _, x in feats])
        p = index.index(truth)
        for j in range(len(index)):
            if j != p:
                xs += [m[p] - m[j], m[j] - m[p]]
                ys += [1, 0]
                group_of += [groups[n] if groups else ""] * 2
    if not xs:
        raise ValueError("no call whose truth reply is an eligible answer: nothing to learn from")
    counts = {g: group_of.count(g) for g in set(group_of)}
    weight = np.array([len(group_of) / (len(counts) * counts[g]) for g in group_of])
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(np.array(xs), np.array(ys),
                                                                             sample_weight=weight)
    return RankerModel({k: round(float(w), 6) for k, w in zip(names, model.coef_[0], strict=True)}, meta or {})


def choose_c(calls: Sequence[tuple[Sequence[Turn], int]], lex: Lexicon, cues: CallReplyCues, grid: Sequence[float],
             folds: int, groups: Sequence[str] | None = None) -> float:
    """The C of `grid` with the most top-1 hits over `folds`-fold cross-validation by call (call n in fold n % folds)
    within `calls` only; ties go to the smaller C (the stronger regularisation)."""
    best: tuple[float, float] | None = None
    for c in sorted(grid):
        hits = 0.0
        for f in range(folds):
            train = [n for n in range(len(calls)) if n % folds != f]
            test = [calls[n] for n in range(len(calls)) if n % folds == f]
            if not test:
                continue
            model = fit([calls[n] for n in train], lex, cues, c,
                        groups=[groups[n] for n in train] if groups else None)
            hits += top1(test, lex, cues, model) * len(test)
        if best is None or hits > best[0] + 1e-9:
            best = (hits, c)
    if best is None:
        raise ValueError("an empty C grid")
    return best[1]


def top1(calls: Sequence[tuple[Sequence[Turn], int]], lex: Lexicon, cues: CallReplyCues, model: RankerModel) -> float:
    """Share of calls whose top-ranked reply is the truth reply (ties: the earlier turn)."""
    hits = 0
    for turns, truth in calls:
        ranked = rank(turns, lex, cues, model)
        hits += bool(ranked) and max(ranked, key=lambda r: (r[1], -r[0]))[0] == truth
    return round(hits / len(calls), 4) if calls else float("nan")

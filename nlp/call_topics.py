"""A call's questions in context, and the call's main topic (why the customer called).

Follow-ups (那要等多久, 打到哪张卡上了) make sense only after what they follow, so they take the
topic of a topical question of the same turn, else the nearest one before them in the call (else
the one after) and are never clustered alone. A question in a family's general topic (咨询购买)
takes the family's specific topic said in the same call (咨询购买医疗险). The main topic is a
vote: each topical question counts 1, each customer turn without a question whose key phrases
name a topic ("我的保单扣款没成功") `statement_weight`, the first of all `first_question_weight`
(customers say why they call first), and the key phrases over all the customer's words add `customer_text_weight`
per weight, so a call whose questions were missed still gets its topic. A call with nothing
topical gets the explicit "other" topic: never no topic. Plain values in and out; topics are any
hashable keys (slugs or ids).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

from callintel.nlp.taxonomy import FOLLOW_UP, MatchOptions

STATEMENT = "statement"  # a customer turn without a question whose key phrases name a topic


@dataclass(frozen=True)
class CallTopic:
    topic: Hashable | None   # None = the "other" topic
    method: str              # questions / customer_text / other
    score: float
    evidence: int            # index of the deciding question in the call's list, -1 when none


def _nearest(i: int, own: Sequence[int], turns: Sequence[int] | None) -> int | None:
    same = [j for j in own if turns is not None and turns[j] == turns[i]]
    before = [j for j in own if j < i]
    after = [j for j in own if j > i]
    if same:
        return min(same, key=lambda j: (abs(j - i), j))
    return before[-1] if before else (after[0] if after else None)


def inherit(topics: Sequence[Hashable | None], methods: Sequence[str | None],
            turns: Sequence[int] | None = None) -> list[Hashable | None]:
    """Each follow-up (method "context") takes the topic of a topical question of its turn, else the nearest
    one before it, else after it; `turns` (the utterance of each question) may be omitted."""
    out = list(topics)
    own = [i for i, m in enumerate(methods) if m != FOLLOW_UP and topics[i] is not None]
    for i, m in enumerate(methods):
        if m == FOLLOW_UP:
            j = _nearest(i, own, turns)
            if j is not None:
                out[i] = topics[j]
    return out


def refine_families(topics: Sequence[Hashable | None], family: Mapping[Hashable, str],
                    general: Mapping[str, Hashable], turns: Sequence[int] | None = None) -> list[Hashable | None]:
    """A question in a family's general topic takes the nearest specific topic of that family in the call."""
    out = list(topics)
    generals = set(general.values())
    for i, t in enumerate(topics):
        if t not in generals:
            continue
        fam = family.get(t)
        own = [j for j, u in enumerate(topics) if u is not None and u not in generals and family.get(u) == fam]
        j = _nearest(i, own, turns)
        if j is not None:
            out[i] = topics[j]
    return out


def main_topic(topics: Sequence[Hashable | None], methods: Sequence[str | None],
               text_scores: Mapping[Hashable, float], opts: MatchOptions,
               family: Mapping[Hashable, str] | None = None,
               general: Mapping[str, Hashable] | None = None) -> CallTopic:
    """The call's main topic from its questions' own topics (follow-ups do not vote) and its customer text.

    When the winner is a family's general topic and a specific sibling has votes, the sibling with most takes it.
    """
    votes: dict[Hashable, float] = {}
    first_at: dict[Hashable, int] = {}
    seen_first = False
    for i, (t, m) in enumerate(zip(topics, methods, strict=True)):
        if t is None or m == FOLLOW_UP:
            continue
        weight = opts.statement_weight if m == STATEMENT else 1.0
        votes[t] = votes.get(t, 0.0) + (weight if seen_first else opts.first_question_weight)
        first_at.setdefault(t, i)
        seen_first = True
    from_questions = bool(votes)
    for t, w in text_scores.items():
        votes[t] = votes.get(t, 0.0) + opts.customer_text_weight * w
    if not votes:
        return CallTopic(None, "other", 0.0, -1)

    def rank(t: Hashable) -> tuple:
        return (-votes[t], first_at.get(t, len(topics)), str(t))

    best = min(votes, key=rank)
    family, general = family or {}, general or {}
    if best in set(general.values()):
        siblings = [t for t in votes if t != best and family.get(t) == family.get(best)]
        if siblings:
            total = votes[best]
            best = min(siblings, key=rank)
            votes[best] += total
    method = "questions" if from_questions and best in first_at else "customer_text"
    return CallTopic(best, method, round(votes[best], 3), first_at.get(best, -1))

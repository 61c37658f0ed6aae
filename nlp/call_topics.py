"""A call's questions in context, and the call's main topic (why the customer called).

Follow-ups (那要等多久, 打到哪张卡上了) make sense only after what they follow, so they take the
topic of a topical question of the same turn, else the nearest one before them in the call (else
the one after) and are never clustered alone. A question in a family's general topic (咨询购买)
takes the family's specific topic said in the same call (咨询购买医疗险). The main topic is a
vote: each topical question counts 1, each customer turn without a question whose key phrases
name a topic ("我的保单扣款没成功") `statement_weight`, the first of all `first_question_weight`
(customers say why they call first), and the key phrases over all the customer's words add `customer_text_weight`
per weight, so a call whose questions were missed still gets its topic; the agent's key phrases add `agent_text_share`
of that to the topics the caller's words named (the agent answers in the words of the call's matter). Taxonomy
topics tied at the top vote are told
apart by meaning: the call's customer words against each one's nearest example questions of the taxonomy (a
question's tie also reads the night's questions as prototypes; a call's vote has no such set).
A call with nothing topical gets the explicit "other" topic: never no topic. A question that neither its own words
nor the clustering gave a topic (a terse or roundabout question of the call's own matter: 能不能俺把那些单子寄过去)
takes the call's main topic when that came from the call's turns, its questions or statements (method "call",
`call_fills_left`):
the call says what it is about better than nothing does; its own topic, should a later night's clustering
find one, wins over it (v_question_topics). When the call's questions or statements decided its main topic, a
question whose own words name another topic only weakly (plain key phrases weighing less than one strong phrase,
a nearest example, or a follow-up of such a question) takes the call's main topic too (method "call_weak",
`call_overrides_weak`): a call is mostly about one thing, and 能报吗 in a call about buying health cover asks what
the cover pays, not how to claim; a strong key phrase (我要投诉, 退保) and what it leads keep their own topic, so a
call that truly turns to a second matter still shows it. When the caller opens a second matter in so many words
(还有个事, 另外, 哦对了: [topics.taxonomy_match] second_matter), what follows votes for the call only among the topics
named before it (why they called comes first), and has a main topic of its own, which the second matter's weak or
unmatched questions take instead of the call's. Plain values in and out; topics are any hashable keys (slugs or ids).
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable, Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache, partial
from pathlib import Path
from typing import Any

import numpy as np

from callintel.nlp.taxonomy import EXAMPLE, FOLLOW_UP, PHRASE, MatchOptions
from callintel.regex_words import alternation

STATEMENT = "statement"  # a customer turn without a question whose key phrases name a topic
CALL = "call"            # call_question_topics method: a question with no topic of its own takes its call's
CALL_WEAK = "call_weak"  # ... and one whose own words named another topic only weakly (call_overrides_weak)
NOVEL = "novel"          # question_topics method of a novel call's questions (nlp/novelty.py): no taxonomy vote
# asked with the topics tied at the top of a call's vote: topic -> how near the call's words are to it (None: no say)
Meaning = Callable[[list[Hashable]], Mapping[Hashable, float] | None]


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
                    general: Mapping[str, Hashable], turns: Sequence[int] | None = None,
                    weak: Collection[int] = ()) -> list[Hashable | None]:
    """A question in a family's general topic takes the nearest specific topic of that family in the call, of the
    questions not in `weak` (indexes whose own match is weak: a product merely named is no purchase of it)."""
    out = list(topics)
    generals = set(general.values())
    for i, t in enumerate(topics):
        if t not in generals:
            continue
        fam = family.get(t)
        own = [j for j, u in enumerate(topics) if u is not None and u not in generals and family.get(u) == fam
               and j not in weak]
        j = _nearest(i, own, turns)
        if j is not None:
            out[i] = topics[j]
    return out


def general_to_main(topics: Sequence[Hashable | None], main: Hashable | None, family: Mapping[Hashable, str],
                    generals: Collection[Hashable]) -> list[int]:
    """The questions in a family's general topic (咨询购买) of a call whose main topic is one of that family's
    specific topics (咨询购买医疗险, said in a statement or the caller's words rather than in a question): they are
    about that one. Indexes of `topics`."""
    if main is None or main in generals or family.get(main) is None:
        return []
    return [i for i, t in enumerate(topics) if t in generals and family.get(t) == family.get(main)]


def main_topic(topics: Sequence[Hashable | None], methods: Sequence[str | None],
               text_scores: Mapping[Hashable, float], opts: MatchOptions,
               family: Mapping[Hashable, str] | None = None,
               general: Mapping[str, Hashable] | None = None,
               meaning: Meaning | None = None, agent_scores: Mapping[Hashable, float] | None = None) -> CallTopic:
    """The call's main topic from its questions' own topics (follow-ups do not vote), its customer text and, among
    the topics those name, its agent's words (`vote_table`).

    When the winner is a family's general topic and a specific sibling has votes, the sibling with most takes it.
    Topics tied at the top vote (before a general topic hands its votes on) go to the one `meaning` (asked with the
    tied topics, only when there is a tie: topic -> similarity of the call's words) rates highest, else to the one
    said first.
    """
    return vote_table(topics, methods, text_scores, opts, family, general, meaning, agent_scores)[0]


def tied_topics(votes: Mapping[Hashable, float]) -> list[Hashable]:
    """The topics at the top vote when more than one is: the vote alone cannot say which the call is about."""
    if not votes:
        return []
    top = max(votes.values())
    tied = [t for t, v in votes.items() if v == top]
    return tied if len(tied) > 1 else []


def vote_table(topics: Sequence[Hashable | None], methods: Sequence[str | None],
               text_scores: Mapping[Hashable, float], opts: MatchOptions,
               family: Mapping[Hashable, str] | None = None,
               general: Mapping[str, Hashable] | None = None,
               meaning: Meaning | None = None,
               agent_scores: Mapping[Hashable, float] | None = None) -> tuple[CallTopic, dict[Hashable, float]]:
    """`main_topic` and every topic's vote (the winner's with its general topic's added): how far the runner-up
    trails says how clearly the taxonomy explains the call (nlp/novelty.py).

    `agent_scores` (key phrases over the agent's words) add `agent_text_share` times the customer text's weight to
    the topics the caller's words already voted for: the agent answers in the words of the matter the call is
    about (补缴, 定损, 理赔进度), which weighs between the topics a caller's story touched, but never names a topic the
    caller did not (an agent offering another product, reading a policy out)."""
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
    for t, w in (agent_scores or {}).items():
        if t in votes:
            votes[t] += opts.agent_text_share * opts.customer_text_weight * w
    if not votes:
        return CallTopic(None, "other", 0.0, -1), votes

    tied = tied_topics(votes) if meaning is not None else []
    near = (meaning(tied) if tied else None) or {}

    def rank(t: Hashable) -> tuple:
        return (-votes[t], -near.get(t, -1.0) if near else 0.0, first_at.get(t, len(topics)), str(t))

    best = min(votes, key=rank)
    family, general = family or {}, general or {}
    if best in set(general.values()):
        siblings = [t for t in votes if t != best and family.get(t) == family.get(best)]
        if siblings:
            total = votes.pop(best)
            best = min(siblings, key=rank)
            votes[best] += total
    method = "questions" if from_questions and best in first_at else "customer_text"
    return CallTopic(best, method, round(votes[best], 3), first_at.get(best, -1)), votes


def load_names(settings) -> dict[int, str]:
    """Topic names analysts set: [names] of the file named by [topics].names (topic id = name); they stick."""
    path = Path(settings.config_file(settings["topics"]["names"]))
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return {int(k): str(v) for k, v in data.get("names", {}).items() if str(v).strip()}
    except ValueError as exc:
        raise ValueError(f"{path}: [names] keys must be topic ids (integers): {exc}") from exc


def call_text(turns: Sequence[tuple[int, str]]) -> str:
    """One speaker's turns of a call as one text: the customer's (what a call without a topical question is matched
    on), or the agent's (what novel calls are grouped by beside it, nlp/topics.py call_vector)."""
    return "。".join(t for _, t in turns)


def statement_votes(turns: Sequence[tuple[int, str]], asked: set[int], taxonomy,
                    strong_weight: float) -> list[tuple[int, str]]:
    """(seq, slug) of the customer turns without a question whose key phrases name a topic: each votes for it
    as a statement (the call's vote here and nlp/novelty.py's count of it are the same)."""
    from callintel.nlp.taxonomy import best_phrase

    hits = [(seq, best_phrase(text, taxonomy, strong_weight)) for seq, text in turns if seq not in asked]
    return [(seq, hit[0]) for seq, hit in hits if hit is not None]


def second_matter_pattern(markers: Sequence[str]) -> re.Pattern[str] | None:
    """The words that open a second matter ([topics.taxonomy_match] second_matter), said at the start of a clause or
    after an interjection (哦对了): a closed class of Mandarin discourse markers, not a topic's words."""
    if not markers:
        return None
    return re.compile(rf"(?:^|[，,。！!？?；;…\s]|[哦噢啊嗯诶哎])(?:{alternation(markers)})")


def second_matter_at(turns: Sequence[tuple[int, str]], voted: Sequence[int],
                     pattern: re.Pattern[str] | None) -> float:
    """The utterance where the caller opens a second matter (还有个事，…; 另外…; 哦对了，…) after something of the call
    already voted (`voted`: the utterances of its own questions and statements that name a topic), else infinity.
    Why: a caller says first why they call; in the read call sets every call with such a turn (68 of 320) has its
    true topic among the questions before it, and in 23 the questions after it are about another matter that could
    outvote it."""
    if pattern is None or not voted:
        return math.inf
    first = min(voted)
    return next((seq for seq, text in turns if seq > first and pattern.search(text)), math.inf)


def weak_questions(qs: Sequence[CallQuestion], topics: Sequence[Hashable | None], methods: Sequence[str | None],
                   main: Hashable, weak: Collection[int]) -> set[str]:
    """The question ids whose topic (`topics`, after inheriting) differs from the call's `main` topic and rests on
    weak evidence of their own words (`weak`: the indexes of `qs` whose own match `weak_match` finds weak, a nearest
    example or key phrases that together weigh less than one strong phrase). A
    follow-up is weak when what it inherits is: no question of the call that keeps its own topic (a strong key
    phrase, or a cluster's topic: what discovery found) has that topic."""
    kept = {t for k, (t, m) in enumerate(zip(topics, methods, strict=True))
            if t is not None and m != FOLLOW_UP and k not in weak}
    return {q.question_id for k, (q, t, m) in enumerate(zip(qs, topics, methods, strict=True))
            if t is not None and t != main and (k in weak or (m == FOLLOW_UP and t not in kept))}


def weak_match(q: CallQuestion, method: str | None, strong_weight: float) -> bool:
    """A question's own topic rests on weak evidence: the nearest example, or key phrases that together weigh less
    than one strong phrase (the match's similarity is that weight)."""
    return method == EXAMPLE or (method == PHRASE and (q.similarity or 0.0) < strong_weight)


# --- the call_topics step's compute (flows/steps.py): a night's questions with their topics in, call topics out

@dataclass(frozen=True)
class CallQuestion:
    call_id: str
    question_id: str
    seq: int
    kind: str                 # own / follow_up
    text: str | None
    topic_id: int | None
    method: str | None        # how it got its topic (phrase, example, absorbed, discovered, ...)
    similarity: float | None = None   # question_topics.similarity: a phrase match's key-phrase weight


@dataclass(frozen=True)
class CallTopicInputs:
    night: date
    questions: list[CallQuestion]                 # in call and utterance order
    turns_of: dict[str, list[tuple[int, str]]]    # call_id -> its customer turns (seq, text)
    ids: dict[str, int]                           # slug -> topic_id of the taxonomy and "other" topics
    vectors: dict[str, np.ndarray]                # cached embeddings of the examples and the calls' customer text
    agent_of: dict[str, str] = field(default_factory=dict)   # call_id -> its agent's words (call_text of its turns)


@dataclass
class CallTopicRow:
    """A call's row of `call_topics`, its fields in the table's column order (warehouse/topics.py writes them by
    name: CALL_TOPIC_COLUMNS is these fields and the write time)."""

    call_id: str
    night: date
    topic_id: int | None
    method: str | None
    score: float | None
    question_id: str | None        # the question that decided the topic
    evidence_text: str | None
    questions: int                 # the call's questions
    unclustered: int               # ... of them left without a topic
    # the second matter the caller opened: the utterance it opens at, its own main topic and the question that decided
    # it (None when none)
    second_matter_seq: int | None = None
    second_topic_id: int | None = None
    second_question_id: str | None = None


@dataclass
class CallTopicResult:
    night: date
    new_vectors: dict[str, np.ndarray]
    assignments: list[tuple[str, int, float, str, date]]  # question_topics rows: follow-ups and family refinements
    calls: list[CallTopicRow]
    unclustered: int          # questions of the night left without any topic


def compute(inputs: CallTopicInputs, settings) -> CallTopicResult:
    """Follow-ups inherit, general-family questions take the family's specific topic, every call gets its topic."""
    from callintel.nlp.cluster import unit
    from callintel.nlp.embed import embed_missing, text_key
    from callintel.nlp.taxonomy import load_taxonomy, phrase_scores, prototype_similarity

    taxonomy = load_taxonomy(settings)
    mopts = MatchOptions.from_settings(settings["topics"]["taxonomy_match"])
    ids, night = inputs.ids, inputs.night
    texts = {c: call_text(ts) for c, ts in inputs.turns_of.items()}
    by_call: dict[str, list[CallQuestion]] = {c: [] for c in texts}
    for q in inputs.questions:
        by_call.setdefault(q.call_id, []).append(q)
    family = {ids[s]: f for s, f in taxonomy.families().items() if s in ids}
    general = {f: ids[f] for f in set(taxonomy.families().values()) if f in ids}
    generals = set(general.values())
    assign, unclustered, no_vote = [], 0, []
    calls: list[CallTopicRow] = []
    vectors, new = dict(inputs.vectors), {}
    ex_texts, ex_slugs = taxonomy.examples()

    def embedded(texts: list[str]) -> list[np.ndarray]:
        """Vectors of `texts`, embedding (once, into the step's cache) those not cached yet."""
        got = embed_missing({text_key(t): t for t in texts}, vectors, settings)
        new.update(got)
        vectors.update(got)
        return [vectors[text_key(t)] for t in texts]

    second = second_matter_pattern(mopts.second_matter)
    listed = [k for k, slug in enumerate(ex_slugs) if slug in ids]   # the examples of the night's taxonomy topics
    labels = np.asarray([ids[ex_slugs[k]] for k in listed])

    @cache
    def example_matrix() -> np.ndarray:
        """Their unit vectors, stacked once, at the night's first tie."""
        return unit(np.stack(embedded([ex_texts[k] for k in listed])).astype(np.float64))

    def meaning_of(call_id: str, tied: list[Hashable]) -> dict[Hashable, float] | None:
        """For a call whose vote ties: each tied topic's likeness to the call's words (mean cosine of the call's
        customer text to the topic's `prototype_k` nearest example questions of the taxonomy). None, so the topic
        said first wins, when a tied topic has no examples (a topic of the night's own) or the call no words."""
        if not texts.get(call_id) or not set(tied) <= set(labels.tolist()):
            return None
        x = unit(np.asarray(embedded([texts[call_id]])[0], dtype=np.float64))
        return prototype_similarity(x, example_matrix(), labels, tied, mopts.prototype_k)

    def text_votes(text: str) -> dict[Hashable, float]:
        """Key phrases over some of a call's words (the customer's turns, or the agent's), as topic id -> weight."""
        return {ids[s]: w for s, (w, _) in phrase_scores(text, taxonomy, mopts.strong_weight).items() if s in ids}

    for call_id, qs in sorted(by_call.items()):
        topics = [q.topic_id for q in qs]
        methods = [FOLLOW_UP if q.kind == "follow_up" else q.method for q in qs]
        turns = [q.seq for q in qs]
        # a product named only weakly (重疾 said of the cover the caller's employer gives) says no purchase of it
        weak = {k for k, (q, m) in enumerate(zip(qs, methods, strict=True)) if weak_match(q, m, mopts.strong_weight)}
        final = refine_families(inherit(topics, methods, turns), family, general, turns, weak)
        mine = {q.question_id: (q.question_id, int(new), 0.0, "context" if m == FOLLOW_UP else "family", night)
                for q, old, new, m in zip(qs, topics, final, methods, strict=True) if new is not None and new != old}
        left = sum(1 for t in final if t is None)
        unclustered += left
        novel = any(q.method == NOVEL for q in qs)   # the taxonomy explains it weakly: its questions' topic decides
        own_turns = inputs.turns_of.get(call_id, [])
        own = [t if m != FOLLOW_UP else None
               for t, m in zip(refine_families(topics, family, general, turns, weak), methods, strict=True)]
        # customer turns without a question still say what the call is about: they vote, in turn order
        items: list[tuple[int, Any, str | None, CallQuestion | None]] = list(
            zip(turns, own, methods, qs, strict=True))
        if not novel:
            items += [(seq, ids[slug], STATEMENT, None) for seq, slug in
                      statement_votes(own_turns, set(turns), taxonomy, mopts.strong_weight) if slug in ids]
        items.sort(key=lambda x: x[0])
        agent_scores = {} if novel or not mopts.agent_text_share else text_votes(inputs.agent_of.get(call_id, ""))

        def scores(said: Sequence[tuple[int, str]], novel: bool = novel) -> dict[Hashable, float]:
            return {} if novel else text_votes(call_text(said))

        # after the caller opens a second matter, what they say votes for the call only among the topics named before
        # it (why they called comes first: a second matter in stronger words must not outvote it), and it has a main
        # topic of its own, which the second matter's weak or unmatched questions take
        cut = second_matter_at(own_turns, [x[0] for x in items if x[1] is not None], second)
        text_scores = {} if novel else text_votes(texts.get(call_id, ""))
        segments = [(-math.inf, math.inf)]
        second_row: tuple[int | None, int | None, str | None] = (None, None, None)
        if cut < math.inf:
            later = [x for x in items if x[0] >= cut]
            named = {x[1] for x in items if x[0] < cut and x[1] is not None} | set(
                scores([x for x in own_turns if x[0] < cut]))
            second_ct = main_topic([x[1] for x in later], [x[2] for x in later],
                                   scores([x for x in own_turns if x[0] >= cut]), mopts, family, general, None,
                                   agent_scores)
            decided = second_ct.topic is not None and second_ct.method == "questions"
            ev2 = later[second_ct.evidence][3] if decided and second_ct.evidence >= 0 else None
            second_row = (int(cut), second_ct.topic if decided else None, ev2.question_id if ev2 else None)
            items = [x for x in items if x[0] < cut or x[1] is None or x[1] in named]
            text_scores = {t: w for t, w in text_scores.items() if t in named}
            segments = [(-math.inf, cut), (cut, math.inf)]
        ct = main_topic([x[1] for x in items], [x[2] for x in items], text_scores, mopts, family, general,
                        partial(meaning_of, call_id), agent_scores)
        if ct.topic is None:
            no_vote.append(call_id)
        mains = [ct]
        if cut < math.inf:   # the second matter's own topic when its questions decide one, else the call's
            mains.append(second_ct if second_row[1] is not None else ct)
        for (start, end), main in zip(segments, mains, strict=True):
            if main.topic is None or main.method != "questions":
                continue
            part = {q.question_id for q in qs if start <= q.seq < end}
            if mopts.call_fills_left:
                filled = [q for q, t in zip(qs, final, strict=True) if t is None and q.question_id in part]
                mine |= {q.question_id: (q.question_id, int(main.topic), 0.0, CALL, night) for q in filled}
                left -= len(filled)
                unclustered -= len(filled)
            if mopts.call_overrides_weak:
                mine |= {q: (q, int(main.topic), 0.0, CALL_WEAK, night)
                         for q in weak_questions(qs, final, methods, main.topic, weak) if q in part}
        mine |= {qs[k].question_id: (qs[k].question_id, int(ct.topic), 0.0, "family", night)
                 for k in general_to_main(final, ct.topic, family, generals) if qs[k].question_id not in mine}
        assign += [mine[q.question_id] for q in qs if q.question_id in mine]
        ev = items[ct.evidence][3] if ct.evidence >= 0 else None
        calls.append(CallTopicRow(call_id, night, ct.topic, ct.method, ct.score, ev.question_id if ev else None,
                                  ev.text if ev else None, len(qs), left, *second_row))
    # calls with nothing topical said: their customer words to the nearest example, else "other"
    if no_vote:
        embedded(list(ex_texts) + [texts.get(c, "") for c in no_vote])
        E = np.stack([vectors[text_key(e)] for e in ex_texts]) if ex_texts else np.zeros((0, 0))
        X = np.stack([vectors[text_key(texts.get(c, ""))] for c in no_vote])
        S = X @ E.T if len(E) else np.zeros((len(no_vote), 0))
        best = {c: (ex_slugs[int(S[i].argmax())], float(S[i].max())) for i, c in enumerate(no_vote) if S.shape[1]}
        for row in calls:
            if row.topic_id is None:
                slug, sim = best.get(row.call_id, (None, 0.0))
                if slug is not None and slug in ids and sim >= mopts.call_example_threshold:
                    row.topic_id, row.method, row.score = ids[slug], "customer_text", round(sim, 4)
                else:
                    row.topic_id, row.method, row.score = ids[taxonomy.other_slug], "other", 0.0
    return CallTopicResult(night, new, assign, calls, unclustered)

"""The topics step's compute: a night's questions matched to the taxonomy, then the rest clustered with the pool.

Why one step: the taxonomy match and the clustering decide together which topic a question has by its own
words, so one step owns what they decide (question_topics, topics, question_follow_ups) and no table has two
writers that delete each other's rows by method. Known topics and discovered ones take their ids from one
counter (`next_topic_id`, read once per night), known first, so the two can never collide. The matching
(nlp/taxonomy.py) and the clustering (nlp/topics.py) are unchanged; this module only wires one into the other,
and sends the calls the taxonomy explains only weakly (nlp/novelty.py) to the clustering whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from callintel.nlp import novelty
from callintel.nlp import taxonomy as taxonomy_nlp
from callintel.nlp import topics as topics_nlp
from callintel.nlp.taxonomy import EXAMPLE, FOLLOW_UP, PHRASE, KnownTopicRow, TaxonomyInputs
from callintel.nlp.topics import PoolQuestion, TopicInputs, TopicRow

MATCHED = (PHRASE, EXAMPLE)   # question_topics methods of a taxonomy match (the rest: absorbed / discovered)


@dataclass(frozen=True)
class NightQuestion:
    """A question of the night, as the match and the pool need it."""

    question_id: str
    text: str
    core: str
    key: str                  # text_key(core): the embedding cache key


@dataclass
class TopicStepInputs:
    """What the topics step loads for one night (warehouse/topics.py load_night)."""

    night: date
    questions: list[NightQuestion]          # the night's questions, by question_id
    earlier: list[PoolQuestion]             # the pool's questions of the `pool_nights` before, clustering's own
    vectors: dict[str, np.ndarray]          # cached embeddings: the night's cores, the pool's, the examples
    known_ids: dict[str, int]               # slug -> topic_id of the known topics already in the warehouse
    topic_ids: np.ndarray                   # existing topics clustering may keep (not "other"), in id order ...
    centroids: np.ndarray                   # ... and their frozen centroids
    next_topic_id: int                      # the first id not handed out yet
    turns_of: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # call -> customer turns (novelty)
    call_texts: dict[str, str] = field(default_factory=dict)   # call -> customer text, the window's calls
    novel_topic_ids: set[int] = field(default_factory=set)     # topics made of novel calls (nlp/novelty.py)
    before: list[tuple[NightQuestion, date]] = field(default_factory=list)   # the window's earlier questions ...
    turns_before: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # ... their calls' turns ...
    night_of: dict[str, date] = field(default_factory=dict)    # ... and each call's night: novelty judged again
    agent_texts: dict[str, str] = field(default_factory=dict)  # call -> agent text, the window's calls


@dataclass(frozen=True)
class KnownTopic:
    """A known topic (taxonomy or "other") with its id: new ones are inserted, every one's name refreshed."""

    topic_id: int
    row: KnownTopicRow
    new: bool


@dataclass(frozen=True)
class MatchRow:
    """A row of question_topics by the taxonomy (phrase / example)."""

    question_id: str
    topic_id: int
    similarity: float
    method: str
    assigned_night: date


@dataclass
class TopicStepResult:
    night: date
    new_vectors: dict[str, np.ndarray]
    known: list[KnownTopic]
    matches: list[MatchRow]                 # the night's taxonomy matches
    follow_ups: list[str]                   # the night's questions that only make sense after another
    topics: list[TopicRow]                  # discovered topics created tonight
    assignments: list[topics_nlp.Assignment]  # clustering's rows that changed
    dropped: list[str]                      # pooled questions that lose their cluster topic
    summary: dict[str, Any]


def compute(inputs: TopicStepInputs, settings) -> TopicStepResult:
    """Match the night's questions (key phrase, short follow-up, nearest example, follow-up by form), then cluster
    what is left with the earlier nights' unmatched questions; new known topics take ids before tonight's
    discovered ones."""
    night = inputs.night
    tax = taxonomy_nlp.compute(TaxonomyInputs(night, [(q.question_id, q.core, q.key) for q in inputs.questions],
                                              inputs.vectors), settings)
    next_id, known = inputs.next_topic_id, []
    ids = dict(inputs.known_ids)
    for k in tax.known:
        if k.slug not in ids:
            ids[k.slug], next_id = next_id, next_id + 1
            known.append(KnownTopic(ids[k.slug], k, True))
        else:
            known.append(KnownTopic(ids[k.slug], k, False))
    # calls the taxonomy explains only weakly go to discovery whole (nlp/novelty.py), not to a taxonomy topic
    new_vectors = dict(tax.new_vectors)
    judge = _novelty_judge(inputs, settings, new_vectors)
    novel = judge(tax.matches, inputs.turns_of)
    for n in sorted({d for _, d in inputs.before}):   # earlier nights' novel calls, judged as on their night
        t = taxonomy_nlp.compute(TaxonomyInputs(n, [(q.question_id, q.core, q.key) for q, d in inputs.before
                                                    if d == n], inputs.vectors | new_vectors), settings)
        new_vectors |= t.new_vectors
        novel |= judge(t.matches, {c: ts for c, ts in inputs.turns_before.items() if inputs.night_of.get(c) == n})
    # the questions no rule decided, of calls the taxonomy explains: the learned classifier's (nlp/topic_classifier.py)
    decided = _learned(tax.matches, novel, inputs, new_vectors, {k.slug for k in tax.known}, settings)
    method_of = {m.question_id: None if m.question_id in novel else m.method for m in decided}
    matches = [MatchRow(m.question_id, ids[m.slug], m.score, m.method, night) for m in decided
               if m.method in MATCHED and m.question_id not in novel]
    follow_ups = [m.question_id for m in decided if m.method == FOLLOW_UP]
    # clustering sees the night's questions no match decided, after the earlier nights' (night, id order)
    pool = inputs.earlier + [PoolQuestion(q.question_id, q.text, q.core, q.key, night, None, None)
                             for q in inputs.questions if method_of.get(q.question_id) is None]
    # new known topics join the centroids clustering may keep (their ids are the highest: id order holds)
    new_known = [k for k in known if k.new and k.row.source != "other"]
    topic_ids = np.concatenate([inputs.topic_ids.astype(np.int64),
                                np.asarray([k.topic_id for k in new_known], dtype=np.int64)])
    centroids = inputs.centroids
    if new_known:
        added = np.stack([np.asarray(k.row.centroid, dtype=np.float32) for k in new_known])
        centroids = added if not len(inputs.topic_ids) else np.vstack([inputs.centroids, added])
    other = [k.topic_id for k in known if k.row.source == "other"]
    clusters = topics_nlp.compute(TopicInputs(night, pool, inputs.vectors | new_vectors, topic_ids,
                                              centroids.astype(np.float32), next_id, novel, inputs.novel_topic_ids,
                                              other[0] if other else None, inputs.call_texts,
                                              inputs.agent_texts), settings)
    summary = {"by_taxonomy": len(matches), "follow_ups": len(follow_ups)} | clusters.summary
    summary["embedded"] = len(new_vectors) + len(clusters.new_vectors)
    return TopicStepResult(night, new_vectors | clusters.new_vectors, known, matches, follow_ups,
                           clusters.topics, clusters.assignments, clusters.dropped, summary)


def _learned(matches: list, novel: set[str], inputs: TopicStepInputs, new_vectors: dict[str, np.ndarray],
             listed: set[str], settings) -> list:
    """The night's matches with the questions left undecided outside novel calls filed by the learned classifier
    ([topics.learned_match]; as they were without a model file)."""
    from callintel.nlp.topic_classifier import configured_classifier, file_left_questions

    model = configured_classifier(settings)
    if model is None:
        return matches
    vectors = inputs.vectors | new_vectors
    key_of = {q.question_id: q.key for q in inputs.questions}
    return file_left_questions(matches, novel, lambda q: vectors.get(key_of.get(q, "")), model, listed,
                               settings["topics"]["learned_match"]["p"], EXAMPLE)


def _novelty_judge(inputs: TopicStepInputs, settings, new_vectors: dict[str, np.ndarray]):
    """novelty.novel_questions for a night's matches and turns, with the vectors the learned judgement reads: the
    questions' cores, the taxonomy's examples and, for the calls it asks for, their customer text (embedded when
    the cache lacks them; they join `new_vectors`, which the step caches). Without a model file only votes count."""
    from callintel.nlp.call_topics import call_text
    from callintel.nlp.embed import embed_missing, text_key

    nopts = novelty.NoveltyOptions.from_settings(settings["topics"]["novelty"])
    if not (nopts.enabled and nopts.model):
        return lambda matches, turns: novelty.novel_questions(
            [(m.question_id, m.slug, m.method) for m in matches], turns, settings)
    key_of = {q.question_id: q.key for q in inputs.questions} | {q.question_id: q.key for q, _ in inputs.before}
    ex_texts, _ = taxonomy_nlp.load_taxonomy(settings).examples()
    new_vectors |= embed_missing({text_key(e): e for e in ex_texts}, inputs.vectors | new_vectors, settings)
    turns_all = inputs.turns_of | inputs.turns_before

    def call_vectors(calls) -> dict[str, np.ndarray]:
        texts = {c: call_text(turns_all[c]) for c in calls if c in turns_all}
        new_vectors.update(embed_missing({text_key(t): t for t in texts.values()}, inputs.vectors | new_vectors,
                                         settings))
        vectors = inputs.vectors | new_vectors
        return {c: vectors[text_key(t)] for c, t in texts.items()}

    def judge(matches, turns) -> set[str]:
        vectors = inputs.vectors | new_vectors
        qv = {m.question_id: vectors[key_of[m.question_id]] for m in matches
              if key_of.get(m.question_id) in vectors}
        # a taxonomy without examples gives none: the likeness features then carry no evidence (read as the mean)
        E = np.stack([vectors[text_key(e)] for e in ex_texts]) if ex_texts else np.zeros((0, 1), dtype=np.float32)
        return novelty.novel_questions([(m.question_id, m.slug, m.method) for m in matches], turns, settings,
                                       qv, call_vectors, E)
    return judge

"""Calls the taxonomy explains only weakly: they go to discovery as whole calls instead of a taxonomy topic.

Why: an insurer's calls bring matters nobody listed (a health insurer's appointment booking, invoices); a
few words of such a call still hit some key phrase (理赔, 缴费), and the call's vote then files it under a
listed topic it is not about. How strongly the taxonomy explains a call is the vote its winning topic gets,
counted as nlp/call_topics.py counts it (own questions, the first one more, customer turns naming a topic,
key phrases over all the customer's words). The criterion is relative to the night: a call is novel when
its vote is below `ratio` times the median vote of the night's calls, so a night of long calls (many
phrase hits) and one of terse callers are judged on their own scale. A night of another line of business, where most
calls hit only stray phrases, drags its median down with them; so a call is novel too, whatever the night, when its
vote is below the least that decides a topic on its own (`least_deciding_vote`: one strong key phrase in its first
question).
Novel calls are then clustered as whole calls (nlp/topics.py `plan_calls`), each by the embedding of all its
customer's words plus `agent_weight` times that of its agent's (nlp/topics.py `call_vector`: the agent names the
business process, the caller tells a story), with the mean of the window's calls taken away: raw call vectors share
a direction that says "an insurance call" and crowd together; centred on the calls of the same nights (a reference
the night estimates itself, no labels) what a call is about is what is left. Given the true novel calls, the
customer text alone grouped them at ARI 0.88 (health) and 0.64 / 0.79 (life, two choices of four held-out topics),
flat over 0.85-0.95, where the mean of the call's question vectors, its first question or its raw text peak at one
threshold each; with the agent's text health 1.0, life 0.49 / 1.0, and the project's read sets of other lines of
business higher on four of six, pc level at 1.0, agri lower (bench/bench_topic_novelty.py grouping,
configs/callintel.toml agent_weight).
The vote ratio is the weak part: ROC AUC 0.80 on health, 3 of its 11 novel calls caught. With a model file
([topics.novelty] model, shipped on) a learned judgement flags more calls beside those (nlp/novelty_model.py: the
vote, the questions' likeness to the winning topic's examples and the text's lean toward them, weighed by a logistic
model trained on the read call sets' true novelty and leave-topics-out folds, scripts/train_novelty.py): a call that
wins a deciding vote on stray phrases of another line of business (理赔 in a motor accident report) is still seen. The
ratio and floor alone serve an installation without the file.
Plain values in and out; the topics step (nlp/topic_step.py) wires it in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from callintel.nlp.call_topics import STATEMENT, call_text, statement_votes, vote_table
from callintel.nlp.taxonomy import FOLLOW_UP, MatchOptions, Taxonomy, phrase_scores
from callintel.settings import options

NOVEL = "novel"   # question_topics method: a question of a novel call, grouped with its call's topic


@dataclass(frozen=True)
class NoveltyOptions:
    """[topics.novelty] in configs/callintel.toml (every key documented there)."""

    enabled: bool
    ratio: float            # a call is novel below this share of the night's median taxonomy vote ...
    floor: bool             # ... or below the vote of the least evidence that decides a topic on its own
    min_calls: int          # a night needs this many calls with a vote before it judges any
    call_threshold: float   # average-linkage distance between novel calls, in the space centred on the window's calls
    call_absorb: float      # a cluster of novel calls keeps the novel topic whose centred centroid is this close
    reference_calls: int    # calls of the window whose mean centres the space (evenly strided when more)
    model: str              # the learned detector's file in configs/models/ ("" = the vote ratio alone)
    threshold: float        # a call is novel from this probability of the learned detector
    plausible_sd: float     # the most novel value a call-text feature may take, in training SDs (who to embed)
    agent_weight: float     # novel calls are grouped by their customer text plus this times their agent text

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> NoveltyOptions:
        return options(cls, section, "topics.novelty")


def reference_sample(keys: Sequence[str], limit: int) -> list[str]:
    """Up to `limit` of `keys`, evenly strided in order: the calls whose mean centres the space (bounded cost)."""
    step = max(1, -(-len(keys) // max(1, limit)))
    return list(keys[::step])


def call_of(question_id: str) -> str:
    """The call of a question id (`<call_id>:<seq>:<part>`, warehouse/sql/150_baseline.sql)."""
    return question_id.rsplit(":", 2)[0]


def seq_of(question_id: str) -> int:
    return int(question_id.rsplit(":", 2)[1])


def position(question_id: str) -> tuple[int, int]:
    """(utterance, part) of a question in its call: the call's first question says why the customer called."""
    _, seq, part = question_id.rsplit(":", 2)
    return int(seq), int(part)


@dataclass(frozen=True)
class CallEvidence:
    """How the taxonomy explains one call: its vote as nlp/call_topics.py counts it, and what went into it."""

    winner: str | None     # the winning taxonomy topic (None: nothing topical)
    vote: float            # its vote
    runner_up: float       # the best other topic's vote (0 when none)
    own: tuple[str, ...]   # the call's own (not follow-up) question ids
    matched: int           # of them, how many the taxonomy matched (key phrase or example)


def call_evidence(matches: Sequence[tuple[str, str | None, str | None]],
                  turns_of: Mapping[str, Sequence[tuple[int, str]]], taxonomy: Taxonomy,
                  opts: MatchOptions) -> dict[str, CallEvidence]:
    """call_id -> how its winning taxonomy topic won, counted as nlp/call_topics.py `main_topic` counts the caller's
    side (a tie goes to the topic said first here: the vote and runner-up, which the judgement reads, are the same
    either way; the agent's words, which weigh only among the caller's topics, are left out, and so is the limit a
    second matter puts on what follows it: the learned judgement was trained on the caller's whole vote).

    `matches` are (question_id, slug, method) of the night's questions in call and utterance order.
    """
    by_call: dict[str, list[tuple[str, str | None, str | None]]] = {c: [] for c in turns_of}
    for qid, slug, method in matches:
        by_call.setdefault(call_of(qid), []).append((qid, slug, method))
    out: dict[str, CallEvidence] = {}
    for call, qs in by_call.items():
        turns = turns_of.get(call, [])
        items = [(seq_of(qid), slug if method != FOLLOW_UP else None, method) for qid, slug, method in qs]
        items += [(seq, slug, STATEMENT)
                  for seq, slug in statement_votes(turns, {seq_of(q) for q, _, _ in qs}, taxonomy, opts.strong_weight)]
        items.sort(key=lambda x: x[0])
        scores = {s: w for s, (w, _) in phrase_scores(call_text(turns), taxonomy, opts.strong_weight).items()}
        ct, votes = vote_table([x[1] for x in items], [x[2] for x in items], scores, opts, taxonomy.family_of,
                               {f: f for f in set(taxonomy.family_of.values())})
        others = [v for t, v in votes.items() if t != ct.topic]
        own = tuple(qid for qid, _, method in qs if method != FOLLOW_UP)
        matched = sum(1 for _, slug, method in qs if method != FOLLOW_UP and slug is not None)
        out[call] = CallEvidence(ct.topic, float(ct.score), float(max(others, default=0.0)), own, matched)
    return out


def least_deciding_vote(mopts: MatchOptions) -> float:
    """The vote of a call the taxonomy explains by the least that decides a topic on its own: one strong key phrase
    in its first question (that question's vote, and the phrase again among the customer's words)."""
    return mopts.first_question_weight + mopts.customer_text_weight * mopts.strong_weight


def novel_calls(votes: Mapping[str, float], opts: NoveltyOptions, floor: float = 0.0) -> set[str]:
    """The calls whose vote is below `ratio` times the night's median vote, or below `floor` whatever the night
    (none when the night is too small)."""
    if not opts.enabled or len(votes) < opts.min_calls:
        return set()
    reference = float(np.median(list(votes.values())))
    threshold = max(opts.ratio * reference, floor if opts.floor else 0.0)
    return {c for c, v in votes.items() if v < threshold}


def novel_questions(matches: Sequence[tuple[str, str | None, str | None]],
                    turns_of: Mapping[str, Sequence[tuple[int, str]]], settings,
                    question_vectors: Mapping[str, np.ndarray] | None = None,
                    call_vectors: Callable[[Sequence[str]], Mapping[str, np.ndarray]] | None = None,
                    example_vectors: np.ndarray | None = None) -> set[str]:
    """The own (not follow-up) questions of the night's novel calls: what discovery clusters as whole calls.

    The vote ratio and floor flag calls; with a model file ([topics.novelty] model) the learned judgement flags more
    (nlp/novelty_model.py; it reads `question_vectors` question_id -> vector, `call_vectors(calls)` embeds those
    calls' customer text on demand, and the taxonomy's `example_vectors`).
    """
    from callintel.nlp.taxonomy import load_taxonomy

    opts = NoveltyOptions.from_settings(settings["topics"]["novelty"])
    if not opts.enabled:
        return set()
    mopts = MatchOptions.from_settings(settings["topics"]["taxonomy_match"])
    taxonomy = load_taxonomy(settings)
    evidence = call_evidence(matches, turns_of, taxonomy, mopts)
    if opts.model:
        from callintel.nlp.novelty_model import learned_novel

        if question_vectors is None or example_vectors is None:
            raise ValueError("[topics.novelty] model needs the questions' and the taxonomy examples' vectors: "
                             "without them every call would look unexplained")
        novel = learned_novel(evidence, settings, opts, question_vectors, call_vectors or (lambda _: {}),
                              example_vectors, taxonomy.examples()[1])
    else:
        novel = set()
    # the vote's own verdict stands with a model too: the model adds calls a deciding vote hides, it clears none
    novel |= novel_calls({c: e.vote for c, e in evidence.items()}, opts, least_deciding_vote(mopts))
    return {qid for qid, _, method in matches if method != FOLLOW_UP and call_of(qid) in novel}

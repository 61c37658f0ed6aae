"""Novel calls (nlp/novelty.py) and their discovery as whole calls (nlp/topics.py plan_calls), by hand-made inputs."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from callintel.nlp.cluster import unit
from callintel.nlp.novelty import (
    NOVEL,
    NoveltyOptions,
    call_evidence,
    call_of,
    least_deciding_vote,
    novel_calls,
    position,
)
from callintel.nlp.taxonomy import PHRASE, MatchOptions, load_taxonomy
from callintel.nlp.topics import PoolQuestion, TopicInputs, TopicOptions, call_vector, plan_calls
from callintel.settings import load_settings

SETTINGS = load_settings()
# the learned judgement is on by default; its tests name the shipped file all the same
LEARNED = SETTINGS.with_overrides({"topics": {"novelty": {"model": "models/novelty_lr.json"}}})
OPTS = NoveltyOptions.from_settings(LEARNED["topics"]["novelty"])


def test_question_ids_name_their_call_and_place():
    assert call_of("B20260907-001:13:2") == "B20260907-001"
    assert position("B20260907-001:13:2") == (13, 2)
    assert position("a:2:1") < position("a:10:1")


def test_novel_is_relative_to_the_night():
    """The same vote is novel on a night of strongly matched calls and not on a night of weakly matched ones."""
    others = {f"c{i}": 8.0 + i % 4 for i in range(OPTS.min_calls)}
    strong = others | {"e": 3.0}
    weak = {c: v / 2.5 for c, v in others.items()} | {"e": 3.0}
    assert novel_calls(strong, OPTS) == {"e"}
    assert novel_calls(weak, OPTS) == set()
    assert novel_calls({"a": 10.0, "e": 0.0}, OPTS) == set()   # too few calls for a median
    off = replace(OPTS, enabled=False)
    assert novel_calls(strong, off) == set()


def test_a_night_the_taxonomy_hardly_explains_is_judged_against_the_least_deciding_vote():
    """Another line of business: every call hits only stray key phrases, so the night's median falls with them and
    the ratio alone sees nothing; a vote below what one strong key phrase in the first question gives (the least
    that decides a topic on its own) is novel whatever the night, and a call with that much evidence is not."""
    tax = load_taxonomy(SETTINGS)
    mopts = MatchOptions.from_settings(SETTINGS["topics"]["taxonomy_match"])
    strong = {"c1": [(1, "扣款失败了怎么办")]}   # one strong key phrase, said once, in the call's only question
    vote = call_evidence([("c1:1:1", "premium_payment", PHRASE)], strong, tax, mopts)["c1"].vote
    floor = least_deciding_vote(mopts)
    assert vote == pytest.approx(floor)
    night = {f"c{i}": floor * (0.4 + 0.05 * (i % 3)) for i in range(OPTS.min_calls)} | {"ok": floor, "e": 0.5}
    assert novel_calls(night, OPTS) == {"e"}                       # the median alone: only the weakest
    assert novel_calls(night, OPTS, floor) == set(night) - {"ok"}   # the floor: all but the one explained call
    assert novel_calls(night, replace(OPTS, floor=False), floor) == {"e"}


def test_call_votes_count_as_the_call_topics_step():
    """The first own question counts `first_question_weight`, a customer turn naming a topic `statement_weight`,
    follow-ups nothing, and key phrases over the whole customer text `customer_text_weight` per weight."""
    tax = load_taxonomy(SETTINGS)
    mopts = MatchOptions.from_settings(SETTINGS["topics"]["taxonomy_match"])
    slug = tax.topics[0].slug
    matches = [("c1:1:1", slug, PHRASE), ("c1:3:1", None, "context"), ("c2:1:1", None, None)]
    turns = {"c1": [(1, "嗯"), (3, "那要等多久")], "c2": [(1, "我想约个体检")]}
    votes = {c: e.vote for c, e in call_evidence(matches, turns, tax, mopts).items()}
    assert votes["c1"] == pytest.approx(mopts.first_question_weight)
    assert votes["c2"] == 0.0


def test_novel_calls_cluster_as_calls_and_keep_no_taxonomy_topic():
    """Two calls on one matter form one new topic, all their questions in it (method novel); a third call alone
    goes to "other"; a taxonomy topic near them keeps none of them, and a later night's call on the same matter
    keeps the novel topic (its centroid is near in the centred space)."""
    rng = np.random.default_rng(0)
    shared, a, far, b = rng.normal(size=(4, 16)).astype(np.float32)
    near = lambda v: unit(3 * shared + v + 0.1 * rng.normal(size=16).astype(np.float32))  # noqa: E731
    calls = {"x": near(a), "y": near(a), "z": near(far), "w": near(b), "v": near(-b)}
    rows = ["x:1:1", "x:2:1", "y:1:1", "z:1:1"]
    pool = [PoolQuestion(q, "问", "问", q, date(2026, 1, 1), None, None) for q in rows]
    centre = np.mean(np.stack(list(calls.values())), axis=0)
    opts = TopicOptions.from_settings(SETTINGS["topics"])
    inputs = TopicInputs(date(2026, 1, 1), pool, {}, np.asarray([7]), near(a)[None, :], 100, set(rows), set(), 1)
    words = {"x": ["体检", "预约"], "y": ["体检"], "z": ["发票"]}
    plan = plan_calls(pool, range(len(pool)), words, [["理赔"], ["预约"]], calls, centre, inputs, opts, OPTS,
                      lambda kw, rep, said: kw[0][0])
    assert plan.calls == 3 and not plan.existing
    assert len(plan.new_topics) == 1
    topic = plan.new_topics[0]
    assert sorted(topic.members) == [0, 1, 2] and topic.method == NOVEL and topic.representative in (0, 2)
    assert topic.label == "体检" and topic.keywords[0][0] == "体检"   # the calls' own words, against the window
    assert plan.alone == [3]
    later = [PoolQuestion("u:1:1", "问", "问", "u", date(2026, 1, 2), None, None)]
    calls["u"] = near(a)
    inputs = TopicInputs(date(2026, 1, 2), later, {}, np.asarray([7, 100]),
                         np.stack([near(a), topic.centroid]), 101, {"u:1:1"}, {100}, 1)
    again = plan_calls(later, [0], {"u": ["体检"]}, [], calls, centre, inputs, opts, OPTS, lambda kw, rep, said: "体检")
    assert not again.new_topics and not again.alone
    assert {t for t, _ in again.existing.values()} == {100}


def test_novel_calls_are_grouped_by_what_the_agent_says_as_well():
    """Two callers tell different stories (orthogonal customer texts beyond what every call shares) and the agent
    answers both in the words of one process (the same agent text): with the agent's text in the call's vector they
    are one topic, without it (agent_weight 0) each is alone."""
    e = np.eye(16, dtype=np.float32)
    customer = {"x": unit(e[0] + e[1]), "y": unit(e[0] + e[2]), "z": unit(e[0] + e[5])}
    agent = {"x": unit(e[0] + e[3]), "y": unit(e[0] + e[3]), "z": unit(e[0] + e[4])}
    rows = ["x:1:1", "y:1:1", "z:1:1"]
    pool = [PoolQuestion(q, "问", "问", q, date(2026, 1, 1), None, None) for q in rows]
    opts = TopicOptions.from_settings(SETTINGS["topics"])
    inputs = TopicInputs(date(2026, 1, 1), pool, {}, np.zeros(0, dtype=np.int64), np.zeros((0, 16), np.float32), 100,
                         set(rows), set(), 1)
    words = {"x": ["报案"], "y": ["报案"], "z": ["发票"]}

    def plan(weight: float):
        vectors = {c: call_vector(customer[c], agent[c], weight) for c in customer}
        centre = vectors["x"][0] * e[0]   # what every call of the window shares (the same for all three)
        return plan_calls(pool, range(3), words, [["理赔"]], vectors, centre, inputs, opts, OPTS,
                          lambda kw, rep, said: kw[0][0])

    w = OPTS.agent_weight
    assert w > 0
    both = plan(w)
    assert [sorted(t.members) for t in both.new_topics] == [[0, 1]] and both.alone == [2]
    alone = plan(0.0)
    assert not alone.new_topics and sorted(alone.alone) == [0, 1, 2]


# Night-level inputs of synthetic vectors for nlp/topics.py compute (every text's vector given: no embedder runs):
# 20 reference calls of the window with agent text, and the night's novel calls.
_DIM = 96
_E = np.eye(_DIM, dtype=np.float32)


def _customer(i: int) -> np.ndarray:   # two calls' customer texts about 0.76 alike (m3e-small: 0.77)
    return unit(1.8 * _E[0] + _E[i])


def _agent(i: int) -> np.ndarray:      # two calls' agent texts about 0.87 alike (m3e-small on samples/: 0.87)
    return unit(2.6 * _E[0] + _E[i])


def _window_night(novel: dict[str, tuple[np.ndarray, np.ndarray | None]], night: date, ids=(), cents=(),
                  next_id=200) -> TopicInputs:
    from callintel.nlp.embed import text_key

    calls = {f"r{k:02d}": (_customer(1 + k), _agent(21 + k)) for k in range(20)} | novel
    call_texts = {c: f"客户{c}" for c in calls}
    agent_texts = {c: f"坐席{c}" for c, (_, a) in calls.items() if a is not None}
    vectors = {text_key(call_texts[c]): v for c, (v, _) in calls.items()}
    vectors |= {text_key(agent_texts[c]): a for c, (_, a) in calls.items() if a is not None}
    pool = [PoolQuestion(f"{c}:1:0", f"问{c}", f"问{c}", text_key(call_texts[c]), night, None, None) for c in novel]
    return TopicInputs(night, pool, vectors, np.asarray(ids, np.int64),
                       np.stack(cents).astype(np.float32) if cents else np.zeros((0, _DIM), np.float32),
                       next_id, {q.question_id for q in pool}, set(ids), 1, call_texts, agent_texts)


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
def test_calls_without_agent_turns_are_not_drawn_together(weight):
    """Two novel calls without agent text (stereo calls whose agent channel was silent, customer-only transcripts)
    about unrelated matters, on a night whose other calls have agent text: each stays alone ("other"), whatever the
    agent's weight (a sum longer than one vector, centred with the others, drew them together)."""
    from callintel.nlp.topics import compute

    settings = SETTINGS.with_overrides({"topics": {"keep_unnamed": True, "novelty": {"agent_weight": weight}}})
    r = compute(_window_night({"n1": (_customer(60), None), "n2": (_customer(61), None)}, date(2026, 1, 1)), settings)
    assert not r.topics
    assert {a.topic_id for a in r.assignments} == {1}


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
def test_a_novel_topic_is_as_near_its_own_calls_on_a_later_night(weight):
    """The same three calls (new ids) in the same window a night later are as near their topic's frozen centroid as
    they were when it was made, and keep it (a stored centroid is unit length; so must the calls be)."""
    from callintel.nlp.topics import compute

    settings = SETTINGS.with_overrides({"topics": {"keep_unnamed": True, "novelty": {"agent_weight": weight}}})
    novel = {f"m{k}": (unit(1.8 * _E[0] + 0.6 * _E[62] + _E[70 + k]), unit(2.6 * _E[0] + 0.5 * _E[63] + _E[80 + k]))
             for k in range(3)}
    first = compute(_window_night(novel, date(2026, 1, 1)), settings)
    (row,) = first.topics
    again = compute(_window_night({f"x{c}": v for c, v in novel.items()}, date(2026, 1, 5), [row.topic_id],
                                  [row.centroid], row.topic_id + 1), settings)
    assert not again.topics and {a.topic_id for a in again.assignments} == {row.topic_id}
    made = sorted(a.similarity for a in first.assignments)
    kept = sorted(a.similarity for a in again.assignments)
    assert np.allclose(kept, made, atol=0.05), (made, kept)


def test_a_call_vector_is_unit_length_and_the_customer_text_without_an_agent():
    rng = np.random.default_rng(0)
    c, a = unit(rng.normal(size=8).astype(np.float32)), unit(rng.normal(size=8).astype(np.float32))
    assert np.isclose(np.linalg.norm(call_vector(c, a, 0.5)), 1.0)
    assert call_vector(c, None, 0.5) is c and call_vector(c, a, 0.0) is c


def test_vote_table_gives_the_runner_up_and_folds_a_general_topic_into_its_specific_one():
    """The winner's vote and every other topic's: a general family topic's votes go to the specific winner."""
    from callintel.nlp.call_topics import vote_table

    mopts = MatchOptions.from_settings(SETTINGS["topics"]["taxonomy_match"])
    ct, votes = vote_table(["a", "b", "a"], [PHRASE, PHRASE, PHRASE], {}, mopts)
    assert ct.topic == "a" and votes["b"] == 1.0 and votes["a"] == mopts.first_question_weight + 1.0
    ct, votes = vote_table(["buy", "buy_med"], [PHRASE, PHRASE], {}, mopts, {"buy": "buy", "buy_med": "buy"},
                           {"buy": "buy"})
    assert ct.topic == "buy_med" and "buy" not in votes and votes["buy_med"] == ct.score


def _night(rng, n: int = 10):
    """A night of `n` calls that one topic's key phrases win clearly (questions near its examples), and one call
    a stray phrase gives the same topic once, its question far from every example."""
    from callintel.nlp.novelty import CallEvidence

    dim = 16
    ex = unit(rng.normal(size=(3, dim)))
    shared = rng.normal(size=dim)
    evidence, qv, cv = {}, {}, {}
    for i in range(n):
        c = f"c{i}"
        evidence[c] = CallEvidence("t", 6.0 + i % 3, 1.0, (f"{c}:1:1", f"{c}:2:1"), 2)
        qv |= {f"{c}:{k + 1}:1": unit(ex[k] + 0.1 * rng.normal(size=dim)) for k in (0, 1)}
        cv[c] = 3 * shared + ex[0] + 0.2 * rng.normal(size=dim)
    evidence["odd"] = CallEvidence("t", 0.5, 0.0, ("odd:1:1",), 0)
    qv["odd:1:1"] = unit(rng.normal(size=dim))
    cv["odd"] = 3 * shared - ex[0] + 0.2 * rng.normal(size=dim)
    return evidence, qv, cv, ex, ["t"] * len(ex)


def test_learned_novelty_flags_the_call_the_taxonomy_explains_weakly():
    """The shipped model flags the call with a weak vote whose words are far from the winning topic's examples and
    leaves the night's clearly explained calls alone; a night below min_calls is not judged."""
    from callintel.nlp.novelty_model import FEATURES, learned_novel, night_features

    evidence, qv, cv, ex, slugs = _night(np.random.default_rng(1))
    calls, X = night_features(evidence, qv, ex, slugs, cv)
    odd = calls.index("odd")
    vote, likeness = FEATURES.index("vote"), FEATURES.index("winner_example_abs")
    assert X[odd, vote] == X[:, vote].min() and X[odd, likeness] == X[:, likeness].min()
    asked: list[str] = []

    def embed(calls):   # the call texts the judgement asks for: the night's sample and its candidates only
        asked.extend(calls)
        return {c: cv[c] for c in calls}

    assert learned_novel(evidence, LEARNED, OPTS, qv, embed, ex, slugs) == {"odd"}
    assert "odd" in asked
    few = {c: evidence[c] for c in list(evidence)[: OPTS.min_calls - 2]} | {"odd": evidence["odd"]}
    assert learned_novel(few, LEARNED, OPTS, qv, embed, ex, slugs) == set()
    small = replace(OPTS, reference_calls=3)
    asked.clear()
    assert learned_novel(evidence, LEARNED, small, qv, embed, ex, slugs) == {"odd"}
    assert len(asked) <= 4


def test_missing_evidence_moves_no_call_toward_novel():
    """A taxonomy without examples, or calls without question vectors, leave the likeness features without
    evidence: read as the training mean, they flag none of a night of clearly explained calls (the night's
    minimum or 0 would have flagged them all); vectors are required when a model is set."""
    from callintel.nlp.novelty import novel_questions
    from callintel.nlp.novelty_model import learned_novel

    evidence, qv, cv, ex, slugs = _night(np.random.default_rng(1))
    clear = {c: e for c, e in evidence.items() if c != "odd"}
    none = np.zeros((0, ex.shape[1]))
    assert learned_novel(clear, LEARNED, OPTS, qv, lambda cs: {c: cv[c] for c in cs}, ex, slugs) == set()
    assert learned_novel(clear, LEARNED, OPTS, qv, lambda cs: {c: cv[c] for c in cs}, none, []) == set()
    assert learned_novel(clear, LEARNED, OPTS, {}, lambda cs: {c: cv[c] for c in cs}, ex, slugs) == set()
    with pytest.raises(ValueError, match="vectors"):
        novel_questions([("c0:1:1", None, None)], {"c0": [(1, "你好")]}, LEARNED)


def test_a_novelty_model_file_of_unknown_features_is_refused(tmp_path):
    from callintel.model_json import ModelFile, ModelFileError
    from callintel.nlp.novelty_model import KIND, load_model

    path = tmp_path / "novelty.json"
    path.write_text(ModelFile(KIND, {"loudness": 1.0, "intercept": 0.0}, {},
                              {"features": ["loudness"], "mean": [0.0], "scale": [1.0]}).to_json(), encoding="utf-8")
    with pytest.raises(ModelFileError, match="loudness"):
        load_model(str(path))


def _night_of_one_odd_call() -> tuple[list, dict]:
    """(matches, turns) of a night whose calls all say one topic's key phrase three times, and one call that hits no
    key phrase at all (odd:1:1)."""
    tax = load_taxonomy(SETTINGS)
    phrase = (tax.topics[0].strong or tax.topics[0].phrases)[0].replace("+", "")
    n = OPTS.min_calls + 2
    matches = [(f"c{i}:{k}:1", tax.topics[0].slug, PHRASE) for i in range(n) for k in (1, 2, 3)]
    turns = {f"c{i}": [(k, phrase) for k in (1, 2, 3)] for i in range(n)}
    matches.append(("odd:1:1", None, None))
    turns["odd"] = [(1, "我想约个体检")]
    return matches, turns


def test_without_a_model_file_the_vote_ratio_decides():
    """[topics.novelty] model = "": the night's calls judged by the vote ratio alone, no vector read."""
    from callintel.nlp.novelty import novel_questions

    matches, turns = _night_of_one_odd_call()
    ratio = SETTINGS.with_overrides({"topics": {"novelty": {"model": ""}}})
    assert novel_questions(matches, turns, ratio) == {"odd:1:1"}


def test_with_a_model_file_the_vote_still_flags_what_it_flags():
    """The learned judgement adds to the vote's verdict, never clears it: a call that hits no key phrase at all is
    novel with the shipped model as without it, whatever the model makes of its (here, absent) vectors."""
    from callintel.nlp.novelty import novel_questions

    matches, turns = _night_of_one_odd_call()
    ex = np.eye(4, dtype=np.float32)
    assert "odd:1:1" in novel_questions(matches, turns, LEARNED, {}, lambda calls: {}, ex)


def test_the_configured_threshold_is_the_one_the_trainer_chose():
    """[topics.novelty] threshold is the trainer's rule applied when the shipped file was fitted (its meta): a
    retrained file with the old threshold would flag another share of calls than the one measured."""
    from callintel.model_json import read
    from callintel.nlp.novelty_model import KIND

    meta = read(SETTINGS.config_file(SETTINGS["topics"]["novelty"]["model"]), KIND, "").meta
    assert SETTINGS["topics"]["novelty"]["threshold"] == meta["threshold_at_false_share"]["threshold"]
    assert set(meta["left_out"]) >= {"life", "health"} | {Path(f).name for f in SETTINGS["training"]["read_sets"]}


def test_eval_says_what_the_novelty_model_learned_on():
    """`eval calls` reports the topic figures of the sets the novelty model learned on as in-sample, from its meta,
    and says so when no model is set."""
    from callintel.evaluation.calls import _novelty_provenance

    said = _novelty_provenance(SETTINGS)
    assert "in-sample" in said and all(Path(f).name in said for f in SETTINGS["training"]["read_sets"])
    assert _novelty_provenance(SETTINGS.with_overrides({"topics": {"novelty": {"model": ""}}})).endswith("alone")

"""Loads and stores of the questions, topics and call_topics steps (tables in warehouse/sql/150_baseline.sql).

One writer per table. The questions step writes `questions`; the topics step (taxonomy match, then clustering
of what is left: nlp/topic_step.py) writes `topics`, `question_topics` and `question_follow_ups`; the
call_topics step writes `call_question_topics` and `call_topics`; views join them (v_question_topics,
v_topic_names). Why one topics step rather than a taxonomy step and a clustering step with a table each:
both decide the same fact (a question's topic by its own words) and hand out ids in the same sequence, so
splitting them needed two writers of `question_topics` deleting each other's rows by method, known topics
created by one step and discovered by the other, and a follow-up mark written into the questions step's
table. As one step, ids come from one counter read once a night, and a rerun replaces what the step wrote.
Analysts' names (configs/topic_names.toml) are applied by that same step, the owner of `topics`.

A night's topic run is undone before it is redone (`prepare`): the assignments it made (also the
revised ones of pooled questions from earlier nights) and the topics it created that nothing else
uses are removed; the rerun recomputes the same plan (it depends on the pool's questions and the
older topics only), so it leaves the same rows. The call_topics step's refinements of a redone night are
not the topics step's to delete: `prepare` records the run in `topic_runs`, which makes them stale (each
remembers the run it was made over, `over_run_at`); the views and the pool ignore stale ones, and the
call_topics step redoes their nights. topic_daily is derived: a SQL file recomputed after every run (`finish`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import astuple, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from callintel.nlp.call_topics import (
    CallQuestion,
    CallTopicInputs,
    CallTopicResult,
    CallTopicRow,
    call_text,
    load_names,
)
from callintel.nlp.embed import text_key
from callintel.nlp.novelty import NOVEL
from callintel.nlp.questions import CustomerTurn, NightQuestions, NightTurns
from callintel.nlp.taxonomy import load_taxonomy
from callintel.nlp.topic_step import MATCHED, KnownTopic, NightQuestion, TopicStepInputs, TopicStepResult
from callintel.nlp.topics import PoolQuestion
from callintel.settings import Settings
from callintel.warehouse.db import replace_rows, transaction
from callintel.warehouse.derived import refresh, write_params

log = logging.getLogger(__name__)

QUESTION_COLUMNS = ("question_id", "call_id", "seq", "part", "night", "asked_at", "text", "core", "cue",
                    "text_sha256")
CALL_TOPIC_COLUMNS = (*(f.name for f in fields(CallTopicRow)), "assigned_at")
CLUSTERED = ("absorbed", "discovered", NOVEL)  # methods the pool re-clustering may revise (the rest: MATCHED)
ASSIGN_COLUMNS = ("question_id", "topic_id", "similarity", "method", "assigned_night")
REFINE_COLUMNS = (*ASSIGN_COLUMNS, "over_run_at")
# the call_topics step's refinements made over the topics step's latest run of their night (v_question_topics keeps
# the same ones): one made before the topics step took its night back is stale until the call_topics step redoes it
CURRENT_REFINEMENTS = """SELECT c.* FROM call_question_topics c LEFT JOIN topic_runs r ON r.night = c.assigned_night
                         WHERE c.over_run_at IS NOT DISTINCT FROM r.run_at"""


def _now() -> datetime:
    return datetime.now(UTC)


def load_turns(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> NightTurns:
    """The night's customer utterances, in call and time order (the questions step's input)."""
    (night,) = nights
    rows = con.execute("""
        SELECT u.call_id, u.seq, u.text, c.started_at + to_microseconds(CAST(u.start_s * 1e6 AS BIGINT))
        FROM utterances u JOIN calls c USING (call_id)
        WHERE c.night = ? AND u.speaker = 'customer'
        ORDER BY u.call_id, u.seq""", [night]).fetchall()
    return NightTurns(night, [CustomerTurn(*r) for r in rows])


def store_questions(con: duckdb.DuckDBPyConnection, result: NightQuestions, settings: Settings) -> dict[str, Any]:
    """Replace the night's questions (their topics are redone by the topics step, which requires this one)."""
    with transaction(con):
        replace_rows(con, "questions", "night", [result.night], QUESTION_COLUMNS, [astuple(r) for r in result.rows])
    return {"questions": len(result.rows), "customer_turns": result.customer_turns}


def cached_vectors(con: duckdb.DuckDBPyConnection, keys: Sequence[str], model: str) -> dict[str, np.ndarray]:
    if not keys:
        return {}
    res = con.execute("""SELECT text_sha256, vector FROM embedding_cache
                         WHERE model = ? AND text_sha256 IN (SELECT unnest(?))""", [model, list(keys)]).fetchnumpy()
    return {k: np.asarray(v, dtype=np.float32) for k, v in zip(res["text_sha256"], res["vector"], strict=True)}


def store_vectors(con: duckdb.DuckDBPyConnection, vectors: dict[str, np.ndarray], model: str) -> int:
    """Cache text_key -> vector (a step's new embeddings) for `model`."""
    if not vectors:
        return 0
    con.execute("""INSERT OR REPLACE INTO embedding_cache
                   SELECT k, ?, v, ? FROM (SELECT unnest(?) AS k, unnest(?) AS v)""",
                [model, _now(), list(vectors), np.stack(list(vectors.values())).astype(np.float32).tolist()])
    return len(vectors)


def undo_night(con: duckdb.DuckDBPyConnection, night: date) -> None:
    """Remove the clustering rows an earlier run of `night` wrote (call inside a transaction).

    The night's taxonomy matches and follow-up marks are replaced by the store. The run is recorded first
    (topic_runs), so the call_topics step's refinements of the night are stale: a topic only they still name
    is removed like one nothing names, and the call_topics step redoes them over the new assignments.
    """
    con.execute("INSERT OR REPLACE INTO topic_runs VALUES (?, ?)", [night, _now()])
    redo = list(CLUSTERED)
    con.execute("DELETE FROM question_topics WHERE assigned_night = ? AND method IN (SELECT unnest(?))",
                [night, redo])
    con.execute("""DELETE FROM question_topics WHERE method IN (SELECT unnest(?)) AND question_id IN
                   (SELECT question_id FROM questions WHERE night = ?)""", [redo, night])
    con.execute(f"""DELETE FROM topics WHERE created_night = ? AND source = 'discovered'
                   AND topic_id NOT IN (SELECT DISTINCT topic_id FROM question_topics)
                   AND topic_id NOT IN (SELECT DISTINCT topic_id FROM call_topics)
                   AND topic_id NOT IN (SELECT DISTINCT topic_id FROM ({CURRENT_REFINEMENTS}))""", [night])


def prepare(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> list[date]:
    """The nights to (re)do, oldest first, with what earlier runs of them wrote undone.

    A night's topics depend on every night before it (existing topics, pooled questions), so when an
    earlier night is rerun, the nights already processed after it are redone too: all of them are undone
    latest first, then run oldest first, which hands out the same topic ids as the first time.
    """
    todo = with_later_nights(con, nights, settings)
    with transaction(con):
        for n in reversed(todo):
            undo_night(con, n)
    return todo


def load_night(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> TopicStepInputs:
    """The night's questions, the earlier questions clustering decides (not follow-ups, not taxonomy matches, not
    made specific by their call over the latest run of their night) of the `pool_nights` before it, cached vectors,
    the topics and the next free id."""
    (night,) = nights
    cfg = settings["topics"]
    tonight = [NightQuestion(*r) for r in con.execute("""SELECT question_id, text, core, text_sha256 FROM questions
                                                         WHERE night = ? ORDER BY question_id""", [night]).fetchall()]
    rows = con.execute(f"""
        SELECT q.question_id, q.text, q.core, q.text_sha256, q.night, t.topic_id, t.similarity, t.method
        FROM questions q LEFT JOIN question_topics t USING (question_id)
        WHERE q.night >= ? AND q.night < ?
          AND q.question_id NOT IN (SELECT question_id FROM question_follow_ups)
          AND (t.method IS NULL OR t.method IN (SELECT unnest(?)))
          AND q.question_id NOT IN (SELECT question_id FROM ({CURRENT_REFINEMENTS}) WHERE method = 'family')
        ORDER BY q.night, q.question_id""", [night - timedelta(days=int(cfg["pool_nights"])), night,
                                             list(CLUSTERED)]).fetchall()
    earlier = [PoolQuestion(*r) for r in rows]
    examples, _ = load_taxonomy(settings).examples()
    keys = sorted({q.key for q in tonight} | {q.key for q in earlier} | {text_key(e) for e in examples})
    known = dict(con.execute("SELECT slug, topic_id FROM topics WHERE slug IS NOT NULL").fetchall())
    # a cluster may keep a discovered or a taxonomy topic; not "other", which has no meaning to be near
    res = con.execute("SELECT topic_id, centroid FROM topics WHERE model = ? AND source <> 'other' ORDER BY topic_id",
                      [cfg["model"]]).fetchnumpy()
    ids = np.asarray(res["topic_id"], dtype=np.int64)
    C = np.stack(res["centroid"]).astype(np.float32) if len(ids) else np.zeros((0, 0), dtype=np.float32)
    next_id = int(con.execute("SELECT coalesce(max(topic_id), 0) + 1 FROM topics").fetchone()[0])
    # the customer's words: how well the taxonomy explains tonight's calls, and what the window's calls are about;
    # the agent's words too: what novel calls are grouped by beside the customer's (nlp/topics.py plan_calls)
    window: dict[str, list[tuple[int, str]]] = {}
    agent: dict[str, list[tuple[int, str]]] = {}
    for c, speaker, seq, text in con.execute(
            """SELECT u.call_id, u.speaker, u.seq, u.text FROM utterances u JOIN calls c USING (call_id)
               WHERE c.night >= ? AND c.night <= ? AND u.speaker IN ('customer', 'agent')
               ORDER BY u.call_id, u.seq""", [night - timedelta(days=int(cfg["pool_nights"])), night]).fetchall():
        (window if speaker == "customer" else agent).setdefault(c, []).append((seq, text or ""))
    nights_of = dict(con.execute("SELECT call_id, night FROM calls WHERE night >= ? AND night <= ?",
                                 [night - timedelta(days=int(cfg["pool_nights"])), night]).fetchall())
    texts = {c: call_text(ts) for c, ts in window.items()}
    agent_texts = {c: call_text(ts) for c, ts in agent.items() if c in texts}
    novel_ids = {t for (t,) in con.execute("SELECT DISTINCT topic_id FROM question_topics WHERE method = ?",
                                           [NOVEL]).fetchall()}
    # the earlier nights' questions, all of them: which of their calls were novel is judged again, never read back
    before = [(NightQuestion(*r[:4]), r[4]) for r in con.execute(
        """SELECT question_id, text, core, text_sha256, night FROM questions WHERE night >= ? AND night < ?
           ORDER BY night, question_id""", [night - timedelta(days=int(cfg["pool_nights"])), night]).fetchall()]
    keys = sorted(set(keys) | {text_key(t) for t in (*texts.values(), *agent_texts.values())}
                  | {q.key for q, _ in before})
    return TopicStepInputs(night, tonight, earlier, cached_vectors(con, keys, cfg["model"]), known, ids, C, next_id,
                           {c: ts for c, ts in window.items() if nights_of.get(c) == night}, texts, novel_ids,
                           before, {c: ts for c, ts in window.items() if nights_of.get(c) != night}, nights_of,
                           agent_texts)


def store_known(con: duckdb.DuckDBPyConnection, known: Sequence[KnownTopic], night: date, model: str) -> None:
    """Insert the new taxonomy and "other" topics with the ids compute gave them; the others' label follows the
    taxonomy name unless an analyst named them. They are never undone with a night: a slug keeps its id for ever."""
    new = [k for k in known if k.new]
    if new:
        con.executemany("""INSERT INTO topics (topic_id, label, keywords, representative, representative_question_id,
                           created_night, initial_size, model, centroid, created_at, slug, source, label_source)
                           VALUES (?, ?, '[]', ?, NULL, ?, 0, ?, ?, ?, ?, ?, 'taxonomy')""",
                        [(k.topic_id, k.row.name, k.row.representative, night, model,
                          np.asarray(k.row.centroid, dtype=np.float32).tolist(), _now(), k.row.slug, k.row.source)
                         for k in new])
    old = [(k.row.name, k.topic_id) for k in known if not k.new]
    if old:
        con.executemany("UPDATE topics SET label = ? WHERE topic_id = ? AND label_source = 'taxonomy'", old)


def store_night(con: duckdb.DuckDBPyConnection, result: TopicStepResult, settings: Settings) -> dict[str, Any]:
    """Known topics, the night's matches and follow-up marks, then what the clustering changed, and analysts' names:
    the topics step's tables (topics, question_topics, question_follow_ups), in one transaction."""
    model, night = settings["topics"]["model"], result.night
    store_vectors(con, result.new_vectors, model)
    with transaction(con):
        store_known(con, result.known, night, model)
        con.execute("DELETE FROM question_topics WHERE method IN (SELECT unnest(?)) AND question_id IN "
                    "(SELECT question_id FROM questions WHERE night = ?)", [list(MATCHED), night])
        con.execute("DELETE FROM question_topics WHERE question_id NOT IN (SELECT question_id FROM questions)")
        replace_rows(con, "question_follow_ups", "night", [night], ("question_id", "night"),
                     [(q, night) for q in result.follow_ups])
        replace_rows(con, "question_topics", "question_id", [m.question_id for m in result.matches],
                     ASSIGN_COLUMNS, [astuple(m) for m in result.matches])
        if result.topics:
            con.executemany("""INSERT INTO topics (topic_id, label, keywords, representative,
                               representative_question_id, created_night, initial_size, model, centroid, created_at)
                               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                            [(t.topic_id, t.label, json.dumps(t.keywords, ensure_ascii=False), t.representative,
                              t.representative_question_id, t.created_night, t.initial_size, t.model,
                              np.asarray(t.centroid, dtype=np.float32).tolist(), _now()) for t in result.topics])
        if result.dropped:
            con.execute("DELETE FROM question_topics WHERE question_id IN (SELECT unnest(?))", [result.dropped])
        replace_rows(con, "question_topics", "question_id", [a.question_id for a in result.assignments],
                     ASSIGN_COLUMNS, [astuple(a) for a in result.assignments])
        apply_names(con, load_names(settings))
    log.info("topics %s: %s", night, result.summary)
    return result.summary

def finish(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> dict[str, Any]:
    """topic_daily, recomputed by warehouse/sql/derived/topic_daily.sql with the [topics.trend] settings."""
    with transaction(con):
        cfg = settings["topics"]
        write_params(con, "topics", {"trend": cfg["trend"], "pool_nights": cfg["pool_nights"]})
        refresh(con, "topic_daily")
    return {"topic_daily_rows": int(con.execute("SELECT count(*) FROM topic_daily").fetchone()[0])}


# --- the call_topics step: follow-ups take the topic of what they follow, every call gets its main topic

def with_later_nights(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> list[date]:
    """The nights and every later night with questions, oldest first: a rerun of a night redoes the topics of
    every night after it (the topics step), so their call topics are redone too (the call_topics step)."""
    if not nights:
        return []
    later = [n for (n,) in con.execute("SELECT DISTINCT night FROM questions WHERE night > ?",
                                       [min(nights)]).fetchall()]
    return sorted(set(nights) | set(later))


def call_topic_nights(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> list[date]:
    """The nights whose call topics may have changed, oldest first: the nights, every later night (redone by
    the topics step), the `pool_nights` before them, whose questions tonight's re-clustering may have
    moved or left without a topic (nlp/topics.py rule 1), and any night whose refinements the topics step made
    stale by redoing it since (a topics rerun on its own)."""
    if not nights:
        return []
    start = min(nights) - timedelta(days=int(settings["topics"]["pool_nights"]))
    earlier = [n for (n,) in con.execute("SELECT DISTINCT night FROM questions WHERE night >= ? AND night < ?",
                                         [start, min(nights)]).fetchall()]
    stale = [n for (n,) in con.execute(f"""SELECT DISTINCT assigned_night FROM call_question_topics
                                           WHERE question_id NOT IN (SELECT question_id FROM ({CURRENT_REFINEMENTS}))
                                           UNION
                                           -- a night with no refinement: its call topics are older than its run
                                           SELECT r.night FROM topic_runs r JOIN call_topics ct ON ct.night = r.night
                                           GROUP BY r.night, r.run_at HAVING max(ct.assigned_at) < r.run_at
                                           """).fetchall()]
    return sorted(set(earlier) | set(stale) | set(with_later_nights(con, nights, settings)))


def load_call_topics(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> CallTopicInputs:
    """The night's questions with their topics, every call's customer turns and agent words, the known topics' ids,
    vectors."""
    (night,) = nights
    # what this step wrote before (call_question_topics) is recomputed, not read back; the store replaces it
    questions = [CallQuestion(*r) for r in con.execute("""
        SELECT q.call_id, q.question_id, q.seq, CASE WHEN f.question_id IS NULL THEN 'own' ELSE 'follow_up' END,
               q.text, t.topic_id, t.method, t.similarity FROM questions q
        LEFT JOIN question_topics t ON t.question_id = q.question_id
        LEFT JOIN question_follow_ups f ON f.question_id = q.question_id
        WHERE q.night = ? ORDER BY q.call_id, q.seq, q.part""", [night]).fetchall()]
    turns_of: dict[str, list[tuple[int, str]]] = {}
    for t in load_turns(con, [night], settings).turns:
        turns_of.setdefault(t.call_id, []).append((t.seq, t.text or ""))
    ids = dict(con.execute("SELECT slug, topic_id FROM topics WHERE slug IS NOT NULL").fetchall())
    examples, _ = load_taxonomy(settings).examples()
    keys = sorted({text_key(e) for e in examples} | {text_key(call_text(ts)) for ts in turns_of.values()})
    agent_of: dict[str, list[tuple[int, str]]] = {}
    for c, seq, text in con.execute("""SELECT u.call_id, u.seq, u.text FROM utterances u JOIN calls c USING (call_id)
                                       WHERE c.night = ? AND u.speaker = 'agent' ORDER BY u.call_id, u.seq""",
                                    [night]).fetchall():
        agent_of.setdefault(c, []).append((seq, text or ""))
    return CallTopicInputs(night, questions, turns_of, ids, cached_vectors(con, keys, settings["topics"]["model"]),
                           {c: call_text(ts) for c, ts in agent_of.items()})


def store_call_topics(con: duckdb.DuckDBPyConnection, result: CallTopicResult, settings: Settings) -> dict[str, Any]:
    """The context/family assignments (call_question_topics) and the night's call_topics, in one transaction."""
    store_vectors(con, result.new_vectors, settings["topics"]["model"])
    now = _now()
    before = dict(con.execute("SELECT call_id, topic_id FROM call_topics WHERE night = ?", [result.night]).fetchall())
    run = con.execute("SELECT run_at FROM topic_runs WHERE night = ?", [result.night]).fetchone()
    with transaction(con):
        undo_call_topics(con, result.night)
        replace_rows(con, "call_question_topics", "question_id", [a[0] for a in result.assignments],
                     REFINE_COLUMNS, [(*a, run[0] if run else None) for a in result.assignments])
        replace_rows(con, "call_topics", "night", [result.night], CALL_TOPIC_COLUMNS,
                     [(*astuple(r), now) for r in result.calls])
    after = {r.call_id: r.topic_id for r in result.calls}
    changed = sum(before.get(c) != t for c, t in after.items()) + len(before.keys() - after.keys())
    out = {"by_context": len(result.assignments), "calls": len(result.calls),
           "calls_other": sum(1 for r in result.calls if r.method == "other"), "unclustered": result.unclustered,
           "changed_calls": changed}
    return out


def undo_call_topics(con: duckdb.DuckDBPyConnection, night: date) -> None:
    """Take back what the call_topics step wrote for the night's questions (call inside a transaction): its
    rows of call_question_topics, stale or not; question_topics, the topics step's, is left as it wrote it. Only
    the call_topics step calls it: a topics rerun makes these rows stale (topic_runs) instead of deleting them."""
    con.execute("""DELETE FROM call_question_topics WHERE assigned_night = ?
                   OR question_id IN (SELECT question_id FROM questions WHERE night = ?)""", [night, night])


def apply_names(con: duckdb.DuckDBPyConnection, names: dict[int, str]) -> int:
    """Labels analysts set (configs/topic_names.toml) replace any other; ids not in the warehouse are ignored.
    The topics step, which owns `topics`, applies them after each night's topics are written."""
    if names:
        con.executemany("UPDATE topics SET label = ?, label_source = 'analyst' WHERE topic_id = ?",
                        [(name, tid) for tid, name in names.items()])
    return len(names)

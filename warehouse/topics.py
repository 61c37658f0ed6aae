"""Loads and stores of the questions and topics steps (warehouse/sql/010_topics.sql).

A night's topic run is undone before it is redone (`prepare`): the assignments it made (also the
revised ones of pooled questions from earlier nights) and the topics it created that nothing else
uses are removed; the rerun recomputes the same plan (it depends on the pool's questions and the
older topics only), so it leaves the same rows. topic_daily is derived: a SQL file recomputed after
every run (`finish`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np

from callintel.nlp.questions import CustomerTurn, NightQuestions, NightTurns
from callintel.nlp.topics import PoolQuestion, TopicInputs, TopicResult
from callintel.settings import Settings
from callintel.warehouse.db import replace_rows, transaction
from callintel.warehouse.derived import refresh, write_params

log = logging.getLogger(__name__)

QUESTION_COLUMNS = ("question_id", "call_id", "seq", "part", "night", "asked_at", "text", "core", "cue",
                    "text_sha256")
ASSIGN_COLUMNS = ("question_id", "topic_id", "similarity", "method", "assigned_night")


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


def store_vectors(con: duckdb.DuckDBPyConnection, keys: Sequence[str], model: str, X: np.ndarray) -> int:
    if not len(keys):
        return 0
    con.execute("""INSERT OR REPLACE INTO embedding_cache
                   SELECT k, ?, v, ? FROM (SELECT unnest(?) AS k, unnest(?) AS v)""",
                [model, _now(), list(keys), X.astype(np.float32).tolist()])
    return len(keys)


def undo_night(con: duckdb.DuckDBPyConnection, night: date) -> None:
    """Remove the topic rows an earlier run of `night` wrote (call inside a transaction)."""
    con.execute("DELETE FROM question_topics WHERE assigned_night = ?", [night])
    con.execute("""DELETE FROM question_topics WHERE question_id IN
                   (SELECT question_id FROM questions WHERE night = ?)""", [night])
    con.execute("""DELETE FROM topics WHERE created_night = ?
                   AND topic_id NOT IN (SELECT DISTINCT topic_id FROM question_topics)""", [night])


def prepare(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> list[date]:
    """The nights to (re)do, oldest first, with what earlier runs of them wrote undone.

    A night's topics depend on every night before it (existing topics, pooled questions), so when an
    earlier night is rerun, the nights already processed after it are redone too: all of them are undone
    latest first, then run oldest first, which hands out the same topic ids as the first time.
    """
    if not nights:
        return []
    first = min(nights)
    later = [n for (n,) in con.execute("SELECT DISTINCT night FROM questions WHERE night > ?", [first]).fetchall()]
    todo = sorted(set(nights) | set(later))
    with transaction(con):
        for n in reversed(todo):
            undo_night(con, n)
    return todo


def load_pool(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> TopicInputs:
    """Every question of the night and the `pool_nights` before it, their cached vectors and the topics."""
    (night,) = nights
    cfg = settings["topics"]
    rows = con.execute("""
        SELECT q.question_id, q.text, q.core, q.text_sha256, q.night, t.topic_id, t.similarity FROM questions q
        LEFT JOIN question_topics t USING (question_id)
        WHERE q.night BETWEEN ? AND ?
        ORDER BY q.night, q.question_id""", [night - timedelta(days=int(cfg["pool_nights"])), night]).fetchall()
    pool = [PoolQuestion(*r) for r in rows]
    res = con.execute("SELECT topic_id, centroid FROM topics WHERE model = ? ORDER BY topic_id",
                      [cfg["model"]]).fetchnumpy()
    ids = np.asarray(res["topic_id"], dtype=np.int64)
    C = np.stack(res["centroid"]).astype(np.float32) if len(ids) else np.zeros((0, 0), dtype=np.float32)
    next_id = int(con.execute("SELECT coalesce(max(topic_id), 0) + 1 FROM topics").fetchone()[0])
    return TopicInputs(night, pool, cached_vectors(con, sorted({q.key for q in pool}), cfg["model"]), ids, C, next_id)


def store_topics(con: duckdb.DuckDBPyConnection, result: TopicResult, settings: Settings) -> dict[str, Any]:
    """Write what the night's plan changed, in one transaction; returns the plan's figures."""
    store_vectors(con, list(result.new_vectors), settings["topics"]["model"],
                  np.stack(list(result.new_vectors.values())) if result.new_vectors else np.zeros((0, 0)))
    with transaction(con):
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
    log.info("topics %s: %s", result.night, result.summary)
    return result.summary


def finish(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> dict[str, Any]:
    """topic_daily, recomputed by warehouse/sql/derived/topic_daily.sql with the [topics.trend] settings."""
    with transaction(con):
        cfg = settings["topics"]
        write_params(con, "topics", {"trend": cfg["trend"], "pool_nights": cfg["pool_nights"]})
        refresh(con, "topic_daily")
    return {"topic_daily_rows": int(con.execute("SELECT count(*) FROM topic_daily").fetchone()[0])}

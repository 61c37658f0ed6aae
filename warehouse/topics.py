"""Loads and stores of the hot-question tables (warehouse/sql/010_topics.sql).

A night's topic run is undone before it is redone: its questions, the assignments it made
(also the revised ones of pooled questions from earlier nights) and the topics it created that
nothing else uses are removed; the rerun recomputes the same plan (it depends on the pool's
questions and the older topics only), so it leaves the same rows. topic_daily is derived, recomputed
from questions and question_topics for the nights that can have changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import numpy as np

from callintel.warehouse.db import replace_rows

QUESTION_COLUMNS = ("question_id", "call_id", "seq", "part", "night", "asked_at", "text", "core", "cue",
                    "text_sha256")
ASSIGN_COLUMNS = ("question_id", "topic_id", "similarity", "method", "assigned_night")


def _now() -> datetime:
    return datetime.now(UTC)


def customer_turns(con: duckdb.DuckDBPyConnection, night: date) -> list[tuple[str, int, str, datetime | None]]:
    """(call_id, seq, text, asked_at) of the night's customer utterances, in call and time order."""
    return con.execute("""
        SELECT u.call_id, u.seq, u.text, c.started_at + to_microseconds(CAST(u.start_s * 1e6 AS BIGINT))
        FROM utterances u JOIN calls c USING (call_id)
        WHERE c.night = ? AND u.speaker = 'customer'
        ORDER BY u.call_id, u.seq""", [night]).fetchall()


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
    """Remove what an earlier run of `night` wrote (call inside a transaction)."""
    con.execute("DELETE FROM question_topics WHERE assigned_night = ?", [night])
    con.execute("""DELETE FROM question_topics WHERE question_id IN
                   (SELECT question_id FROM questions WHERE night = ?)""", [night])
    con.execute("DELETE FROM questions WHERE night = ?", [night])
    con.execute("""DELETE FROM topics WHERE created_night = ?
                   AND topic_id NOT IN (SELECT DISTINCT topic_id FROM question_topics)""", [night])


def write_questions(con: duckdb.DuckDBPyConnection, night: date, rows: Sequence[Sequence[Any]]) -> int:
    return replace_rows(con, "questions", "night", [night], QUESTION_COLUMNS, rows)


def load_topics(con: duckdb.DuckDBPyConnection, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(topic ids, centroid matrix) of the topics made with `model`, in id order."""
    res = con.execute("SELECT topic_id, centroid FROM topics WHERE model = ? ORDER BY topic_id", [model]).fetchnumpy()
    ids = np.asarray(res["topic_id"], dtype=np.int64)
    if not len(ids):
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.stack(res["centroid"]).astype(np.float32)


def pool_questions(con: duckdb.DuckDBPyConnection, first: date,
                   last: date) -> list[tuple[str, str, str, str, date, int | None, float | None]]:
    """(question_id, text, core, text_sha256, night, topic_id or None, similarity or None) of every
    question asked in [first, last], in night and id order: the pool a night re-clusters."""
    return con.execute("""
        SELECT q.question_id, q.text, q.core, q.text_sha256, q.night, t.topic_id, t.similarity FROM questions q
        LEFT JOIN question_topics t USING (question_id)
        WHERE q.night BETWEEN ? AND ?
        ORDER BY q.night, q.question_id""", [first, last]).fetchall()


def drop_assignments(con: duckdb.DuckDBPyConnection, question_ids: Sequence[str]) -> int:
    """Remove the topic of these questions (a revision found them to be noise)."""
    if question_ids:
        con.execute("DELETE FROM question_topics WHERE question_id IN (SELECT unnest(?))", [list(question_ids)])
    return len(question_ids)


def next_topic_id(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT coalesce(max(topic_id), 0) + 1 FROM topics").fetchone()[0])


def write_topics(con: duckdb.DuckDBPyConnection, rows: Sequence[dict[str, Any]]) -> int:
    if not rows:
        return 0
    con.executemany("""INSERT INTO topics (topic_id, label, keywords, representative, representative_question_id,
                       created_night, initial_size, model, centroid, created_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(r["topic_id"], r["label"], json.dumps(r["keywords"], ensure_ascii=False), r["representative"],
                      r["representative_question_id"], r["created_night"], r["initial_size"], r["model"],
                      np.asarray(r["centroid"], dtype=np.float32).tolist(), _now()) for r in rows])
    return len(rows)


def write_assignments(con: duckdb.DuckDBPyConnection, rows: Sequence[Sequence[Any]]) -> int:
    """Insert (question_id, topic_id, similarity, method, assigned_night); question_id is the key."""
    return replace_rows(con, "question_topics", "question_id", [r[0] for r in rows], ASSIGN_COLUMNS, rows)


def refresh_daily(con: duckdb.DuckDBPyConnection, since: date, trend: dict[str, Any]) -> int:
    """Recompute topic_daily for every processed night from `since` on (counts, 7-night mean, trend)."""
    window = int(trend.get("window_nights", 7))
    con.execute("DELETE FROM topic_daily WHERE night >= ?", [since])
    con.execute(f"""
        INSERT INTO topic_daily (topic_id, night, questions, calls, prev7_avg, change_pct, first_seen, trend)
        WITH nights AS (SELECT DISTINCT night FROM calls WHERE night >= $since),
        counts AS (
            SELECT qt.topic_id, q.night, count(*) AS n, count(DISTINCT q.call_id) AS c
            FROM question_topics qt JOIN questions q USING (question_id) GROUP BY ALL),
        firsts AS (SELECT topic_id, min(night) AS first_seen FROM counts GROUP BY ALL),
        grid AS (SELECT f.topic_id, nt.night, f.first_seen FROM firsts f JOIN nights nt ON nt.night >= f.first_seen),
        prev AS (
            SELECT g.topic_id, g.night, sum(c.n) AS n
            FROM grid g JOIN counts c ON c.topic_id = g.topic_id
             AND c.night >= g.night - {window} AND c.night < g.night
            GROUP BY ALL),
        stats AS (
            SELECT g.topic_id, g.night, g.first_seen, coalesce(c0.n, 0) AS questions, coalesce(c0.c, 0) AS calls,
                   coalesce(p.n, 0) / {window}.0 AS prev
            FROM grid g
            LEFT JOIN counts c0 ON c0.topic_id = g.topic_id AND c0.night = g.night
            LEFT JOIN prev p ON p.topic_id = g.topic_id AND p.night = g.night)
        SELECT topic_id, night, questions, calls, prev,
               CASE WHEN prev > 0 THEN round(100.0 * (questions / prev - 1), 1) END,
               first_seen,
               CASE WHEN night - first_seen < $new_nights THEN 'new'
                    WHEN questions >= $min_count AND questions >= $rising * prev THEN 'rising'
                    WHEN prev * $window >= $min_count AND questions <= $falling * prev THEN 'falling'
                    ELSE 'steady' END
        FROM stats WHERE questions > 0 OR prev > 0""",
                {"since": since, "new_nights": int(trend.get("new_nights", 1)),
                 "min_count": int(trend.get("min_count", 3)), "rising": float(trend.get("rising_ratio", 1.5)),
                 "falling": float(trend.get("falling_ratio", 0.67)), "window": window})
    return int(con.execute("SELECT count(*) FROM topic_daily WHERE night >= ?", [since]).fetchone()[0])

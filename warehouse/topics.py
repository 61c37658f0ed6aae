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
                    "text_sha256", "kind")
CALL_TOPIC_COLUMNS = ("call_id", "night", "topic_id", "method", "score", "question_id", "evidence_text", "questions",
                      "unclustered", "assigned_at")
CLUSTERED = ("absorbed", "discovered")  # question_topics methods the pool re-clustering may revise
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
    con.execute("DELETE FROM call_topics WHERE night = ?", [night])
    con.execute("""DELETE FROM topics WHERE created_night = ? AND source = 'discovered'
                   AND topic_id NOT IN (SELECT DISTINCT topic_id FROM question_topics)
                   AND topic_id NOT IN (SELECT DISTINCT topic_id FROM call_topics)""", [night])


def write_questions(con: duckdb.DuckDBPyConnection, night: date, rows: Sequence[Sequence[Any]]) -> int:
    return replace_rows(con, "questions", "night", [night], QUESTION_COLUMNS, rows)


def load_topics(con: duckdb.DuckDBPyConnection, model: str) -> tuple[np.ndarray, np.ndarray]:
    """(topic ids, centroid matrix) of the topics made with `model` that a cluster may keep, in id order
    (discovered and taxonomy topics; not "other", which has no meaning to be near)."""
    res = con.execute("""SELECT topic_id, centroid FROM topics WHERE model = ? AND source <> 'other'
                         ORDER BY topic_id""", [model]).fetchnumpy()
    ids = np.asarray(res["topic_id"], dtype=np.int64)
    if not len(ids):
        return ids, np.zeros((0, 0), dtype=np.float32)
    return ids, np.stack(res["centroid"]).astype(np.float32)


def pool_questions(con: duckdb.DuckDBPyConnection, first: date,
                   last: date) -> list[tuple[str, str, str, str, date, int | None, float | None]]:
    """(question_id, text, core, text_sha256, night, topic_id or None, similarity or None) of every
    question asked in [first, last] that clustering decides, in night and id order: the pool a night
    re-clusters. Follow-ups and questions matched to a taxonomy topic are not in it."""
    return con.execute("""
        SELECT q.question_id, q.text, q.core, q.text_sha256, q.night, t.topic_id, t.similarity FROM questions q
        LEFT JOIN question_topics t USING (question_id)
        WHERE q.night BETWEEN ? AND ? AND q.kind <> 'follow_up' AND (t.method IS NULL OR t.method IN (SELECT unnest(?)))
        ORDER BY q.night, q.question_id""", [first, last, list(CLUSTERED)]).fetchall()


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
                       created_night, initial_size, model, centroid, created_at, slug, source, label_source)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    [(r["topic_id"], r["label"], json.dumps(r["keywords"], ensure_ascii=False), r["representative"],
                      r["representative_question_id"], r["created_night"], r["initial_size"], r["model"],
                      np.asarray(r["centroid"], dtype=np.float32).tolist(), _now(), r.get("slug"),
                      r.get("source", "discovered"), r.get("label_source", "keywords")) for r in rows])
    return len(rows)


def known_topics(con: duckdb.DuckDBPyConnection, known: Sequence[dict[str, Any]], night: date,
                 model: str) -> dict[str, int]:
    """slug -> topic_id of the taxonomy and "other" topics, creating the missing ones (ids after the highest).

    `known`: {slug, name, source, centroid, representative}. They are never undone with a night, so a
    slug keeps its id for ever; their label follows the taxonomy name unless an analyst named them.
    """
    have = dict(con.execute("SELECT slug, topic_id FROM topics WHERE slug IS NOT NULL").fetchall())
    first = next_topic_id(con)
    new = [k for k in known if k["slug"] not in have]
    write_topics(con, [{"topic_id": first + n, "label": k["name"], "keywords": [],
                        "representative": k["representative"],
                        "representative_question_id": None, "created_night": night, "initial_size": 0, "model": model,
                        "centroid": k["centroid"], "slug": k["slug"], "source": k["source"],
                        "label_source": "taxonomy"} for n, k in enumerate(new)])
    con.executemany("UPDATE topics SET label = ? WHERE slug = ? AND label_source = 'taxonomy'",
                    [(k["name"], k["slug"]) for k in known])
    have.update({k["slug"]: first + n for n, k in enumerate(new)})
    return have


def apply_names(con: duckdb.DuckDBPyConnection, names: dict[int, str]) -> int:
    """Labels analysts set (configs/topic_names.toml) replace any other; ids not in the warehouse are ignored."""
    if names:
        con.executemany("UPDATE topics SET label = ?, label_source = 'analyst' WHERE topic_id = ?",
                        [(name, tid) for tid, name in names.items()])
    return len(names)


def call_questions(con: duckdb.DuckDBPyConnection, night: date) -> list[tuple[str, str, int, str, str | None,
                                                                              int | None, str | None]]:
    """(call_id, question_id, seq, kind, text, topic_id, method) of the night's questions, in call and id order."""
    return con.execute("""
        SELECT q.call_id, q.question_id, q.seq, q.kind, q.text, t.topic_id, t.method FROM questions q
        LEFT JOIN question_topics t USING (question_id) WHERE q.night = ?
        ORDER BY q.call_id, q.seq, q.part""", [night]).fetchall()


def write_call_topics(con: duckdb.DuckDBPyConnection, night: date, rows: Sequence[Sequence[Any]]) -> int:
    """Replace the night's call_topics with `rows` (CALL_TOPIC_COLUMNS without assigned_at)."""
    now = _now()
    return replace_rows(con, "call_topics", "night", [night], CALL_TOPIC_COLUMNS, [(*r, now) for r in rows])


def write_assignments(con: duckdb.DuckDBPyConnection, rows: Sequence[Sequence[Any]]) -> int:
    """Insert (question_id, topic_id, similarity, method, assigned_night); question_id is the key."""
    return replace_rows(con, "question_topics", "question_id", [r[0] for r in rows], ASSIGN_COLUMNS, rows)


def refresh_daily(con: duckdb.DuckDBPyConnection, since: date, trend: dict[str, Any]) -> int:
    """Recompute topic_daily for every processed night from `since` on (counts, mean of earlier nights, trend).

    The mean is over the nights *with data* (any call) among the `window_nights` before, from the topic's
    first night on, so nights before the warehouse began are not zeros; first_seen is the first night with a
    member not before the topic was created; a topic that fell to 0 tonight is falling (enough before) or quiet.
    """
    con.execute("DELETE FROM topic_daily WHERE night >= ?", [since])
    con.execute("""
        INSERT INTO topic_daily (topic_id, night, questions, calls, prev7_avg, change_pct, first_seen, trend)
        WITH nights AS (SELECT DISTINCT night FROM calls),
        counts AS (
            SELECT qt.topic_id, q.night, count(*) AS n, count(DISTINCT q.call_id) AS c
            FROM question_topics qt JOIN questions q USING (question_id) GROUP BY ALL),
        firsts AS (
            SELECT c.topic_id, coalesce(min(c.night) FILTER (WHERE c.night >= t.created_night), min(c.night))
                   AS first_seen
            FROM counts c JOIN topics t USING (topic_id) GROUP BY ALL),
        grid AS (SELECT f.topic_id, nt.night, f.first_seen FROM firsts f JOIN nights nt ON nt.night >= f.first_seen),
        prev AS (
            SELECT g.topic_id, g.night, count(*) AS data_nights, sum(coalesce(c.n, 0)) AS n
            FROM grid g
            JOIN nights pn ON pn.night >= g.night - $window AND pn.night < g.night AND pn.night >= g.first_seen
            LEFT JOIN counts c ON c.topic_id = g.topic_id AND c.night = pn.night
            GROUP BY ALL),
        stats AS (
            SELECT g.topic_id, g.night, g.first_seen, coalesce(c0.n, 0) AS questions, coalesce(c0.c, 0) AS calls,
                   coalesce(p.n, 0) AS prev_total, coalesce(p.n / p.data_nights, 0.0) AS prev
            FROM grid g
            LEFT JOIN counts c0 ON c0.topic_id = g.topic_id AND c0.night = g.night
            LEFT JOIN prev p ON p.topic_id = g.topic_id AND p.night = g.night)
        SELECT topic_id, night, questions, calls, prev,
               CASE WHEN prev > 0 THEN round(100.0 * (questions / prev - 1), 1) END,
               first_seen,
               CASE WHEN night - first_seen < $new_nights THEN 'new'
                    WHEN questions >= $min_count AND questions >= $rising * prev THEN 'rising'
                    WHEN prev_total >= $min_count AND questions <= $falling * prev THEN 'falling'
                    WHEN questions = 0 THEN 'quiet'
                    ELSE 'steady' END
        FROM stats WHERE night >= $since AND (questions > 0 OR prev > 0)""",
                {"since": since, "new_nights": int(trend["new_nights"]), "min_count": int(trend["min_count"]),
                 "rising": float(trend["rising_ratio"]), "falling": float(trend["falling_ratio"]),
                 "window": int(trend["window_nights"])})
    return int(con.execute("SELECT count(*) FROM topic_daily WHERE night >= ?", [since]).fetchone()[0])

"""Loads and stores for call outcomes: the calls to score, their turns and topics, and the writes.

The repeat-contact logic itself is SQL (`v_repeat_links` in `sql/020_outcomes.sql`, where the
awkward cases are documented); this module materialises it into `repeat_contacts` for the
callers a run touched and applies the first-contact-resolution override to `call_outcomes`.
Every write deletes the affected call_ids' rows first, inside one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import duckdb

from callintel.warehouse.db import replace_rows, transaction

OUTCOME_COLUMNS = ("call_id", "night", "caller_hash", "agent_id", "started_at", "local_hour", "handle_s",
                   "topic_id", "n_turns", "score", "rule_score", "method", "dialogue_label", "label",
                   "fcr_override", "escalated", "unanswered", "evidence", "evidence_text", "versions", "scored_at")
REPEAT_COLUMNS = ("call_id", "caller_hash", "started_at", "agent_id", "topic_id", "flag", "duplicate_of",
                  "prev_call_id", "prev_started_at", "gap_prev_s", "next_call_id", "next_started_at", "gap_next_s",
                  "same_topic_prev", "same_topic_next", "same_agent_prev", "same_agent_next", "is_repeat",
                  "has_repeat", "fcr_override", "window_days")


def write_params(con: duckdb.DuckDBPyConnection, params: dict[str, Any]) -> None:
    """Record the settings the views read (window, minimum support, examples)."""
    with transaction(con):
        replace_rows(con, "outcome_params", "name", list(params), ("name", "value"),
                     [(k, str(v)) for k, v in params.items()])


def calls_of_nights(con: duckdb.DuckDBPyConnection, nights: Sequence[date]) -> list[dict[str, Any]]:
    rows = con.execute("""SELECT call_id, night, caller_hash, agent_id, started_at, ended_at FROM calls
                          WHERE night IN (SELECT unnest(?)) ORDER BY started_at, call_id""",
                       [list(nights)]).fetchall()
    cols = ("call_id", "night", "caller_hash", "agent_id", "started_at", "ended_at")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def utterances_by_call(con: duckdb.DuckDBPyConnection, call_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """(speaker, text) per call in time order."""
    out: dict[str, list[tuple[str, str]]] = {c: [] for c in call_ids}
    if not call_ids:
        return out
    rows = con.execute("""SELECT call_id, speaker, text FROM utterances WHERE call_id IN (SELECT unnest(?))
                          ORDER BY call_id, seq""", [list(call_ids)]).fetchall()
    for call_id, speaker, text in rows:
        out[call_id].append((speaker, text))
    return out


def affected_calls(con: duckdb.DuckDBPyConnection, nights: Sequence[date]) -> list[str]:
    """The nights' calls plus every call of their callers on any night: their repeat links may change."""
    rows = con.execute("""SELECT call_id FROM calls WHERE night IN (SELECT unnest($1))
        UNION SELECT call_id FROM calls WHERE caller_hash IN
            (SELECT caller_hash FROM calls WHERE night IN (SELECT unnest($1)) AND caller_hash IS NOT NULL)
        ORDER BY call_id""", [list(nights)]).fetchall()
    return [r[0] for r in rows]


def _has_tables(con: duckdb.DuckDBPyConnection, *names: str) -> bool:
    found = {n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
             .fetchall()}
    return all(n in found for n in names)


def main_topics(con: duckdb.DuckDBPyConnection, call_ids: Sequence[str]) -> tuple[dict[str, str], str | None]:
    """call_id -> the call's main topic (call_topics, written by the topics step), as text.

    Returns ({}, reason) when call_topics is absent or shaped differently, so outcomes still run
    (without topics) and the reason reaches the step's summary.
    """
    if not call_ids:
        return {}, None
    if not _has_tables(con, "call_topics"):
        return {}, "no call_topics table yet (topics step not run): topic_id left NULL"
    try:
        rows = con.execute("SELECT call_id, topic_id FROM call_topics WHERE call_id IN (SELECT unnest(?))",
                           [list(call_ids)]).fetchall()
    except duckdb.Error as exc:
        return {}, f"cannot read topics from call_topics: {exc}".splitlines()[0]
    return {c: str(t) for c, t in rows}, None


def write_outcomes(con: duckdb.DuckDBPyConnection, rows: Iterable[Sequence[Any]]) -> int:
    rows = list(rows)
    with transaction(con):
        return replace_rows(con, "call_outcomes", "call_id", [r[0] for r in rows], OUTCOME_COLUMNS, rows)


def set_topics(con: duckdb.DuckDBPyConnection, topics: dict[str, str | None]) -> None:
    """Refresh call_outcomes.topic_id of earlier calls (topics may have been computed since)."""
    if topics:
        with transaction(con):
            con.executemany("UPDATE call_outcomes SET topic_id = ? WHERE call_id = ?",
                            [(t, c) for c, t in topics.items()])


def refresh_repeats(con: duckdb.DuckDBPyConnection, call_ids: Sequence[str], same_topic_only: bool,
                    unknown_topic_overrides: bool) -> dict[str, int]:
    """Materialise v_repeat_links for these calls, decide FCR overrides, relabel call_outcomes.

    FCR override of a call: the caller called again within the window and either topics are
    ignored (same_topic_only = false), or the next call is on the same topic, or a topic is
    unknown and unknown_topic_overrides = true.
    """
    if not call_ids:
        return {"repeat_rows": 0, "repeat_calls": 0, "fcr_overrides": 0}
    fcr = ("has_repeat AND (NOT $2 OR coalesce(same_topic_next, $3))")
    with transaction(con):
        con.execute("DELETE FROM repeat_contacts WHERE call_id IN (SELECT unnest($1))", [list(call_ids)])
        con.execute(f"""INSERT INTO repeat_contacts ({', '.join(REPEAT_COLUMNS)})
            SELECT call_id, caller_hash, started_at, agent_id, topic_id, flag, duplicate_of, prev_call_id,
                   prev_started_at, gap_prev_s, next_call_id, next_started_at, gap_next_s, same_topic_prev,
                   same_topic_next, same_agent_prev, same_agent_next, is_repeat, has_repeat, {fcr}, window_days
            FROM v_repeat_links WHERE call_id IN (SELECT unnest($1))""",
                    [list(call_ids), same_topic_only, unknown_topic_overrides])
        con.execute("""UPDATE call_outcomes o SET fcr_override = r.fcr_override,
                label = CASE WHEN r.fcr_override THEN 'unresolved' ELSE o.dialogue_label END
            FROM repeat_contacts r WHERE r.call_id = o.call_id AND o.call_id IN (SELECT unnest(?))""",
                    [list(call_ids)])
    figures = con.execute("""SELECT count(*), count(*) FILTER (WHERE is_repeat), count(*) FILTER (WHERE fcr_override)
                             FROM repeat_contacts WHERE call_id IN (SELECT unnest(?))""", [list(call_ids)]).fetchone()
    return {"repeat_rows": figures[0], "repeat_calls": figures[1], "fcr_overrides": figures[2]}

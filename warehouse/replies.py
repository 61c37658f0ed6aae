"""Loads and stores for the script library: question/objection -> reply pairs of the nights' calls.

The replies step (flows/steps.py) runs after outcomes: only replies that worked enter the library (the call
resolved in the call, no FCR failure, the caller did not reject the reply). A call's topic and outcome are not
copied here: each run scores and ranks every stored reply by what call_topics and call_outcomes say then, and
the views (v_reply_candidates, v_script_library) join them as they are now. Near-identical replies within a
topic and objection type are merged into one script group, and the best [replies].per_group groups of each get
a library_rank, re-ranked over every stored night.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from callintel.nlp.replies import ReplyCandidate, call_cues_from_settings
from callintel.nlp.reply_library import LibraryReply, merge_and_rank
from callintel.privacy import label_is_clean
from callintel.settings import Settings
from callintel.warehouse.calls import calls_of_nights, utterances_by_call
from callintel.warehouse.db import insert_columns, transaction

# A reason is a cue's name from the code (length_per_100_chars) or else derived text, which holds nothing personal.
_CODE_NAME = re.compile(r"[a-z_0-9]+")
COLUMNS = ("call_id", "caller_hash", "agent_id", "started_at", "question_turn", "question", "objection",
           "reply_turn", "reply", "reply_score", "reasons", "followed", "next_text", "is_best", "score",
           "script_group", "similar_replies", "library_rank", "scored_at", "reasons_zh")


def load(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> dict[str, Any]:
    calls = calls_of_nights(con, nights)
    ids = [c["call_id"] for c in calls]
    return {"calls": calls, "utterances": utterances_by_call(con, ids)}


def store(con: duckdb.DuckDBPyConnection, result: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Replace the calls' candidates, then score and re-rank the library over every stored call (one transaction)."""
    cues = call_cues_from_settings(settings)
    now = datetime.now(UTC)
    meta = {c["call_id"]: c for c in result["calls"]}
    candidates: dict[str, list[ReplyCandidate]] = result["candidates"]
    rows = []
    for cid, cands in candidates.items():
        for cand in cands:
            reasons = ",".join(r for r in cand.reasons if _CODE_NAME.fullmatch(r) or label_is_clean(r))
            rows.append((cid, meta[cid]["caller_hash"], meta[cid]["agent_id"], meta[cid]["started_at"],
                         cand.question_turn, cand.question, cand.objection, cand.reply_turn, cand.reply,
                         cand.reply_score, reasons, cand.followed, cand.next_turn_text, cand.is_best,
                         cand.reply_score, f"{cid}:{cand.reply_turn}", 1, None, now, cues.reasons_text(cand.reasons)))
    with transaction(con):
        if candidates:  # delete by key, then one INSERT (executemany pays ~3 ms a row)
            con.execute("DELETE FROM reply_candidates WHERE call_id IN (SELECT unnest(?))", [list(candidates)])
        n = insert_columns(con, "reply_candidates", COLUMNS, rows)
        worked = score_by_outcome(con, cues.weights)
        kept = rank_library(con, settings["replies"]["per_group"], settings["replies"]["merge_similarity"])
        scored = con.execute("SELECT count(*) FROM call_outcomes WHERE call_id IN (SELECT unnest(?))",
                             [list(candidates)]).fetchone()[0]
    out: dict[str, Any] = {"calls": len(candidates), "candidates": n, "replies_that_worked": worked,
                           "library_replies": kept}
    if candidates and not scored:
        out["note"] = ("no call_outcomes for these calls (outcomes step not run): no reply of theirs enters the "
                       "library (only replies of successful calls do)")
    return out


def score_by_outcome(con: duckdb.DuckDBPyConnection, weights: dict[str, float]) -> int:
    """Every stored reply's library score and whether it worked, by its call's outcome now (all nights: a later
    night's repeat call can turn an earlier success into an FCR failure); returns how many worked."""
    con.execute("""
        UPDATE reply_candidates r
        SET score = round(r.reply_score + CASE WHEN o.label = 'resolved' THEN ? ELSE 0 END, 4),
            worked = coalesce(o.resolved_in_call, false) AND NOT coalesce(o.fcr_failed, false)
                     AND r.followed <> 'rejected'
        FROM (SELECT c.call_id, o.label, o.resolved_in_call, o.fcr_failed
              FROM (SELECT DISTINCT call_id FROM reply_candidates) c LEFT JOIN call_outcomes o USING (call_id)) o
        WHERE o.call_id = r.call_id""", [weights["call_resolved"]])
    return con.execute("SELECT count(*) FROM reply_candidates WHERE worked").fetchone()[0]


def rank_library(con: duckdb.DuckDBPyConnection, per_group: int, merge_at: float) -> int:
    """Group near-identical replies that worked per topic and objection, rank the groups' best (all nights).

    The topic is the call's as call_topics holds it now (never a copy); the rules are nlp.reply_library's, and
    the placements go back in one statement."""
    con.execute("UPDATE reply_candidates SET library_rank = NULL, similar_replies = 1, "
                "script_group = call_id || ':' || reply_turn")
    rows = con.execute("""SELECT r.call_id, r.question_turn, r.reply_turn, coalesce(CAST(ct.topic_id AS VARCHAR), ''),
                                 coalesce(r.objection, ''), r.reply
                          FROM reply_candidates r LEFT JOIN call_topics ct USING (call_id)
                          WHERE r.worked AND (r.is_best OR r.objection IS NOT NULL)
                          ORDER BY r.score DESC, r.call_id, r.question_turn""").fetchall()
    placed = merge_and_rank([LibraryReply((cid, qturn), f"{cid}:{rturn}", (topic, objection), reply)
                             for cid, qturn, rturn, topic, objection, reply in rows], per_group, merge_at)
    if placed:
        con.execute("""UPDATE reply_candidates r SET script_group = p.g, similar_replies = p.n, library_rank = p.k
                       FROM (SELECT unnest(?) AS c, unnest(?) AS q, unnest(?) AS g, unnest(?) AS n,
                                    unnest(CAST(? AS INTEGER[])) AS k) p
                       WHERE r.call_id = p.c AND r.question_turn = p.q""",
                    [[p.key[0] for p in placed], [p.key[1] for p in placed], [p.script_group for p in placed],
                     [p.similar_replies for p in placed], [p.library_rank for p in placed]])
    return sum(1 for p in placed if p.library_rank is not None)

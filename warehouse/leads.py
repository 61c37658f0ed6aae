"""Loads and stores for purchase-intent leads: call_intent per call, the opt-out list, the leads settings.

The leads step (flows/steps.py) (after profiles and outcomes): scores each call of the nights
with nlp/intent.py (the call's profile facts from profile_facts help, and its main topic from call_topics, or a
second matter's buying question),
loads [leads].opt_out into marketing_opt_out (which lines are caller hashes: nlp/opt_out.py), and records
window_days and the sensitive profile fields ([privacy] sensitive_profile_fields: health conditions) for
v_marketing_leads, which ranks callers and leaves those fields out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from callintel.nlp.call_topics import second_matter_at, second_matter_pattern
from callintel.nlp.intent import LeadCall, LeadInputs, LeadResult, intent_lexicon_from_settings
from callintel.nlp.opt_out import OptOutFile
from callintel.nlp.profiles import Fact
from callintel.nlp.taxonomy import load_taxonomy
from callintel.settings import Settings
from callintel.warehouse.calls import calls_of_nights, utterances_by_call
from callintel.warehouse.db import insert_columns, replace_rows, transaction
from callintel.warehouse.derived import write_params

COLUMNS = ("call_id", "caller_hash", "night", "started_at", "score", "band", "product", "excluded", "exclude_reason",
           "cues", "evidence_turn", "evidence", "scored_at")


def load(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> LeadInputs:
    """The nights' calls with their turns and profile facts, and the opt-out file's text."""
    calls = calls_of_nights(con, nights)
    ids = [c["call_id"] for c in calls]
    facts: dict[str, list[Fact]] = {c: [] for c in ids}
    if ids:
        for cid, fld, value, conf, turn, ev, src in con.execute(
                """SELECT call_id, field, value, confidence, turn, evidence, source FROM profile_facts
                   WHERE call_id IN (SELECT unnest(?))""", [ids]).fetchall():
            facts[cid].append(Fact(fld, value, conf, turn, ev, src))
    turns = utterances_by_call(con, ids)
    # what each call is about (the call_topics step's): its topic's slug and taxonomy family (a discovered topic
    # has neither), and the utterance whose question decided it (its index among the call's utterances); when that
    # topic is no purchase but the caller opened a second matter and asked about buying in it, in their own words
    # (还有个事，我想给我妈买个医疗险), that question's topic: the main topic is why they called, not all they want
    family = load_taxonomy(settings).family_of
    buying = set(intent_lexicon_from_settings(settings).topic_families)
    second = second_matter_pattern(settings["topics"]["taxonomy_match"]["second_matter"])
    topic: dict[str, tuple[str, ...]] = {}
    topic_turn: dict[str, int] = {}
    if ids:
        rows = con.execute("""
                SELECT c.call_id, t.slug, CASE WHEN q.seq IS NOT NULL THEN
                           (SELECT count(*) FROM utterances u WHERE u.call_id = c.call_id AND u.seq < q.seq) END,
                       0 AS rank, 0 AS seq, 0 AS part
                FROM call_topics c JOIN topics t USING (topic_id) LEFT JOIN questions q ON q.question_id = c.question_id
                WHERE c.call_id IN (SELECT unnest(?))
                UNION ALL
                SELECT q.call_id, t.slug,
                       (SELECT count(*) FROM utterances u WHERE u.call_id = q.call_id AND u.seq < q.seq),
                       1, q.seq, q.part
                FROM v_question_topics qt JOIN questions q USING (question_id) JOIN topics t USING (topic_id)
                WHERE qt.method = 'phrase' AND q.call_id IN (SELECT unnest(?))
                ORDER BY 1, 4, 5, 6""", [ids, ids]).fetchall()
        asked: dict[str, list[int]] = {}
        for cid, _, turn, rank, _, _ in rows:
            if rank == 1:
                asked.setdefault(cid, []).append(turn)
        cut = {cid: second_matter_at([(i, t) for i, (who, t) in enumerate(turns[cid]) if who == "customer"], voted,
                                     second) for cid, voted in asked.items()}
        for cid, slug, turn, rank, _, _ in rows:
            about = tuple(k for k in (slug, family.get(slug or "")) if k)
            later = rank == 1 and turn >= cut.get(cid, math.inf)
            if rank == 0 or (later and cid in topic and not buying & set(topic[cid]) and buying & set(about)):
                topic[cid] = about
                topic_turn.pop(cid, None)
                if turn is not None:
                    topic_turn[cid] = int(turn)
    path = settings.config_file(settings["leads"]["opt_out"])
    opt_out = OptOutFile(str(path), path.read_text(encoding="utf-8") if path.is_file() else None)
    return LeadInputs([LeadCall(c["call_id"], c["caller_hash"], c["night"], c["started_at"], turns[c["call_id"]],
                                facts[c["call_id"]], topic.get(c["call_id"], ()), topic_turn.get(c["call_id"]))
                       for c in calls], opt_out)


def nights_to_score(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> list[date]:
    """The nights asked for, and every night with a call whose topic (call_topics) was assigned after its intent
    was scored: a call's topic is part of its intent, and the call_topics step also redoes earlier and later
    nights (warehouse/topics.py call_topic_nights), so their leads would keep the old topic otherwise."""
    stale = [n for (n,) in con.execute("""SELECT DISTINCT i.night FROM call_intent i JOIN call_topics c USING (call_id)
                                          WHERE c.assigned_at > i.scored_at""").fetchall()]
    return sorted(set(nights) | set(stale))


def store(con: duckdb.DuckDBPyConnection, result: LeadResult, settings: Settings) -> dict[str, Any]:
    """Replace the calls' intent rows, reload the opt-out file, record window_days (one transaction)."""
    now = datetime.now(UTC)
    rows = [(c.call_id, c.caller_hash, c.night, c.started_at, c.intent.score, c.intent.band, c.intent.product,
             c.intent.excluded, c.intent.exclude_reason, "; ".join(c.intent.cues), c.intent.evidence_turn,
             c.intent.evidence, now) for c in result.calls]
    opt_out = result.opt_out
    with transaction(con):
        n = replace_rows(con, "call_intent", "call_id", [c.call_id for c in result.calls], COLUMNS, rows)
        write_params(con, "leads", {"window_days": settings["leads"]["window_days"],
                                    "sensitive_fields": ",".join(settings["privacy"]["sensitive_profile_fields"])})
        con.execute("DELETE FROM marketing_opt_out WHERE source = ?", [opt_out.source])
        # a caller already opted out by hand keeps that row (and its source): dropped from the file later, they
        # stay out; one statement however long the list
        insert_columns(con, "marketing_opt_out", ("caller_hash", "source", "added_at"),
                       [(h, opt_out.source, now) for h in opt_out.caller_hashes], verb="INSERT OR IGNORE")
    bands: dict[str, int] = {}
    for c in result.calls:
        bands[c.intent.band] = bands.get(c.intent.band, 0) + 1
    (leads,) = con.execute("SELECT count(*) FROM v_marketing_leads").fetchall()[0]
    return {"scored": n, "opt_out": len(opt_out.caller_hashes), "problems": opt_out.problems, "bands": bands,
            "leads": leads}

"""Loads and stores for purchase-intent leads: call_intent per call, the opt-out list, the leads settings.

The leads step (flows/steps.py) (after profiles and outcomes): scores each call of the nights
with nlp/intent.py (the call's profile facts from profile_facts help, and its main topic from call_topics, or the
topic of a second matter the caller opened when that one is buying: call_topics.second_topic_id),
loads [leads].opt_out into marketing_opt_out (which lines are caller hashes: nlp/opt_out.py), and records
window_days and the sensitive profile fields ([privacy] sensitive_profile_fields: health conditions) for
v_marketing_leads, which ranks callers and leaves those fields out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb

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
    # topic is no purchase but the second matter the caller opened is (还有个事，我想给我妈买个医疗险: call_topics
    # second_topic_id, decided by its questions), that matter's: the main topic is why they called, not all they want
    family = load_taxonomy(settings).family_of
    buying = set(intent_lexicon_from_settings(settings).topic_families)
    topic: dict[str, tuple[str, ...]] = {}
    topic_turn: dict[str, int] = {}
    if ids:
        def index_of(question: str) -> str:   # the utterance index of a question of call_topics' row c
            return f"""(SELECT count(*) FROM utterances u JOIN questions q ON q.question_id = {question}
                        WHERE u.call_id = c.call_id AND u.seq < q.seq)"""
        for cid, slug, turn, second, second_turn in con.execute(f"""
                SELECT c.call_id, t.slug, CASE WHEN c.question_id IS NOT NULL THEN {index_of("c.question_id")} END,
                       s.slug, CASE WHEN c.second_question_id IS NOT NULL THEN {index_of("c.second_question_id")} END
                FROM call_topics c JOIN topics t USING (topic_id) LEFT JOIN topics s ON s.topic_id = c.second_topic_id
                WHERE c.call_id IN (SELECT unnest(?))""", [ids]).fetchall():
            about = tuple(k for k in (slug, family.get(slug or "")) if k)
            also = tuple(k for k in (second, family.get(second or "")) if k)
            if not buying & set(about) and buying & set(also) and second_turn is not None:
                about, turn = also, second_turn
            topic[cid] = about
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

"""Loads and stores for customer profiles: the calls of the nights with their utterances, and profile_facts.

`run(con, nights, settings)` is the profiles step (needs nothing beyond calls): pure extraction in
nlp/profiles.py, one transaction replacing the nights' calls' facts. Merging per caller is the view
v_customer_profiles (sql/050_profiles_replies_leads.sql), so it always reflects every stored call.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from callintel.nlp.profiles import Fact, ProfileLexicon, extract, lexicon_from_settings
from callintel.settings import Settings
from callintel.warehouse.db import replace_rows, transaction
from callintel.warehouse.outcomes import calls_of_nights, utterances_by_call

FACT_COLUMNS = ("call_id", "caller_hash", "started_at", "field", "value", "confidence", "turn", "evidence", "source",
                "extracted_at")


def load(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> dict[str, Any]:
    """The nights' calls (id, caller, start) and their utterances as (speaker, text) in seq order."""
    calls = calls_of_nights(con, nights)
    return {"calls": calls, "utterances": utterances_by_call(con, [c["call_id"] for c in calls])}


def compute(inputs: dict[str, Any], settings: Settings, lex: ProfileLexicon | None = None) -> dict[str, list[Fact]]:
    """call_id -> facts at least [profiles].min_confidence sure."""
    lex = lex or lexicon_from_settings(settings)
    tz = ZoneInfo(settings["night"]["timezone"])
    floor = settings["profiles"]["min_confidence"]
    out = {}
    for c in inputs["calls"]:
        facts = extract(inputs["utterances"][c["call_id"]], lex, c["started_at"].astimezone(tz).date())
        out[c["call_id"]] = [f for f in facts if f.confidence >= floor]
    return out


def store(con: duckdb.DuckDBPyConnection, result: dict[str, list[Fact]], calls: Sequence[dict[str, Any]]) -> int:
    now = datetime.now(UTC)
    meta = {c["call_id"]: c for c in calls}
    rows = [(cid, meta[cid]["caller_hash"], meta[cid]["started_at"], f.field, f.value, f.confidence, f.turn,
             f.evidence, f.source, now) for cid, facts in result.items() for f in facts]
    with transaction(con):
        return replace_rows(con, "profile_facts", "call_id", list(result), FACT_COLUMNS, rows)


def run(con: duckdb.DuckDBPyConnection, nights: list[date], settings: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    inputs = load(con, nights, settings)
    result = compute(inputs, settings)
    n = store(con, result, inputs["calls"])
    fields: dict[str, int] = {}
    for facts in result.values():
        for f in facts:
            fields[f.field] = fields.get(f.field, 0) + 1
    return {"calls": len(result), "facts": n, "by_field": fields, "seconds": round(time.perf_counter() - started, 2)}

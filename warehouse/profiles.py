"""Loads and stores for customer profiles: the calls of the nights with their utterances, and profile_facts.

The profiles step (flows/steps.py) (needs nothing beyond calls): pure extraction in
nlp/profiles.py, one transaction replacing the nights' calls' facts. Merging per caller is the view
v_customer_profiles (sql/views/v_customer_profiles.sql), so it always reflects every stored call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from callintel.nlp.profiles import ProfileCall, ProfileInputs, ProfileResult
from callintel.settings import Settings
from callintel.warehouse.calls import calls_of_nights, utterances_by_call
from callintel.warehouse.db import replace_rows, transaction

FACT_COLUMNS = ("call_id", "caller_hash", "started_at", "field", "value", "confidence", "turn", "evidence", "source",
                "extracted_at")


def load(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> ProfileInputs:
    """The nights' calls (id, caller, start), their utterances as (speaker, text) in seq order, and the ages
    their ID numbers or birth dates stated (seq -> age)."""
    calls = calls_of_nights(con, nights)
    ids = [c["call_id"] for c in calls]
    ages: dict[str, dict[int, int]] = {}
    for call_id, seq, age in con.execute("""SELECT call_id, seq, stated_age FROM utterances
                                           WHERE stated_age IS NOT NULL AND call_id IN (SELECT unnest(?))""",
                                         [ids]).fetchall():
        ages.setdefault(call_id, {})[seq] = age
    turns = utterances_by_call(con, ids)
    return ProfileInputs([ProfileCall(c["call_id"], c["caller_hash"], c["started_at"], turns[c["call_id"]],
                                      ages.get(c["call_id"], {})) for c in calls])


def store(con: duckdb.DuckDBPyConnection, result: ProfileResult, settings: Settings) -> dict[str, Any]:
    """Replace the calls' facts in one transaction; a summary with counts per field."""
    now = datetime.now(UTC)
    rows = [(c.call_id, c.caller_hash, c.started_at, f.field, f.value, f.confidence, f.turn, f.evidence, f.source,
             now) for c in result.calls for f in c.facts]
    with transaction(con):
        n = replace_rows(con, "profile_facts", "call_id", [c.call_id for c in result.calls], FACT_COLUMNS, rows)
    fields: dict[str, int] = {}
    for c in result.calls:
        for f in c.facts:
            fields[f.field] = fields.get(f.field, 0) + 1
    return {"calls": len(result.calls), "facts": n, "by_field": fields}

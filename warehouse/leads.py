"""Loads and stores for purchase-intent leads: call_intent per call, the opt-out list, the leads settings.

The leads step (flows/steps.py) (after profiles and outcomes): scores each call of the nights
with nlp/intent.py (the call's profile facts from profile_facts help), loads [leads].opt_out into
marketing_opt_out, and records window_days and the sensitive profile fields ([privacy] sensitive_profile_fields:
health conditions) for v_marketing_leads, which ranks callers and leaves those fields out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from callintel.nlp.intent import Intent
from callintel.nlp.profiles import Fact
from callintel.settings import Settings
from callintel.warehouse.calls import calls_of_nights, utterances_by_call
from callintel.warehouse.db import replace_rows, transaction
from callintel.warehouse.derived import write_params

COLUMNS = ("call_id", "caller_hash", "night", "started_at", "score", "band", "product", "excluded", "exclude_reason",
           "cues", "evidence_turn", "evidence", "scored_at")
_HASH = re.compile(r"^[0-9a-f]{32}$")


def load(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> dict[str, Any]:
    calls = calls_of_nights(con, nights)
    ids = [c["call_id"] for c in calls]
    facts: dict[str, list[Fact]] = {c: [] for c in ids}
    if ids:
        for cid, fld, value, conf, turn, ev, src in con.execute(
                """SELECT call_id, field, value, confidence, turn, evidence, source FROM profile_facts
                   WHERE call_id IN (SELECT unnest(?))""", [ids]).fetchall():
            facts[cid].append(Fact(fld, value, conf, turn, ev, src))
    return {"calls": calls, "utterances": utterances_by_call(con, ids), "facts": facts}


def read_opt_out(path: Path) -> tuple[list[str], list[str]]:
    """(caller hashes, problems): lines that are not a 32-hex caller hash are reported, not loaded."""
    if not path.exists():
        return [], [f"opt-out file {path} not found: create it (one calls.caller_hash a line) or fix [leads].opt_out"]
    good, bad = [], []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        (good if _HASH.match(s.lower()) else bad).append(s.lower() if _HASH.match(s.lower()) else f"line {n}")
    problems = [f"{path}: {', '.join(bad)} not a caller hash (32 hex characters); skipped"] if bad else []
    return good, problems


def store(con: duckdb.DuckDBPyConnection, result: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Replace the calls' intent rows, reload the opt-out file, record window_days (one transaction)."""
    now = datetime.now(UTC)
    meta = {c["call_id"]: c for c in result["calls"]}
    intents: dict[str, Intent] = result["intents"]
    rows = [(cid, meta[cid]["caller_hash"], meta[cid]["night"], meta[cid]["started_at"], it.score, it.band,
             it.product, it.excluded, it.exclude_reason, "; ".join(it.cues), it.evidence_turn, it.evidence, now)
            for cid, it in intents.items()]
    path = settings.config_file(settings["leads"]["opt_out"])
    opt_out, problems = read_opt_out(path)
    with transaction(con):
        n = replace_rows(con, "call_intent", "call_id", list(intents), COLUMNS, rows)
        write_params(con, "leads", {"window_days": settings["leads"]["window_days"],
                                    "sensitive_fields": ",".join(settings["privacy"]["sensitive_profile_fields"])})
        con.execute("DELETE FROM marketing_opt_out WHERE source = ?", [str(path)])
        if opt_out:
            con.executemany("INSERT OR REPLACE INTO marketing_opt_out VALUES (?, ?, ?)",
                            [(h, str(path), now) for h in opt_out])
    bands: dict[str, int] = {}
    for it in intents.values():
        bands[it.band] = bands.get(it.band, 0) + 1
    leads = con.execute("SELECT count(*) FROM v_marketing_leads").fetchone()[0]
    return {"scored": n, "opt_out": len(opt_out), "problems": problems, "bands": bands, "leads": leads}

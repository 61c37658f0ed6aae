"""Loads and stores of the outcomes step: the calls to score with their turns, the writes.

The repeat-contact logic itself is SQL (`sql/views/v_repeat_links.sql`, where the awkward cases are
documented), materialised into `repeat_contacts` with first-contact resolution (call_outcomes.fcr_failed and
fcr_status, beside the dialogue's own label, never over it) by `sql/derived/repeat_contacts.sql` after every run
(`finish`). A call's topic is not the outcomes step's: call_topics holds it, and what needs it joins there.
The clock (scored_at) is read here, not in the pure compute.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, fields
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from callintel.files import file_sha256
from callintel.nlp.outcomes import CallDialogue, CallOutcome, OutcomeInputs
from callintel.settings import Settings
from callintel.warehouse.db import replace_rows, transaction
from callintel.warehouse.derived import refresh, write_params

OUTCOME_COLUMNS = tuple(f.name for f in fields(CallOutcome))
# The [outcomes] settings the views and sql/derived/repeat_contacts.sql read from step_params.
PARAMS = ("repeat_window_days", "min_topic_calls", "example_calls", "fcr_same_topic_only",
          "fcr_unknown_topic_overrides")



def load(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> OutcomeInputs:
    """The nights' calls in start order, each with its utterances."""
    rows = con.execute("""SELECT call_id, night, caller_hash, agent_id, started_at, ended_at FROM calls
                          WHERE night IN (SELECT unnest(?)) ORDER BY started_at, call_id""",
                       [list(nights)]).fetchall()
    ids = [r[0] for r in rows]
    utterances: dict[str, list[tuple[str, str]]] = {c: [] for c in ids}
    for call_id, speaker, text in con.execute("""SELECT call_id, speaker, text FROM utterances
                                                 WHERE call_id IN (SELECT unnest(?)) ORDER BY call_id, seq""",
                                              [ids]).fetchall():
        utterances[call_id].append((speaker, text))
    cfg = settings["outcomes"]
    calls = [CallDialogue(*r, utterances[r[0]]) for r in rows]
    return OutcomeInputs(calls, file_sha256(settings.config_file(cfg["lexicon"])),
                         file_sha256(settings.config_file(cfg["model"])) if cfg["model"] else None, datetime.now(UTC))


def store(con: duckdb.DuckDBPyConnection, outcomes: list[CallOutcome], settings: Settings) -> dict[str, Any]:
    """Replace the scored calls' rows."""
    ids = [o.call_id for o in outcomes]
    with transaction(con):
        replace_rows(con, "call_outcomes", "call_id", ids, OUTCOME_COLUMNS, [astuple(o) for o in outcomes])
    labels: dict[str, int] = {}
    for o in outcomes:
        labels[o.dialogue_label] = labels.get(o.dialogue_label, 0) + 1
    return {"calls_scored": len(outcomes), "method": outcomes[0].method if outcomes else "none",
            "dialogue_labels": labels}


def finish(con: duckdb.DuckDBPyConnection, nights: Sequence[date], settings: Settings) -> dict[str, Any]:
    """repeat_contacts and FCR (fcr_failed), by sql/derived/repeat_contacts.sql with the [outcomes] settings."""
    cfg = settings["outcomes"]
    with transaction(con):
        # the timezone: the views' *_local columns
        write_params(con, "outcomes", {**{k: cfg[k] for k in PARAMS}, "timezone": settings["night"]["timezone"]})
        refresh(con, "repeat_contacts")
    calls, repeats, overrides = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE r.is_repeat), count(*) FILTER (WHERE r.fcr_failed)
        FROM repeat_contacts r JOIN calls c USING (call_id) WHERE c.night IN (SELECT unnest(?))""",
                                            [list(nights)]).fetchone()
    return {"repeat_rows": calls, "repeat_calls": repeats, "fcr_overrides": overrides, "fcr_failed": overrides}

"""A warehouse from the sample calls' scripted turns (no Whisper): for tests, the bench and trying views.

The turns go through the one text path (speech/text.py: normalise, terms, PII mask) and are written as the
night flow writes a call; then the topics and outcomes steps run. `callintel demo` does the same from audio,
which takes minutes; this takes seconds and gives every view real rows.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb

from callintel.flows.steps import run_steps
from callintel.privacy import caller_hash
from callintel.records import CallRecord
from callintel.settings import PROJECT_ROOT, Settings
from callintel.speech.text import TextCleaner, transcript_from_turns
from callintel.warehouse.calls import write_call

SAMPLES = PROJECT_ROOT / "samples"


def sample_calls(extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The sample calls (samples/truth.json: turns with times), plus `extra` ones, in start order."""
    calls = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))["calls"]
    return sorted([*calls, *(extra or [])], key=lambda c: c["started_at"])


def land_calls(con: duckdb.DuckDBPyConnection, calls: list[dict[str, Any]], settings: Settings,
               run_id: str = "run-samples") -> list[date]:
    """Write each call and its masked turns; returns the nights written, oldest first."""
    cleaner = TextCleaner.from_settings(settings)
    nights = set()
    for line, c in enumerate(calls, start=2):
        started = datetime.fromisoformat(c["started_at"])
        call = CallRecord(c["call_id"], SAMPLES / c["audio_path"], c.get("caller_number"), c["agent_id"], started,
                          c["channel_layout"], started.date(), line, {"queue": c.get("queue", "")})
        transcript = transcript_from_turns(c["call_id"], c["turns"], settings, cache_key="k" + c["call_id"],
                                           source_sha256=c["call_id"].ljust(64, "0"), cleaner=cleaner)
        write_call(con, call, transcript, run_id, caller_hash(c.get("caller_number"), settings),
                   settings["privacy"]["keep_caller_number"], "scripted")
        nights.add(started.date())
    return sorted(nights)


def build(con: duckdb.DuckDBPyConnection, settings: Settings, extra: list[dict[str, Any]] | None = None) -> list[date]:
    """Land the sample calls and run the night's analytics steps over their nights."""
    nights = land_calls(con, sample_calls(extra), settings)
    run_steps(con, nights, settings)
    return nights


if __name__ == "__main__":  # python -m callintel.flows.sample_warehouse OUT.duckdb
    import sys

    from callintel.settings import load_settings
    from callintel.warehouse.db import connect

    out = Path(sys.argv[1])
    out.unlink(missing_ok=True)
    s = load_settings(PROJECT_ROOT / "configs" / "demo.toml", overrides={"outcomes": {"min_topic_calls": 2}})
    con = connect(out)
    print(build(con, s))
    con.close()

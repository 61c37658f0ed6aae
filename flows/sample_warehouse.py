"""A warehouse from the sample calls' scripted turns (no Whisper): for tests, the bench and trying views.

The turns go through the one text path (speech/text.py: normalise, terms, PII mask) and are written as the
night flow writes a call; then the topics and outcomes steps run. `callintel demo` does the same from audio,
which takes minutes; this takes seconds and gives every view real rows.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

from callintel.flows.dialogues import land_dialogues
from callintel.flows.steps import run_steps
from callintel.settings import CONFIG_DIR, SAMPLES_DIR, Settings

SAMPLES = SAMPLES_DIR


def sample_calls(extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The sample calls (samples/truth.json: turns with times), plus `extra` ones, in start order."""
    calls = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))["calls"]
    return sorted([*calls, *(extra or [])], key=lambda c: c["started_at"])


def land_calls(con: duckdb.DuckDBPyConnection, calls: list[dict[str, Any]], settings: Settings,
               run_id: str = "run-samples") -> list[date]:
    """Write each call and its masked turns (with their times and queue); returns the nights, oldest first."""
    return land_dialogues(con, calls, settings, run_id=run_id, source="scripted", audio_root=SAMPLES,
                          extras=("queue",))


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
    s = load_settings(CONFIG_DIR / "demo.toml", overrides={"outcomes": {"min_topic_calls": 2}})
    con = connect(out)
    print(build(con, s))
    con.close()

"""Calls given as dialogue text, written to a warehouse as a night writes a transcribed call.

For whatever has turns rather than audio: the eval harness (`callintel eval calls`), the sample
warehouse (tests, benches, trying the views). A call is a dict with `call_id`, `started_at` (ISO; without
its UTC offset it is read in [night] timezone) and `turns` ({speaker, text, start?, end?} each), optionally
`caller_number`, `agent_id`, `channel_layout` and `audio_path`. Its night is the local date of `started_at` in
[night] timezone; the turns take the one text path (speech/text.py: normalised, terms, PII masked),
so they land as a transcript would. The turns' own sha256 stands in for the audio's (repeat linking
treats equal content under two call ids as one call loaded twice).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from callintel.manifest import parse_time
from callintel.privacy import caller_hash
from callintel.records import CHANNEL_LAYOUTS, CallRecord
from callintel.settings import Settings
from callintel.speech.text import TextCleaner, transcript_from_turns
from callintel.warehouse.calls import write_call


def land_dialogues(con: duckdb.DuckDBPyConnection, calls: Sequence[Mapping[str, Any]], settings: Settings, *,
                   run_id: str, source: str, audio_root: Path | None = None,
                   extras: Sequence[str] = ()) -> list[date]:
    """Write every call and its masked turns; returns the nights written, oldest first.

    `source` is what calls.source says; `audio_root` resolves a call's `audio_path` (else a placeholder
    path names the call); `extras` are call keys kept as manifest extras (the samples' queue; the eval
    passes none, so intent and topics come from what was said).
    """
    tz = ZoneInfo(settings["night"]["timezone"])
    cleaner = TextCleaner.from_settings(settings)
    keep_number = settings["privacy"]["keep_caller_number"]
    nights = set()
    for line, call in enumerate(calls, start=2):  # line 1 of a manifest is its header
        started = parse_time(str(call["started_at"]), tz)
        night = started.astimezone(tz).date()
        layout = call.get("channel_layout") if call.get("channel_layout") in CHANNEL_LAYOUTS else "stereo_agent_left"
        path = audio_root / call["audio_path"] if audio_root and call.get("audio_path") else Path(
            f"dialogues/{call['call_id']}")
        record = CallRecord(call["call_id"], path, call.get("caller_number") or None, call.get("agent_id"), started,
                            layout, night, line, {k: call.get(k, "") for k in extras})
        turns = [dict(t) for t in call["turns"]]
        sha = hashlib.sha256(json.dumps(turns, ensure_ascii=False, sort_keys=True).encode()).hexdigest()
        transcript = transcript_from_turns(call["call_id"], turns, settings, source_sha256=sha, cleaner=cleaner,
                                          on=night)
        write_call(con, record, transcript, run_id, caller_hash(record.caller_number, settings), keep_number, source)
        nights.add(night)
    return sorted(nights)

"""Writes of a call with its utterances (warehouse/sql/001_core.sql).

Each call is written in one transaction that first deletes the call's old rows, so a
rerun replaces and a crash half-way leaves the previous state.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import duckdb

from callintel.records import CallRecord, Transcript
from callintel.warehouse.db import replace_rows, transaction

UTTERANCE_COLUMNS = ("call_id", "seq", "speaker", "channel", "start_s", "end_s", "text",
                     "avg_logprob", "no_speech_prob")
CALL_COLUMNS = ("call_id", "night", "started_at", "ended_at", "duration_s", "caller_hash", "caller_number",
                "agent_id", "channel_layout", "role_method", "audio_path", "audio_sha256", "n_utterances",
                "agent_talk_s", "customer_talk_s", "warnings", "attributes", "run_id", "asr_model",
                "processed_at")


def _now() -> datetime:
    return datetime.now(UTC)


def write_call(con: duckdb.DuckDBPyConnection, call: CallRecord, transcript: Transcript, run_id: str,
               caller_hash: str | None, keep_number: bool, asr_model: str) -> None:
    """Replace one call and its utterances; clears any earlier failure of this call."""
    utts = transcript.utterances
    talk = {"agent": 0.0, "customer": 0.0}
    for u in utts:
        if u.speaker in talk:
            talk[u.speaker] += max(0.0, u.end - u.start)
    ended = call.started_at.timestamp() + transcript.duration_s
    call_row = (
        call.call_id, call.night, call.started_at, datetime.fromtimestamp(ended, call.started_at.tzinfo),
        transcript.duration_s, caller_hash, call.caller_number if keep_number else None, call.agent_id,
        call.channel_layout, transcript.role_method, str(call.audio_path), transcript.audio_sha256, len(utts),
        round(talk["agent"], 2), round(talk["customer"], 2), json.dumps(transcript.warnings, ensure_ascii=False),
        json.dumps(call.attributes, ensure_ascii=False, default=str), run_id, asr_model, _now(),
    )
    utt_rows = [(call.call_id, i, u.speaker, u.channel, u.start, u.end, u.text, u.avg_logprob, u.no_speech_prob)
                for i, u in enumerate(utts)]
    with transaction(con):
        replace_rows(con, "calls", "call_id", [call.call_id], CALL_COLUMNS, [call_row])
        replace_rows(con, "utterances", "call_id", [call.call_id], UTTERANCE_COLUMNS, utt_rows)
        con.execute("DELETE FROM failures WHERE (call_id = ? OR item = ?) AND stage <> 'manifest'",
                    [call.call_id, call.call_id])

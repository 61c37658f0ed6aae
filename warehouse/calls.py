"""Writes of the core tables: calls with their utterances, failures, run records, the speech cache.

Each call is written in one transaction that first deletes the call's old rows, so a
rerun replaces and a crash half-way leaves the previous state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from callintel.records import CallRecord, Failure, Transcript
from callintel.warehouse.db import insert_columns, transaction

UTTERANCE_COLUMNS = ("call_id", "seq", "speaker", "channel", "start_s", "end_s", "text",
                     "avg_logprob", "no_speech_prob")
CALL_COLUMNS = ("call_id", "night", "started_at", "ended_at", "duration_s", "caller_hash", "caller_number",
                "agent_id", "channel_layout", "role_method", "audio_path", "audio_sha256", "n_utterances",
                "agent_talk_s", "customer_talk_s", "warnings", "attributes", "run_id", "asr_model",
                "processed_at", "source", "transcript_path")


def _now() -> datetime:
    return datetime.now(UTC)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, manifest: str, nights: list[str],
              calls_in_manifest: int, fingerprint: str, models: dict[str, str], version: str) -> None:
    con.execute("""INSERT INTO pipeline_runs (run_id, flow, manifest, nights, started_at, status,
                   calls_in_manifest, config_fingerprint, model_versions, callintel_version)
                   VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)""",
                [run_id, flow, manifest, ",".join(nights), _now(), calls_in_manifest, fingerprint,
                 json.dumps(models), version])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **figures: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in figures)
    con.execute(f"UPDATE pipeline_runs SET finished_at = ?, status = ?{', ' if sets else ''}{sets} "
                "WHERE run_id = ?", [_now(), status, *figures.values(), run_id])


def write_call(con: duckdb.DuckDBPyConnection, call: CallRecord, transcript: Transcript, run_id: str,
               caller_hash: str | None, keep_number: bool, asr_model: str | None) -> None:
    """Replace one call and its utterances; clears any earlier failure of this call."""
    write_calls(con, [(call, transcript, caller_hash, asr_model)], run_id, keep_number)


def write_calls(con: duckdb.DuckDBPyConnection,
                items: Sequence[tuple[CallRecord, Transcript, str | None, str | None]], run_id: str,
                keep_number: bool) -> int:
    """Replace calls and their utterances in one transaction: (call, transcript, caller_hash, asr_model) each.

    A night of imported transcripts lands thousands of calls a second this way (one call per
    transaction: ~25 per second); a crash half-way leaves the previous state of all of them.
    """
    call_rows, utt_rows = [], []
    for call, transcript, caller_hash, asr_model in items:
        utts = transcript.utterances
        talk = {"agent": 0.0, "customer": 0.0}
        for u in utts:
            if u.speaker in talk:
                talk[u.speaker] += max(0.0, u.end - u.start)
        ended = call.started_at.timestamp() + transcript.duration_s
        call_rows.append((
            call.call_id, call.night, call.started_at, datetime.fromtimestamp(ended, call.started_at.tzinfo),
            transcript.duration_s, caller_hash, call.caller_number if keep_number else None, call.agent_id,
            call.channel_layout, transcript.role_method, _path(call.audio_path), transcript.audio_sha256, len(utts),
            round(talk["agent"], 2), round(talk["customer"], 2), json.dumps(transcript.warnings, ensure_ascii=False),
            json.dumps(call.attributes, ensure_ascii=False, default=str), run_id, asr_model, _now(),
            transcript.source, _path(call.transcript_path),
        ))
        utt_rows += [(call.call_id, i, u.speaker, u.channel, u.start, u.end, u.text, u.avg_logprob, u.no_speech_prob)
                     for i, u in enumerate(utts)]
    ids = [row[0] for row in call_rows]
    if not ids:
        return 0
    with transaction(con):
        for table in ("calls", "utterances"):
            con.execute(f"DELETE FROM {table} WHERE call_id IN (SELECT unnest(?))", [ids])
        insert_columns(con, "calls", CALL_COLUMNS, call_rows)
        insert_columns(con, "utterances", UTTERANCE_COLUMNS, utt_rows)
        con.execute("DELETE FROM failures WHERE (call_id IN (SELECT unnest($1)) OR item IN (SELECT unnest($1))) "
                    "AND stage <> 'manifest'", [ids])
    return len(ids)


def _path(path: Path | None) -> str | None:
    return None if path is None else str(path)


def write_failures(con: duckdb.DuckDBPyConnection, failures: Iterable[Failure], manifest: str,
                   run_id: str) -> int:
    """Upsert failures keyed by (manifest, item, stage): a rerun updates, never duplicates."""
    rows = [(f.item, f.stage, f.call_id, manifest, f.reason, f.detail, run_id, _now()) for f in failures]
    if not rows:
        return 0
    with transaction(con):
        con.executemany("""INSERT OR REPLACE INTO failures
            (item, stage, call_id, manifest, reason, detail, run_id, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                        rows)
    return len(rows)


def clear_manifest_failures(con: duckdb.DuckDBPyConnection, manifest: str, keep_items: set[str]) -> None:
    """Forget earlier manifest-line failures that this run no longer sees (the row was fixed)."""
    rows = con.execute("SELECT item FROM failures WHERE manifest = ? AND stage = 'manifest'", [manifest]).fetchall()
    stale = [item for (item,) in rows if item not in keep_items]
    if stale:
        con.execute("DELETE FROM failures WHERE manifest = ? AND stage = 'manifest' AND item IN (SELECT unnest(?))",
                    [manifest, stale])


def cached_transcripts(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = con.execute("SELECT cache_key, transcript FROM speech_cache WHERE cache_key IN (SELECT unnest(?))",
                       [keys]).fetchall()
    return dict(rows)


def cache_transcript(con: duckdb.DuckDBPyConnection, key: str, call_id: str, sha: str, blob: str) -> None:
    con.execute("INSERT OR REPLACE INTO speech_cache VALUES (?, ?, ?, ?, ?)", [key, call_id, sha, blob, _now()])


def cache_transcripts(con: duckdb.DuckDBPyConnection, entries: Iterable[tuple[str, str, str, str]]) -> int:
    """Many (key, call_id, sha, blob) at once; the last of a repeated key wins (two rows, one file)."""
    now = _now()
    rows = {key: (key, call_id, sha, blob, now) for key, call_id, sha, blob in entries}
    return insert_columns(con, "speech_cache", ("cache_key", "call_id", "audio_sha256", "transcript", "created_at"),
                          rows.values(), verb="INSERT OR REPLACE")

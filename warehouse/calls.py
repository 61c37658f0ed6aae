"""Writes of the core tables: calls with their utterances, failures, run records, the speech cache.

Each call is written in one transaction that first deletes the call's old rows, so a
rerun replaces and a crash half-way leaves the previous state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb

from callintel.records import CallRecord, Transcript, Utterance
from callintel.settings import Settings
from callintel.turns import merge_turns
from callintel.warehouse.db import insert_columns, transaction

UTTERANCE_COLUMNS = ("call_id", "seq", "speaker", "channel", "start_s", "end_s", "text",
                     "avg_logprob", "no_speech_prob", "stated_age", "parts")
log = logging.getLogger(__name__)
CALL_COLUMNS = ("call_id", "night", "started_at", "ended_at", "duration_s", "caller_hash", "caller_number",
                "agent_id", "channel_layout", "role_method", "audio_path", "audio_sha256", "n_utterances",
                "agent_talk_s", "customer_talk_s", "warnings", "attributes", "run_id", "asr_model",
                "processed_at", "source", "transcript_path")


def _now() -> datetime:
    return datetime.now(UTC)


def write_call(con: duckdb.DuckDBPyConnection, call: CallRecord, transcript: Transcript, run_id: str,
               caller_hash: str | None, keep_number: bool, asr_model: str | None,
               turns: TurnJoin | None = None) -> None:
    """Replace one call and its utterances; clears any earlier failure of this call."""
    write_calls(con, [(call, transcript, caller_hash, asr_model)], run_id, keep_number, turns)


class TurnJoin:
    """Which transcripts have their utterances joined into turns before they are written, and how ([night])."""

    def __init__(self, gap_s: float, sources: Sequence[str]):
        self.gap_s, self.sources = gap_s, tuple(sources)

    @classmethod
    def from_settings(cls, settings: Settings) -> TurnJoin:
        night = settings["night"]
        return cls(night["turn_gap_s"], night["turn_sources"])

    def turns(self, transcript: Transcript) -> list[Utterance]:
        """The utterances as the warehouse stores them: joined when the transcript's source is one of ours."""
        if transcript.source not in self.sources:
            return list(transcript.utterances)
        return merge_turns(transcript.utterances, self.gap_s)


def write_calls(con: duckdb.DuckDBPyConnection,
                items: Sequence[tuple[CallRecord, Transcript, str | None, str | None]], run_id: str,
                keep_number: bool, turns: TurnJoin | None = None) -> int:
    """Replace calls and their utterances in one transaction: (call, transcript, caller_hash, asr_model) each.

    A night of imported transcripts lands thousands of calls a second this way (one call per
    transaction: ~25 per second); a crash half-way leaves the previous state of all of them. `turns`: recognised
    utterances of one speaker a short pause apart are stored as one turn (None: every utterance as given).
    """
    call_rows, utt_rows = [], []
    for call, transcript, caller_hash, asr_model in items:
        talk = {"agent": 0.0, "customer": 0.0}
        for u in transcript.utterances:  # speech heard, not the pauses inside a joined turn
            if u.speaker in talk:
                talk[u.speaker] += max(0.0, u.end - u.start)
        utts = turns.turns(transcript) if turns else transcript.utterances
        ended = call.started_at.timestamp() + transcript.duration_s
        call_rows.append((
            call.call_id, call.night, call.started_at, datetime.fromtimestamp(ended, call.started_at.tzinfo),
            transcript.duration_s, caller_hash, call.caller_number if keep_number else None, call.agent_id,
            call.channel_layout, transcript.role_method, _path(call.audio_path), transcript.audio_sha256, len(utts),
            round(talk["agent"], 2), round(talk["customer"], 2), json.dumps(transcript.warnings, ensure_ascii=False),
            json.dumps(call.attributes, ensure_ascii=False, default=str), run_id, asr_model, _now(),
            transcript.source, _path(call.transcript_path),
        ))
        utt_rows += [(call.call_id, i, u.speaker, u.channel, u.start, u.end, u.text, u.avg_logprob, u.no_speech_prob,
                      u.stated_age, json.dumps([list(p) for p in u.parts]) if u.parts else None)
                     for i, u in enumerate(utts)]
    ids = [row[0] for row in call_rows]
    files = [str(p) for call, *_ in items for p in (call.audio_path, call.transcript_path) if p is not None]
    if not ids:
        return 0
    with transaction(con):
        forget_moved(con, [(row[0], row[1]) for row in call_rows])
        for table in ("calls", "utterances"):
            con.execute(f"DELETE FROM {table} WHERE call_id IN (SELECT unnest(?))", [ids])
        insert_columns(con, "calls", CALL_COLUMNS, call_rows)
        insert_columns(con, "utterances", UTTERANCE_COLUMNS, utt_rows)
        # the call's failures, from any manifest; a duplicate row ("C1 (line 9)") stays: that row is still wrong
        con.execute("""DELETE FROM failures WHERE item IN (SELECT unnest($1))
                       OR (stage <> 'manifest' AND call_id IN (SELECT unnest($1)))
                       OR (stage = 'manifest' AND call_id IS NULL AND source_path IN (SELECT unnest($2)))""",
                    [ids, files])
    return len(ids)


# What a night's steps wrote of a call under the night it was on: a step replaces its rows night by night (questions,
# call topics) or by the calls it reads, so a call landing on another night takes them along instead.
_BY_QUESTION = ("question_topics", "call_question_topics", "question_follow_ups")
_BY_CALL = ("questions", "call_topics")


def forget_moved(con: duckdb.DuckDBPyConnection, landing: Sequence[tuple[str, date]]) -> list[str]:
    """The calls of (call_id, night) already in the warehouse under another night, with their questions, question
    topics and call topics deleted (call inside the landing's transaction).

    Why: a manifest that corrects a call's start time (or reuses an id on a later night) moves the call; the steps of
    its new night then write its questions and call topic again, under the same ids, and would break on the old rows
    (a duplicate question_id), stopping that night on every rerun. The daily topic counts follow it (topic_daily is
    recomputed whole after every run); the other per-call rows (outcomes, profiles, replies, intent) are replaced by
    call_id when the new night's steps run. Human reviews of its replies (script_reviews) stay.
    """
    if not landing:
        return []
    moved = [c for (c,) in con.execute("""SELECT c.call_id FROM calls c JOIN (SELECT unnest($1) AS call_id,
                                                 unnest($2) AS night) n USING (call_id) WHERE c.night <> n.night""",
                                       [[c for c, _ in landing], [n for _, n in landing]]).fetchall()]
    if moved:
        for table in _BY_QUESTION:
            con.execute(f"""DELETE FROM {table} WHERE question_id IN
                            (SELECT question_id FROM questions WHERE call_id IN (SELECT unnest(?)))""", [moved])
        for table in _BY_CALL:
            con.execute(f"DELETE FROM {table} WHERE call_id IN (SELECT unnest(?))", [moved])
        log.warning("calls moved to another night (their questions and topics go with them): %s",
                    ", ".join(sorted(moved)))
    return moved


def _path(path: Path | None) -> str | None:
    return None if path is None else str(path)


def calls_of_nights(con: duckdb.DuckDBPyConnection, nights: Sequence[date]) -> list[dict[str, Any]]:
    """The nights' calls (id, night, caller hash, agent, start, end) in start order: what steps load."""
    rows = con.execute("""SELECT call_id, night, caller_hash, agent_id, started_at, ended_at FROM calls
                          WHERE night IN (SELECT unnest(?)) ORDER BY started_at, call_id""",
                       [list(nights)]).fetchall()
    cols = ("call_id", "night", "caller_hash", "agent_id", "started_at", "ended_at")
    return [dict(zip(cols, r, strict=True)) for r in rows]


def utterances_by_call(con: duckdb.DuckDBPyConnection, call_ids: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """(speaker, text) per call in time order."""
    out: dict[str, list[tuple[str, str]]] = {c: [] for c in call_ids}
    if not call_ids:
        return out
    rows = con.execute("""SELECT call_id, speaker, text FROM utterances WHERE call_id IN (SELECT unnest(?))
                          ORDER BY call_id, seq""", [list(call_ids)]).fetchall()
    for call_id, speaker, text in rows:
        out[call_id].append((speaker, text))
    return out

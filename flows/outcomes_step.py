"""Outcomes step: score every call of the nights, link repeat contacts, apply the FCR override.

Plain function (no Prefect) so tests call it directly. Run it after the topics step, so calls
carry their main topic; without topics it still runs and says so in its summary.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from callintel.nlp.outcomes import (
    escalations,
    evidence_sentence,
    lexicon_from_settings,
    model_from_settings,
    score_turns,
    to_turns,
)
from callintel.settings import Settings
from callintel.warehouse import outcomes as store


def _sha12(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def run(con: duckdb.DuckDBPyConnection, nights: list[date], settings: Settings) -> dict[str, Any]:
    started = time.perf_counter()
    cfg = settings["outcomes"]
    tz = ZoneInfo(settings["night"]["timezone"])
    lex = lexicon_from_settings(settings)
    model = model_from_settings(settings)
    versions = f"lexicon={_sha12(Path(lex.source))};model=" + (
        _sha12(settings.config_file(cfg["model"])) if model is not None else "none")
    store.write_params(con, {"repeat_window_days": cfg["repeat_window_days"],
                             "min_topic_calls": cfg["min_topic_calls"], "example_calls": cfg["example_calls"],
                             "timezone": settings["night"]["timezone"]})  # the views' *_local columns

    calls = store.calls_of_nights(con, nights)
    ids = [c["call_id"] for c in calls]
    utterances = store.utterances_by_call(con, ids)
    affected = store.affected_calls(con, nights)
    topics, topic_note = store.main_topics(con, affected)
    now = datetime.now(UTC)
    rows = []
    for c in calls:
        turns = to_turns(utterances[c["call_id"]])
        outcome = score_turns(turns, lex, model)
        start, end = c["started_at"], c["ended_at"]
        handle = (end - start).total_seconds() if end is not None else None
        evidence = [{"cue": e.cue, "phrase": e.phrase, "turn": e.turn, "speaker": e.speaker,
                     "weight": lex.cue(e.cue).weight, "text": evidence_sentence(turns[e.turn].text, e.phrase)}
                    for e in outcome.evidence]
        rows.append((
            c["call_id"], c["night"], c["caller_hash"], c["agent_id"], start, start.astimezone(tz).hour,
            handle if handle is not None and handle >= 0 else None, topics.get(c["call_id"]), len(turns),
            outcome.score, outcome.rule_score, outcome.method, outcome.label, outcome.label, False,
            bool(escalations(turns, lex)), any(e.cue == "customer_unanswered_question" for e in outcome.evidence),
            json.dumps(evidence, ensure_ascii=False), "; ".join(e.as_text() for e in outcome.evidence), versions, now,
        ))
    store.write_outcomes(con, rows)
    if topic_note is None:  # topics were read: refresh earlier calls' topics too
        scored = set(ids)
        store.set_topics(con, {c: topics.get(c) for c in affected if c not in scored})
    repeats = store.refresh_repeats(con, affected, bool(cfg["fcr_same_topic_only"]),
                                    bool(cfg["fcr_unknown_topic_overrides"]))
    labels = Counter(label for (label,) in con.execute(
        "SELECT label FROM call_outcomes WHERE call_id IN (SELECT unnest(?))", [ids]).fetchall())
    result: dict[str, Any] = {"calls_scored": len(rows), "method": "model" if model is not None else "rules",
                              "labels": dict(labels), "calls_relinked": len(affected), **repeats,
                              "calls_with_topic": sum(1 for c in affected if topics.get(c)),
                              "seconds": round(time.perf_counter() - started, 2)}
    if topic_note:
        result["note"] = topic_note
    return result

"""The call sets the project had written as probes (bench/calls_*/) measure: every call passes the truth checks
`callintel eval calls` applies, every truth turn points at its speaker's turn with the same text, and the set's
topics and repeats are what its brief asked for."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from callintel.evaluation.calls import dialogues_file, load_dialogues
from callintel.evaluation.calls_truth import checked_calls
from callintel.settings import load_settings

BENCH = Path(__file__).resolve().parent.parent / "bench"
SETS = sorted(p.parent for p in BENCH.glob("calls_*/dialogues.json"))


@pytest.fixture(scope="module", params=SETS, ids=[p.name for p in SETS])
def probe(request) -> tuple[Path, dict]:
    return request.param, json.loads((request.param / "dialogues.json").read_text(encoding="utf-8"))


def test_there_is_a_probe_set():
    assert SETS, "bench/calls_motor/dialogues.json is missing"


def test_every_call_passes_the_evals_truth_checks(probe):
    folder, _ = probe
    raw = load_dialogues(dialogues_file(folder))
    calls, problems = checked_calls(raw, load_settings())
    assert problems == [] and len(calls) == len(raw) == 40


def test_truth_turns_point_at_their_speakers_text(probe):
    _, data = probe
    slugs = {t["slug"] for t in data["topics"]}
    for call in data["calls"]:
        turns, truth = call["turns"], call["truth"]
        assert truth["topic"]["slug"] in slugs
        for q in truth["questions"]:
            assert turns[q["turn"]] == {"speaker": "customer", "text": q["text"]}, call["call_id"]
            assert q["topic"] is None or q["topic"] in slugs
        best = truth["best_agent_reply"]
        assert best is None or turns[best["turn"]] == {"speaker": "agent", "text": best["text"]}
        for field, fact in truth["profile"].items():
            assert turns[fact["turn"]]["text"] == fact["evidence"], (call["call_id"], field)


def test_topics_nights_and_repeats_as_briefed(probe):
    _, data = probe
    calls = {c["call_id"]: c for c in data["calls"]}
    per_topic = Counter(c["truth"]["topic"]["slug"] for c in calls.values())
    assert len(per_topic) == 12 and min(per_topic.values()) >= 2   # each writer had ten of the twelve
    assert len({c["started_at"][:10] for c in calls.values()}) == 4
    repeats = [c for c in calls.values() if c["truth"]["repeat_of"]]
    assert len(repeats) >= 4   # one or two a writer, as each set's brief asked
    for c in repeats:
        first = calls[c["truth"]["repeat_of"]]
        assert first["caller_number"] == c["caller_number"] and first["started_at"] < c["started_at"]

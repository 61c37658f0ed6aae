"""The calls of a `dialogues.json` checked before `callintel eval calls` lands and scores them.

Why: the figures that count are measured on sets nobody here has read. One call with a truth field left empty (a
wrong number has no topic), a speaker written 坐席, a start time without its offset or a call listed twice must not
stop the whole evaluation with a traceback and no figure at all. Each call is read into the shape the landing and
the scorers rely on; what cannot be used is left out of the figures it would spoil (a call without a true topic
counts in no topic figure, a question without a turn in no question figure) and a call that cannot be landed at
all (no id, no readable start, a speaker that is neither side) is left out whole. Every such decision is a line
of `problems`, which the figures carry (`truth_problems`), so a person sees what was not measured and why.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from callintel.manifest import parse_time
from callintel.settings import Settings
from callintel.speech.transcripts import Labels, TranscriptError

Call = dict[str, Any]

TRUTH_KEYS = ("resolved", "repeat_of", "purchase_intent", "product_interest")


def checked_calls(raw: Sequence[Any], settings: Settings) -> tuple[list[Call], list[str]]:
    """(calls in the shape the eval reads, one line per problem found); calls keep their order in the file."""
    labels = Labels.from_settings(settings)
    tz = ZoneInfo(settings["night"]["timezone"])
    calls: list[Call] = []
    problems: list[str] = []
    seen: set[str] = set()
    for n, item in enumerate(raw, start=1):
        where = f"call {n}"
        if not isinstance(item, dict) or not str(item.get("call_id") or "").strip():
            problems.append(f"{where}: no call_id; left out")
            continue
        call_id = str(item["call_id"]).strip()
        where = f"call {n} ({call_id})"
        if call_id in seen:
            problems.append(f"{where}: the same call_id again; only its first entry is used")
            continue
        try:
            started = _started(item.get("started_at"), tz)
            turns = _turns(item.get("turns"), labels, where)
        except (TranscriptError, ValueError) as e:
            problems.append(f"{e}; left out")
            continue
        seen.add(call_id)
        call = {k: v for k, v in item.items() if k not in ("call_id", "started_at", "turns", "truth")}
        call |= {"call_id": call_id, "started_at": started, "turns": turns,
                 "truth": _truth(item.get("truth"), len(turns), where, problems)}
        calls.append(call)
    return calls, problems


def problem_summary(calls_in_file: int, calls: Sequence[Call], problems: Sequence[str]) -> dict[str, Any]:
    """What the figures say of the file (`truth_problems`): calls read, calls measured, and the problems found."""
    return {"calls_in_file": calls_in_file, "calls_measured": len(calls), "problems": len(problems),
            "examples": list(problems[:20])}


def _started(value: Any, tz: ZoneInfo) -> str:
    """ISO 8601 with its UTC offset; a time without one is read in [night] timezone (the centre's clock)."""
    if not value:
        raise ValueError("no started_at")
    try:
        return parse_time(str(value), tz).isoformat()
    except ValueError:
        raise ValueError(f"started_at '{value}' is not an ISO 8601 time") from None


def _turns(value: Any, labels: Labels, where: str) -> list[dict[str, str]]:
    """Every turn as {speaker: agent | customer | unknown, text}, in order (turn indexes are what the truth cites);
    a speaker label is read through [transcripts] agent_labels / customer_labels, as an imported transcript's."""
    if not isinstance(value, list):
        raise ValueError(f"{where}: turns is not a list")
    out = []
    for i, turn in enumerate(value):
        turn = turn if isinstance(turn, dict) else {}
        label = str(turn.get("speaker") or "").strip()
        speaker = "unknown" if label.lower() in ("", "unknown") else labels.role(label, f"{where} turn {i}")
        out.append({"speaker": speaker, "text": str(turn.get("text") or "")})
    return out


def _truth(value: Any, turns: int, where: str, problems: list[str]) -> dict[str, Any]:
    """The truth with every key the scorers read: a missing or unusable part is None / empty, and said."""
    if not isinstance(value, dict):
        problems.append(f"{where}: no truth; scored for nothing")
        value = {}
    truth: dict[str, Any] = {k: value.get(k) for k in TRUTH_KEYS}
    truth["topic"] = _topic(value.get("topic"))
    if truth["topic"] is None:
        problems.append(f"{where}: no true topic; left out of the topic figures")
    truth["questions"] = []
    questions = value.get("questions")
    if not isinstance(questions, list):
        problems.append(f"{where}: no true questions list; its questions are not measured")
        questions = []
    for q in questions:
        turn = q.get("turn") if isinstance(q, dict) else None
        if not (isinstance(turn, int) and 0 <= turn < turns):
            problems.append(f"{where}: a true question without a turn of the call ({turn!r}); left out")
            continue
        q = dict(q)
        if "topic" in q:   # a question's topic is its slug (or None); the file may give {slug, name}
            topic = _topic(q["topic"])
            q["topic"] = topic["slug"] if topic else None
        truth["questions"].append(q)
    truth["profile"] = {}
    profile = value.get("profile") if isinstance(value.get("profile"), dict) else {}
    for field, item in profile.items():
        fact = item.get("value") if isinstance(item, dict) else item
        if fact is None or str(fact).strip() == "":
            continue   # a field written with no value states nothing
        truth["profile"][field] = {**(item if isinstance(item, dict) else {}), "value": str(fact)}
    best = value.get("best_agent_reply")
    best_turn = best.get("turn") if isinstance(best, dict) else None
    truth["best_agent_reply"] = best if isinstance(best_turn, int) and 0 <= best_turn < turns else None
    if best is not None and truth["best_agent_reply"] is None:
        problems.append(f"{where}: best_agent_reply names no turn of the call; left out")
    return truth


def _topic(value: Any) -> dict[str, Any] | None:
    """A topic as {slug, name?}: a file gives it so or as the slug alone; nothing usable is None."""
    if isinstance(value, dict):
        slug = str(value.get("slug") or "").strip()
        return {**value, "slug": slug} if slug else None
    if isinstance(value, str) and value.strip():
        return {"slug": value.strip()}
    return None

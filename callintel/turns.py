"""Recognised utterances joined into speaker turns, the unit every analytics step reads.

The speech stage cuts a turn wherever the VAD heard a pause or Whisper ended a segment: one answer of the agent
comes back as five utterances. The analytics were written for turns (a best reply is a turn; a question's
context is the turn it sits in; a profile cue and its number fall in different pieces), so consecutive
utterances of one speaker with at most `max_gap_s` of silence between them become one turn. Each piece's
start and end stay with the turn (`Utterance.parts`), so a transcript can still point into the audio.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from callintel.records import Utterance

_ENDS = "。！？!?，,；;…"


def _joined(a: str, b: str) -> str:
    """Texts of two pieces of one turn: a piece Whisper left unpunctuated is closed with a comma."""
    if not a or not b or a[-1] in _ENDS:
        return a + b
    return f"{a}，{b}"


def _weighted(a: float | None, wa: float, b: float | None, wb: float) -> float | None:
    if a is None or b is None:
        return a if b is None else b
    total = wa + wb
    return round((a * wa + b * wb) / total, 4) if total > 0 else a


def merge_turns(utterances: Sequence[Utterance], max_gap_s: float) -> list[Utterance]:
    """Consecutive same-speaker utterances (same channel) at most `max_gap_s` apart as one. Whisper's scores are
    averaged by duration, the first stated age kept."""
    out: list[Utterance] = []
    for u in utterances:
        prev = out[-1] if out else None
        if prev is None or prev.speaker != u.speaker or prev.channel != u.channel or u.start - prev.end > max_gap_s:
            out.append(u)
            continue
        parts = prev.parts or ((prev.start, prev.end),)
        dur_prev, dur = max(0.0, prev.end - prev.start), max(0.0, u.end - u.start)
        out[-1] = replace(
            prev, end=max(prev.end, u.end), text=_joined(prev.text, u.text),
            avg_logprob=_weighted(prev.avg_logprob, dur_prev, u.avg_logprob, dur),
            no_speech_prob=_weighted(prev.no_speech_prob, dur_prev, u.no_speech_prob, dur),
            stated_age=prev.stated_age if prev.stated_age is not None else u.stated_age,
            parts=(*parts, *(u.parts or ((u.start, u.end),))))
    return out

"""The records that flow between stages: plain dataclasses, no behaviour.

They are the contracts between `speech`, `nlp`, `warehouse` and `flows`, and are
picklable so a Dask worker can return them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

ChannelLayout = Literal["stereo_agent_left", "stereo_agent_right", "mono"]
Speaker = Literal["agent", "customer", "unknown"]
CHANNEL_LAYOUTS: tuple[str, ...] = ("stereo_agent_left", "stereo_agent_right", "mono")


@dataclass(frozen=True)
class CallRecord:
    """One manifest row: a recording and what the telephony system knows about it."""

    call_id: str
    audio_path: Path
    caller_number: str | None
    agent_id: str | None
    started_at: datetime
    channel_layout: ChannelLayout
    night: date
    source_line: int
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Utterance:
    """One speaker turn, time-stamped against the start of the recording; text is masked."""

    speaker: Speaker
    start: float
    end: float
    text: str
    channel: int | None = None
    avg_logprob: float | None = None
    no_speech_prob: float | None = None


@dataclass
class Transcript:
    """What the speech stage returns for one call."""

    call_id: str
    audio_sha256: str
    duration_s: float
    utterances: list[Utterance]
    cache_key: str
    warnings: list[str] = field(default_factory=list)
    processing_s: float = 0.0
    role_method: str = "channel"  # how speakers were assigned: channel / greeting / unknown


@dataclass
class Failure:
    """A call (or manifest line) that did not make it through a stage, with an actionable reason."""

    item: str  # call_id, or "line N" for a manifest row that has none
    stage: str  # manifest / decode / transcribe / nlp / warehouse
    reason: str
    detail: str = ""
    call_id: str | None = None

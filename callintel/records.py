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
# Readers of transcripts made elsewhere (speech/transcripts.py; docs/transcripts.md): a manifest's transcript_format.
TRANSCRIPT_FORMATS: tuple[str, ...] = ("callintel", "whisper", "funasr", "aws-call-analytics")


@dataclass(frozen=True)
class CallRecord:
    """One manifest row: a recording (or a transcript made elsewhere) and what the telephony system knows.

    Exactly one of `audio_path` and `transcript_path` is set; a transcript row may leave
    `channel_layout` empty (None).
    """

    call_id: str
    audio_path: Path | None
    caller_number: str | None
    agent_id: str | None
    started_at: datetime
    channel_layout: ChannelLayout | None
    night: date
    source_line: int
    attributes: dict[str, Any] = field(default_factory=dict)
    transcript_path: Path | None = None
    transcript_format: str | None = None  # a reader of speech.transcripts; None = recognised by shape


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
    stated_age: int | None = None  # age from an ID number or birth date said here, read before masking
    # (start, end) of each recognised utterance joined into this turn (callintel/turns.py); () when it is one
    parts: tuple[tuple[float, float], ...] = ()


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
    role_method: str = "channel"  # how speakers were assigned: channel / greeting / unknown / transcript
    source: str = "asr"  # asr (callintel's speech stage) or the reader of an imported transcript


@dataclass
class Failure:
    """A call (or manifest line) that did not make it through a stage, with an actionable reason."""

    item: str  # call_id, or "line N" for a manifest row that has none
    stage: str  # manifest / decode / transcribe / import / nlp / warehouse
    reason: str
    detail: str = ""
    call_id: str | None = None
    source: str | None = None  # the file a failed manifest row names: the call landing from it clears the failure

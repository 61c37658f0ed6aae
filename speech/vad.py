"""Voice activity: where each channel speaks, and how those stretches are grouped for Whisper.

We reuse faster-whisper's bundled Silero VAD (`get_speech_timestamps`) but do not use its
`vad_filter`, which glues all speech of a file together before decoding. On call audio that
glue is what lost turns: Whisper reads the first sentence of a glued window, emits an
end-of-text, and the rest of the 30 s window is skipped; and a segment spanning the glue point
is mapped back with an end time inside the other speaker's turn.

Instead each channel's speech regions are grouped into *windows* of real, contiguous audio
(the pauses inside stay as they were, long silences between windows are never decoded), so a
timestamp is simply window start + Whisper's offset. `speech.asr` then checks that every region
of a window is covered by some text and decodes the uncovered ones again on their own.

Silero runs at 16 kHz; 8 kHz telephone audio is upsampled by the decoder first. On the shared
8 kHz call its default threshold (0.5) finds every turn; what it misses is quiet lead-in speech
(rms < 0.02) that Whisper does not transcribe either.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from faster_whisper.vad import VadOptions, get_speech_timestamps

from callintel.settings import options
from callintel.speech.decode import SAMPLE_RATE


@dataclass(frozen=True)
class VadSettings:
    """Silero options for call audio ([speech.vad] in configs/callintel.toml).

    `min_silence_ms` is far below faster-whisper's 2000 ms default: a turn change on a mono
    call is often a 0.3-0.6 s gap, and a region boundary is where a speaker may change.
    """

    threshold: float
    neg_threshold: float | None
    min_speech_ms: int
    min_silence_ms: int
    speech_pad_ms: int
    max_speech_s: float

    @classmethod
    def from_settings(cls, speech: dict) -> VadSettings:
        section = speech["vad"]
        neg = section["neg_threshold"]
        return options(cls, section, "speech.vad", neg_threshold=None if neg in ("", -1) else neg)

    def silero(self) -> VadOptions:
        return VadOptions(threshold=self.threshold, neg_threshold=self.neg_threshold,
                          min_speech_duration_ms=self.min_speech_ms, max_speech_duration_s=self.max_speech_s,
                          min_silence_duration_ms=self.min_silence_ms, speech_pad_ms=self.speech_pad_ms)


@dataclass(frozen=True)
class WindowSettings:
    """How speech regions are grouped into Whisper windows ([speech.windows]).

    Every window costs one 30 s encoder pass (~0.35 s on 2 cores for whisper-base) whatever
    its length, so short regions are grouped; but a long pause inside a window invites Whisper
    to stop early, so regions further apart than `max_gap_s` start a new window. On mono
    calls a window may hold two speakers, so with `mono_split_words` segments are cut at region
    boundaries by Whisper's word timings (a region boundary is where a speaker may change). Each window
    is widened by `pad_s` of real audio on both sides: Whisper cut tight at the VAD edges
    lost or garbled first and last syllables on the shared clips.

    A region shorter than `short_region_s` (with the VAD's padding: about a second of voice)
    that is decoded on its own (a window of one region, or a region Whisper skipped) is usually
    a back-channel (嗯, 对, 好的); alone in a 30 s window Whisper invents around it (好的 ->
    "好, then", 嗯 -> 请/谢谢). It is decoded joined by `context_gap_s` of silence to up to
    `context_s` of the call's nearest speech in regions that are not short themselves (its own
    channel first, else the other channel), once after and once before it, and its own words
    are kept when the two agree (speech.asr, its context decodes). With no such speech in the
    call it is decoded alone.

    A segment that bridges a silence of `resplit_gap_s` or more between two of its regions, with no
    other segment of the window in those regions, is decoded again region by region: Whisper wrote
    an agent's sentence said twice 2.5 s apart (喂，您好 twice) as one segment over both, once.
    """

    max_window_s: float
    max_gap_s: float
    mono_max_gap_s: float
    pad_s: float
    mono_split_words: bool
    retry_uncovered: bool
    min_covered_s: float
    short_region_s: float
    context_s: float
    context_gap_s: float
    resplit_gap_s: float

    @classmethod
    def from_settings(cls, speech: dict) -> WindowSettings:
        return options(cls, speech["windows"], "speech.windows")


@dataclass(frozen=True)
class Region:
    """A stretch of speech on one channel, in seconds from the start of the recording."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass
class Window:
    """Contiguous audio handed to Whisper in one piece, with the speech regions inside it."""

    start: float
    end: float
    regions: list[Region] = field(default_factory=list)

    @property
    def duration(self) -> float:
        return self.end - self.start


def speech_regions(audio: np.ndarray, settings: VadSettings) -> list[Region]:
    """Speech regions of one 16 kHz channel; empty for silence, hum or a flat line."""
    if audio.size < 512 or not np.any(np.abs(audio) > 1e-4):
        return []  # digital silence: skip the model
    stamps = get_speech_timestamps(audio, settings.silero(), sampling_rate=SAMPLE_RATE)
    return [Region(round(s["start"] / SAMPLE_RATE, 3), round(s["end"] / SAMPLE_RATE, 3)) for s in stamps]


def plan_windows(regions: list[Region], max_window_s: float, max_gap_s: float) -> list[Window]:
    """Group consecutive regions while the gap and the window length stay within bounds.

    A region longer than a window (the VAD caps regions at `max_speech_s`) gets a window of
    its own; Whisper's own 30 s seek handles anything beyond.
    """
    windows: list[Window] = []
    for region in regions:
        last = windows[-1] if windows else None
        if (last is not None and region.start - last.end <= max_gap_s
                and region.end - last.start <= max_window_s):
            last.end = region.end
            last.regions.append(region)
        else:
            windows.append(Window(region.start, region.end, [region]))
    return windows


def speech_seconds(regions: list[Region]) -> float:
    return sum(r.duration for r in regions)

"""faster-whisper on one channel: segments with times, guarded against phantom text.

The model is loaded once per process and shared by every call it transcribes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callintel.models import hub_offline


@dataclass(frozen=True)
class AsrOptions:
    language: str = "zh"
    beam_size: int = 5
    cpu_threads: int = 2
    compute_type: str = "int8"
    condition_on_previous_text: bool = False
    vad_filter: bool = True
    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    initial_prompt: str = ""

    @classmethod
    def from_settings(cls, speech: dict) -> AsrOptions:
        return cls(**{k: speech[k] for k in cls.__dataclass_fields__ if k in speech})


@dataclass
class Segment:
    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


_MODELS: dict[tuple, object] = {}
_LOCK = threading.Lock()


def load_model(model_dir: Path, options: AsrOptions):
    """A cached WhisperModel for this process (thread-safe)."""
    hub_offline()
    key = (str(model_dir), options.compute_type, options.cpu_threads)
    with _LOCK:
        if key not in _MODELS:
            from faster_whisper import WhisperModel

            _MODELS[key] = WhisperModel(str(model_dir), device="cpu", compute_type=options.compute_type,
                                        cpu_threads=options.cpu_threads, local_files_only=True)
        return _MODELS[key]


def transcribe_channel(model, audio: np.ndarray, options: AsrOptions) -> list[Segment]:
    """Segments of one mono 16 kHz channel; the guards drop likely hallucinations."""
    segments, _info = model.transcribe(
        audio,
        language=options.language,
        beam_size=options.beam_size,
        condition_on_previous_text=options.condition_on_previous_text,
        vad_filter=options.vad_filter,
        no_speech_threshold=options.no_speech_threshold,
        log_prob_threshold=options.log_prob_threshold,
        compression_ratio_threshold=options.compression_ratio_threshold,
        initial_prompt=options.initial_prompt or None,
    )
    out = []
    for s in segments:
        if s.no_speech_prob > options.no_speech_threshold and s.avg_logprob < options.log_prob_threshold:
            continue
        if s.compression_ratio > options.compression_ratio_threshold:
            continue
        out.append(Segment(s.start, s.end, s.text, s.avg_logprob, s.no_speech_prob, s.compression_ratio))
    return out

"""Decoding through PyAV (bundled with faster-whisper): WAV of any codec, MP3, Ogg, ... to 16 kHz float32.

PyAV means no system ffmpeg is needed. Stereo calls are split into their channels before
resampling, so the agent's and the customer's voices never mix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
from faster_whisper.audio import decode_audio

SAMPLE_RATE = 16000


class SpeechError(RuntimeError):
    """A call cannot be transcribed; `stage` and the message say why and what to do."""

    def __init__(self, stage: str, reason: str, detail: str = ""):
        super().__init__(reason)
        self.stage = stage
        self.reason = reason
        self.detail = detail


@dataclass
class DecodedAudio:
    channels: list[np.ndarray]  # one 16 kHz float32 array per channel (1 or 2)
    source_channels: int
    source_rate: int
    codec: str
    duration_s: float


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def probe(path: Path) -> tuple[int, int, str]:
    """(channels, sample rate, codec) of the first audio stream."""
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            streams = container.streams.audio
            if not streams:
                raise SpeechError("decode", f"{path.name} has no audio stream (is it a video or a document?)")
            stream = streams[0]
            return stream.codec_context.channels, stream.codec_context.sample_rate, stream.codec_context.name
    except SpeechError:
        raise
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise SpeechError("decode", f"{path.name} is not a readable audio file ({type(exc).__name__}: {exc}); "
                          "check that the recording finished writing and is not truncated") from exc


def decode(path: Path, want_stereo: bool) -> DecodedAudio:
    """Decode to 16 kHz; two channel arrays when the file is stereo and the layout asks for it."""
    if not path.exists():
        raise SpeechError("decode", f"audio file not found: {path}; check the manifest's audio_path")
    if path.stat().st_size == 0:
        raise SpeechError("decode", f"{path.name} is empty (0 bytes); the recording was not written")
    n_channels, rate, codec = probe(path)
    split = want_stereo and n_channels == 2
    try:
        decoded = decode_audio(str(path), sampling_rate=SAMPLE_RATE, split_stereo=split)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise SpeechError("decode", f"{path.name} could not be decoded ({type(exc).__name__}: {exc}); "
                          "the file may be damaged or truncated") from exc
    channels = list(decoded) if split else [decoded]
    duration = len(channels[0]) / SAMPLE_RATE
    if duration <= 0:
        raise SpeechError("decode", f"{path.name} holds no audio samples (zero length)")
    return DecodedAudio(channels, n_channels, rate, codec, duration)

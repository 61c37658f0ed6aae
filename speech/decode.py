"""Decoding through PyAV (bundled with faster-whisper): WAV of any codec, MP3, Ogg, ... to 16 kHz float32.

PyAV means no system ffmpeg is needed, and it reads the container from its content, so a
file with the wrong extension still decodes (with a warning). The file is read into memory
once: the sha256 that keys the cache is the hash of exactly the bytes decoded, and a file
that disappears or is rewritten while the night runs cannot change under the decoder.
Stereo is split before resampling (faster-whisper's `decode_audio(split_stereo=True)`), so
the agent's and the customer's voices never mix.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path

import av
import numpy as np
from faster_whisper.audio import decode_audio

SAMPLE_RATE = 16000

# Container names PyAV reports, by the extensions they usually carry.
_EXTENSIONS = {
    "wav": {".wav", ".wave"}, "mp3": {".mp3"}, "ogg": {".ogg", ".oga", ".opus"}, "flac": {".flac"},
    "mov,mp4,m4a,3gp,3g2,mj2": {".m4a", ".mp4", ".aac", ".3gp"}, "amr": {".amr"}, "aac": {".aac"},
    "matroska,webm": {".webm", ".mka"}, "aiff": {".aif", ".aiff"}, "au": {".au"},
}


class SpeechError(RuntimeError):
    """A call cannot be transcribed; `stage` and the message say why and what to do."""

    def __init__(self, stage: str, reason: str, detail: str = ""):
        super().__init__(reason)
        self.stage = stage
        self.reason = reason
        self.detail = detail

    def __reduce__(self):  # picklable for Dask workers
        return (SpeechError, (self.stage, self.reason, self.detail))


@dataclass
class DecodedAudio:
    channels: list[np.ndarray]  # one 16 kHz float32 array per channel (1 or 2)
    source_channels: int
    source_rate: int
    codec: str
    duration_s: float
    sha256: str = ""
    warnings: list[str] = field(default_factory=list)


def read_bytes(path: Path) -> bytes:
    """The whole file, with a reason a person can act on when it is missing or empty."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SpeechError("decode", f"audio file not found: {path}; it was listed in the manifest but is "
                          "gone (moved or deleted while the night ran?); restore it and rerun") from exc
    except IsADirectoryError as exc:
        raise SpeechError("decode", f"{path} is a directory, not an audio file; fix the manifest's "
                          "audio_path") from exc
    except PermissionError as exc:
        raise SpeechError("decode", f"no permission to read {path}; fix its file permissions") from exc
    except OSError as exc:
        raise SpeechError("decode", f"could not read {path} ({exc.strerror or exc})") from exc
    if not data:
        raise SpeechError("decode", f"{path.name} is empty (0 bytes): the recorder wrote nothing; "
                          "check the recording system for this call")
    return data


@dataclass
class Probe:
    channels: int
    rate: int
    codec: str
    container: str
    duration_s: float | None  # what the header claims, when it says


def probe(data: bytes, name: str) -> Probe:
    """Channels, sample rate, codec and claimed duration of the first audio stream."""
    try:
        with av.open(io.BytesIO(data), metadata_errors="ignore") as container:
            streams = container.streams.audio
            if not streams:
                raise SpeechError("decode", f"{name} has no audio stream (is it a video or a document?)")
            stream = streams[0]
            duration = None
            if stream.duration is not None and stream.time_base is not None:
                duration = float(stream.duration * stream.time_base)
            elif container.duration is not None:
                duration = container.duration / 1_000_000
            ctx = stream.codec_context
            return Probe(ctx.channels, ctx.sample_rate, ctx.name, container.format.name, duration)
    except SpeechError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise SpeechError("decode", f"{name} is not a readable audio file ({type(exc).__name__}: {exc}); "
                          "check that the recording finished writing, is not truncated and is audio "
                          "(WAV, MP3, ...)") from exc


def wav_shortfall(data: bytes) -> tuple[float, float] | None:
    """(declared, present) seconds of a RIFF/WAVE file whose data chunk is cut short, else None.

    FFmpeg estimates a WAV's duration from the file size, so a recording cut off mid-write
    decodes without complaint; the data chunk's declared size tells the truth.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, byte_rate = 12, 0
    while pos + 8 <= len(data):
        tag, size = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if tag == b"fmt " and pos + 16 <= len(data):
            byte_rate = int.from_bytes(data[pos + 16:pos + 20], "little")
        if tag == b"data":
            present = len(data) - pos - 8
            if byte_rate and 0 < present < size and size != 0xFFFFFFFF:  # 0xFFFFFFFF: streamed, size unknown
                return size / byte_rate, present / byte_rate
            return None
        pos += 8 + size + (size & 1)
    return None


def ogg_unfinished(data: bytes) -> str | None:
    """Why an Ogg file (Opus/Vorbis) stops before its end, else None.

    An Ogg file's duration is read from its last page, so a copy cut short reports the short length
    and decodes without complaint. A finished stream ends with a whole page flagged end-of-stream;
    a cut one ends mid-page or on a page without that flag.
    """
    if data[:4] != b"OggS":
        return None
    pos, last_flags = 0, None
    while pos < len(data):
        if data[pos:pos + 4] != b"OggS" or pos + 27 > len(data):
            return f"the data stops (or is damaged) inside an Ogg page at byte {pos:,} of {len(data):,}"
        n_segments = data[pos + 26]
        body = sum(data[pos + 27:pos + 27 + n_segments])
        end = pos + 27 + n_segments + body
        if pos + 27 + n_segments > len(data) or end > len(data):
            return f"the last Ogg page is cut off at byte {len(data):,} (it needs {end:,})"
        last_flags, pos = data[pos + 5], end
    if last_flags is not None and not last_flags & 0x04:
        return "the Ogg stream has no end-of-stream page"
    return None


def decode(path: Path, want_stereo: bool, max_duration_s: float = 4 * 3600.0) -> DecodedAudio:
    """Decode to 16 kHz; two channel arrays when the file is stereo and the layout asks for it."""
    data = read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    info = probe(data, path.name)
    warnings: list[str] = []
    known = _EXTENSIONS.get(info.container)
    if known is not None and path.suffix.lower() not in known:
        warnings.append(f"{path.name} is really {info.container} ({info.codec}), not what its extension "
                        "says; decoded by content")
    if info.channels == 0 or info.rate == 0:
        raise SpeechError("decode", f"{path.name}: header gives {info.channels} channel(s) at {info.rate} Hz; "
                          "the file is damaged")
    if info.duration_s is not None and info.duration_s > max_duration_s:
        raise SpeechError("decode", f"{path.name} lasts {info.duration_s / 3600:.1f} h, over the "
                          f"{max_duration_s / 3600:.1f} h limit ([speech] max_duration_s); split it or "
                          "raise the limit")
    split = want_stereo and info.channels == 2
    try:
        decoded = decode_audio(io.BytesIO(data), sampling_rate=SAMPLE_RATE, split_stereo=split)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        raise SpeechError("decode", f"{path.name} could not be decoded ({type(exc).__name__}: {exc}); "
                          "the file may be damaged or truncated") from exc
    channels = [np.asarray(c, dtype=np.float32) for c in decoded] if split else [
        np.asarray(decoded, dtype=np.float32)]
    duration = len(channels[0]) / SAMPLE_RATE
    if duration <= 0:
        raise SpeechError("decode", f"{path.name} holds no audio samples (zero length: a header without "
                          "audio); the recording was not captured")
    short = wav_shortfall(data)
    if short is not None:
        warnings.append(f"{path.name} is truncated: its header says {short[0]:.1f} s but only "
                        f"{short[1]:.1f} s are in the file; the rest of the call is missing")
    elif (cut := ogg_unfinished(data)) is not None:
        warnings.append(f"{path.name} is truncated: {cut}; only {duration:.1f} s could be decoded, the rest of "
                        "the call is missing (was the file copied before the recorder finished?)")
    elif info.duration_s and duration < 0.9 * info.duration_s - 0.5:
        warnings.append(f"{path.name} is truncated: its header says {info.duration_s:.1f} s but only "
                        f"{duration:.1f} s could be decoded; the rest of the call is missing")
    return DecodedAudio(channels, info.channels, info.rate, info.codec, duration, sha, warnings)

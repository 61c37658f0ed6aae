"""Telephone-band channels: recognised by their spectrum and low-passed at 3.4 kHz for Whisper.

Whisper base does worse on 8 kHz audio brought up to 16 kHz: on the telephone copies of the shared
clips (8 kHz mu-law, `callintel eval asr`) CER went from 3.1% to 6.2%. What sits between 3.4 and 4 kHz
there is little speech and much mu-law quantisation noise and resampler roll-off; cutting it (8th-order
Butterworth, zero phase) brought `aishell` back from 国中市...飞行 to 广州市...分析. On the screen of the
five telephone clips (plain Whisper, no VAD) errors were 8 without it, 5 at 3.2-3.4 kHz, 6 at 3.0 kHz,
7 at 3.6-3.8 kHz; a high shelf (+3/+6/-6 dB at 2 kHz), gain (+/-6 dB), filling 4-8 kHz with noise
(worse: 10-11 errors) or a polyphase resampler instead of PyAV's (8-10) did not help. Through the
stage: eval asr telephone CER 6.15% -> 3.08% (clean 3.08%, untouched); sample calls 15.1% -> 14.8%
(3,307 chars); the shared two-party call moved by a word either way (语音 -> 已经, 红币 -> 红利).
These sets are small (130 and 3,307 characters): the gain is a direction, not a precise figure.

The channel's spectrum, not the file's sample rate, decides: the sample calls are 48 kHz Opus with
telephone-band content. Energy in 4.5-7.5 kHz relative to 0.3-3.4 kHz was -47 to -52 dB on those
Opus calls and -64 to -77 dB on 8 kHz files, against -11 to -35 dB on the wideband clips, so
`narrowband_db` = -42 separates them; wideband audio is left exactly as decoded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from callintel.settings import options
from callintel.speech.decode import SAMPLE_RATE

_FRAME = 1024  # FFT frame for the band measure
_FRAMES = 400  # frames sampled evenly over the channel (cost independent of its length)


@dataclass(frozen=True)
class BandSettings:
    """[speech.band] in configs/callintel.toml; `lowpass_hz` = 0 turns the filter off."""

    lowpass_hz: float
    order: int
    narrowband_db: float

    @classmethod
    def from_settings(cls, speech: dict) -> BandSettings:
        return options(cls, speech["band"], "speech.band")


def high_band_db(audio: np.ndarray) -> float | None:
    """Energy in 4.5-7.5 kHz relative to 0.3-3.4 kHz (dB) of a 16 kHz channel; None when silent."""
    if audio.size < _FRAME:
        return None
    starts = np.linspace(0, audio.size - _FRAME, num=min(_FRAMES, audio.size // _FRAME), dtype=np.int64)
    frames = np.stack([audio[s:s + _FRAME] for s in starts]).astype(np.float64) * np.hanning(_FRAME)
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).sum(axis=0)
    freq = np.fft.rfftfreq(_FRAME, 1 / SAMPLE_RATE)
    low = power[(freq >= 300) & (freq <= 3400)].sum()
    high = power[(freq >= 4500) & (freq <= 7500)].sum()
    if low <= 1e-12:
        return None
    return float(10 * np.log10(max(high, 1e-30) / low))


def is_narrowband(audio: np.ndarray, settings: BandSettings) -> bool:
    level = high_band_db(audio)
    return level is not None and level < settings.narrowband_db


def lowpass(audio: np.ndarray, settings: BandSettings, block_s: float = 30.0, margin_s: float = 0.1) -> np.ndarray:
    """Zero-phase low-pass, in blocks (a 4 h channel must not be copied to float64 whole)."""
    sos = signal.butter(settings.order, settings.lowpass_hz, fs=SAMPLE_RATE, output="sos")
    block, margin = int(block_s * SAMPLE_RATE), int(margin_s * SAMPLE_RATE)
    out = np.empty_like(audio, dtype=np.float32)
    for lo in range(0, audio.size, block):
        a, b = max(0, lo - margin), min(audio.size, lo + block + margin)
        hi = min(audio.size, lo + block)
        if b - a <= 3 * (2 * len(sos) + 1):  # too short for filtfilt's edge padding
            out[lo:hi] = audio[lo:hi]
            continue
        out[lo:hi] = signal.sosfiltfilt(sos, audio[a:b])[lo - a:hi - a]
    return out


def condition(audio: np.ndarray, settings: BandSettings) -> tuple[np.ndarray, bool]:
    """(the channel as Whisper should hear it, whether it was treated as telephone band)."""
    if settings.lowpass_hz <= 0 or not is_narrowband(audio, settings):
        return audio, False
    return lowpass(audio, settings), True

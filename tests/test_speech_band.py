"""Telephone-band detection and low-pass (speech.band) on real audio: shared clips and sample calls."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from asrcheck import cer, references
from faster_whisper.audio import decode_audio

from callintel.evaluation.asr import call_record, telephone_copy
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.band import BandSettings, condition, high_band_db, is_narrowband
from callintel.speech.stage import transcribe_call

AISHELL = "wenet_aishell/aishell-BAC009S0724W0121.wav"


def test_band_is_read_from_the_spectrum_not_the_sample_rate(shared_data, tmp_path):
    settings = BandSettings.from_settings(load_settings()["speech"])
    wide = decode_audio(str(shared_data / "audio" / AISHELL))
    tel = decode_audio(str(telephone_copy(shared_data / "audio" / AISHELL, tmp_path / "tel.wav")))
    assert not is_narrowband(wide, settings) and is_narrowband(tel, settings)
    # the sample calls are 48 kHz Opus holding telephone-band speech
    truth = json.loads((PROJECT_ROOT / "samples" / "truth.json").read_text(encoding="utf-8"))
    opus = next(c for c in truth["calls"] if c["audio_path"].endswith(".ogg"))
    left, _right = decode_audio(str(PROJECT_ROOT / "samples" / opus["audio_path"]), split_stereo=True)
    assert is_narrowband(left, settings)
    assert high_band_db(np.zeros(16000, np.float32)) is None  # silence: nothing to judge


def test_wideband_is_untouched_and_telephone_band_is_cut_above_the_edge(shared_data, tmp_path):
    settings = BandSettings.from_settings(load_settings()["speech"])
    wide = decode_audio(str(shared_data / "audio" / AISHELL))
    same, narrow = condition(wide, settings)
    assert not narrow and same is wide
    tel = decode_audio(str(telephone_copy(shared_data / "audio" / AISHELL, tmp_path / "tel.wav")))
    cut, narrow = condition(tel, settings)
    assert narrow and cut.dtype == np.float32 and cut.shape == tel.shape

    def share_above(x: np.ndarray, hz: float) -> float:
        power = np.abs(np.fft.rfft(x)) ** 2
        return float(power[np.fft.rfftfreq(x.size, 1 / 16000) > hz].sum() / power.sum())

    assert share_above(cut, 3700) < 0.05 * share_above(tel, 3700)
    assert abs(share_above(cut, 300) - share_above(tel, 300)) < 0.05  # the speech band itself is kept
    off, narrow = condition(tel, replace(settings, lowpass_hz=0))
    assert off is tel and not narrow


@pytest.mark.slow
def test_telephone_copy_of_a_clip_reads_like_the_clean_one(shared_data, tmp_path, record_property):
    # without the low-pass Whisper wrote 国中市...飞行 for 广州市...分析 on this telephone copy (CER 0.33);
    # words differ from CPU to CPU, so the copy is held to the clean clip's error rate (tests/asrcheck.py)
    settings = load_settings()
    reference = references(shared_data / "audio")[AISHELL]
    path = telephone_copy(shared_data / "audio" / AISHELL, tmp_path / "aishell_8k.wav")
    errors = [cer(reference, "".join(u.text for u in transcribe_call(call_record(Path(p), "mono"),
                                                                   settings).utterances))
              for p in (shared_data / "audio" / AISHELL, path)]
    record_property("cer_clean_telephone", errors)
    assert errors[1] <= errors[0] + 0.1 and errors[1] <= 0.25, errors

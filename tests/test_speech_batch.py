"""Batched Whisper (speech.batch) writes what `WhisperModel.transcribe` writes, window by window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from faster_whisper.audio import decode_audio

from callintel.model_files import whisper_model_dir
from callintel.settings import load_settings
from callintel.speech.asr import AsrOptions, load_model
from callintel.speech.batch import _split, has_signal, transcribe_many

CLIPS = ["funasr_examples/ex0_asr_example.wav", "paddlespeech/zh.wav", "wenet_aishell/aishell-BAC009S0724W0121.wav",
         "wenetspeech_snippets/ID001.wav", "funasr_examples/ex1.wav"]


def _key(segments: list) -> list[tuple]:
    return [(s.start, s.end, s.text, round(s.avg_logprob, 3),
             [(w.start, w.end, w.word) for w in s.words] if s.words else None) for s in segments]


@pytest.fixture(scope="module")
def model_and_options():
    settings = load_settings()
    options = AsrOptions.from_settings(settings["speech"])
    return load_model(whisper_model_dir(settings), options), options


def test_batches_depend_on_batch_size_only():
    assert [len(r) for r in _split(9, 8)] == [4, 5]
    assert [len(r) for r in _split(16, 8)] == [8, 8]
    assert [len(r) for r in _split(3, 8)] == [3]
    assert [i for r in _split(23, 4) for i in r] == list(range(23))
    assert _split(0, 8) == []


@pytest.mark.slow
def test_batched_equals_one_by_one(shared_data: Path, model_and_options):
    """Same segments, times, words and scores as transcribe; an empty or digitally silent piece gives nothing."""
    model, options = model_and_options
    pieces = [decode_audio(str(shared_data / "audio" / c)) for c in CLIPS]
    pieces += [np.zeros(0, np.float32), np.zeros(16000 * 3, np.float32)]
    for words in (False, True):
        kwargs = [options.transcribe_kwargs(words)] * len(pieces)
        one_by_one, _ = transcribe_many(model, pieces, kwargs, batch_size=1)
        batched, stats = transcribe_many(model, pieces, kwargs, batch_size=3, workers=2)
        assert [_key(s) for s in batched] == [_key(s) for s in one_by_one]
        assert stats.batched + stats.fallback + stats.continued == len(CLIPS)  # empty and silent are not decoded
        assert stats.batched >= 4
        assert all(one_by_one[i] for i in range(len(CLIPS)))
        assert batched[-2] == [] and batched[-1] == [] and one_by_one[-1] == []


def test_digital_silence_is_not_signal():
    assert not has_signal(np.zeros(0, np.float32))
    assert not has_signal(np.zeros(16000, np.float32))
    assert not has_signal(np.full(16000, 1e-6, np.float32))  # dither far below one 16-bit step
    assert has_signal(np.full(16000, 2 / 32768, np.float32))

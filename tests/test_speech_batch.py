"""Batched Whisper (speech.batch) writes what `WhisperModel.transcribe` writes, window by window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from asrcheck import cer, references
from faster_whisper.audio import decode_audio
from faster_whisper.transcribe import Segment, Word

from callintel.model_files import whisper_model_dir
from callintel.settings import load_settings
from callintel.speech.asr import AsrOptions, load_model
from callintel.speech.batch import (
    BatchStats,
    PackSettings,
    _split,
    has_signal,
    language_shares,
    transcribe_many,
)
from callintel.speech.pack import (
    join_pieces,
    member_frames,
    plan_packs,
    split_pack,
    suppressed_outside,
    timed_pieces,
    timestamp_window,
)

CLIPS = ["funasr_examples/ex0_asr_example.wav", "paddlespeech/zh.wav", "wenet_aishell/aishell-BAC009S0724W0121.wav",
         "wenetspeech_snippets/ID001.wav", "funasr_examples/ex1.wav"]
CLIP_CER = 0.35  # per clip, packed (eval asr alone: 0-0.21 on these; a clip lost or doubled is >= 1 or far above)


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


def test_window_language_is_the_seconds_weighted_mean_of_its_batches():
    """Two batches' readings add up; the call's language is the one with the highest mean probability."""
    a = BatchStats(batched=2, language_s=10.0, languages={"zh": 9.0, "en": 1.0})
    b = BatchStats(batched=1, language_s=30.0, languages={"zh": 6.0, "en": 24.0})
    a.add(b)
    assert a.batched == 3 and a.language_s == 40.0
    language, prob, probs = a.language()
    assert (language, prob) == ("en", 25.0 / 40.0) and probs["zh"] == 15.0 / 40.0
    assert BatchStats().language() is None


def test_language_is_read_from_the_first_jobs_until_the_budget_is_spent():
    """Each pack or batch gets what is left of the channel's budget before it; once spent, none reads."""
    assert language_shares([12.0, 12.0, 12.0, 5.0], 30.0) == [30.0, 18.0, 6.0, 0.0]
    assert language_shares([40.0, 5.0], 30.0) == [30.0, 0.0]
    assert language_shares([5.0, 5.0], 0.0) == [0.0, 0.0]
    assert language_shares([], 30.0) == []


def test_a_member_decode_keeps_to_its_span():
    """A packed member's timestamps: from its start to its end plus the margin, never past Whisper's 30 s."""
    assert timestamp_window(4.0, 9.0, 1.0, 0.02, 1500) == (200, 500)
    assert timestamp_window(25.0, 29.5, 1.0, 0.02, 1500) == (1250, 1500)
    suppressed = suppressed_outside([7, 8], 100, 3, 5, 8)
    assert suppressed == [7, 8, 100, 101, 102, 106, 107]


def test_a_member_decode_reads_its_own_stretch_of_the_pack():
    """The encoder frames (50 a second) a member's decode reads: its span widened by the timestamp margin and the
    context each side, inside the pack; a negative context reads the whole pack. A slice as long as Whisper has mel
    bands (80) would be taken for audio features and encoded again, so it is one frame longer."""
    assert member_frames(4.0, 9.0, 1.0, 1.0, 50, 1500) == (100, 550)
    assert member_frames(0.5, 3.0, 1.0, 1.0, 50, 1500) == (0, 250)
    assert member_frames(25.0, 29.5, 1.0, 1.0, 50, 1500) == (1150, 1500)
    assert member_frames(4.0, 9.0, 1.0, -1.0, 50, 1500) == (0, 1500)
    assert member_frames(4.0, 4.6, 0.5, 0.0, 50, 1500, avoid=80) == (175, 256)  # 80 frames, one more
    assert member_frames(28.9, 29.5, 0.5, 0.0, 50, 1500, avoid=80) == (1419, 1500)  # at the end: one before


def test_timed_pieces_close_segments_and_tell_a_cut_one():
    """<|t|> text <|t|> pairs become timed pieces; a decode that ends inside text is not closed."""
    ts = 1000  # the first timestamp token; 0.02 s a step
    tokens = [ts + 50, 1, 2, ts + 100, ts + 110, 3, ts + 150]
    assert timed_pieces(tokens, ts, 0.02) == ([(1.0, 2.0, [1, 2]), (2.2, 3.0, [3])], True)
    pieces, closed = timed_pieces([*tokens, ts + 160, 4, 5], ts, 0.02)
    assert not closed and len(pieces) == 2


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


def _word(start: float, end: float, text: str) -> Word:
    return Word(start, end, text, 0.9)


def _segment(words: list[Word]) -> Segment:
    return Segment(id=1, seek=0, start=words[0].start, end=words[-1].end, text="".join(w.word for w in words),
                   tokens=[], avg_logprob=-0.2, compression_ratio=1.1, no_speech_prob=0.01, words=words,
                   temperature=0.0)


def test_packs_depend_on_sizes_only():
    """Consecutive pieces fill a pack up to its capacity with the gap between them; a long one goes alone."""
    assert plan_packs([10, 10, 10], capacity=25, gap=2) == [[0, 1], [2]]
    assert plan_packs([10, 30, 5, 5], capacity=25, gap=2) == [[0], [1], [2, 3]]
    assert plan_packs([], capacity=25, gap=2) == []
    audio, starts = join_pieces([np.ones(3, np.float32), np.ones(2, np.float32)], gap=4)
    assert starts == [0, 7] and audio.tolist() == [1, 1, 1, 0, 0, 0, 0, 1, 1]


def test_pack_words_go_back_to_their_window_timed_from_its_start():
    """A segment over two windows is cut by its words; the first word after a gap, timed from inside the
    gap, still goes to the window it overlaps; each window's times start at its own start."""
    bounds = [(0.0, 4.0), (7.0, 10.0)]
    segs = [_segment([_word(0.5, 1.0, "你好"), _word(1.0, 2.0, "请问")]),
            _segment([_word(2.5, 3.5, "保单"), _word(5.8, 7.4, "是"), _word(7.4, 8.0, "的")])]
    out = split_pack(segs, bounds, [True, False])
    assert out[0] is None and out[1] is None  # one segment ran across the gap: both are decoded alone
    out = split_pack([segs[0], _segment([_word(5.8, 7.4, "是"), _word(7.4, 8.0, "的")])], bounds, [True, False])
    assert [s.text for s in out[0]] == ["你好请问"]
    assert [(w.start, w.end, w.word) for w in out[0][0].words] == [(0.5, 1.0, "你好"), (1.0, 2.0, "请问")]
    assert [(s.start, s.end, s.text, s.words) for s in out[1]] == [(0.0, 1.0, "是的", None)]


def test_a_window_the_pack_gives_no_words_is_decoded_alone_with_its_neighbours():
    """No words for a window: they may have gone to a neighbour by a drifting timing, so neither is trusted."""
    bounds = [(0.0, 4.0), (6.0, 9.0), (11.0, 14.0), (16.0, 19.0)]
    segs = [_segment([_word(0.5, 1.0, "喂")]), _segment([_word(11.5, 12.0, "对")]), _segment([_word(16.5, 17.0, "好")])]
    out = split_pack(segs, bounds, [True] * 4)
    assert out[0] is None and out[1] is None and out[2] is None
    assert [s.text for s in out[3]] == ["好"]


@pytest.mark.slow
@pytest.mark.parametrize(("each", "words", "context"),
                         [(False, False, -1.0), (True, False, -1.0), (True, True, -1.0), (True, True, 1.0)])
def test_packed_windows_keep_their_text_and_times(shared_data: Path, model_and_options, each: bool, words: bool,
                                                  context: float):
    """Clips packed into one Whisper input (read as one text, or each decoded alone from the pack's encoder
    output, all of it or its own stretch) come back each to its own clip, within the CER bound, timed inside the
    clip (words too); an unpackable piece is decoded alone as before."""
    model, options = model_and_options
    pieces = [decode_audio(str(shared_data / "audio" / c)) for c in CLIPS[:3]]
    refs = references(shared_data / "audio")
    kwargs = [options.transcribe_kwargs(words)] * len(pieces)
    pack = PackSettings(30.0, 3.0, (True, True, False), each, context_s=context)
    alone, _ = transcribe_many(model, pieces, kwargs, batch_size=8)
    packed, stats = transcribe_many(model, pieces, kwargs, batch_size=8, pack=pack)
    assert stats.packs == 1 and stats.packed + stats.batched >= 2
    assert [_key(s) for s in packed[2:]] == [_key(s) for s in alone[2:]]
    for clip, piece, segs in zip(CLIPS, pieces, packed, strict=False):
        length = piece.size / 16000
        assert segs and all(0 <= s.start <= s.end <= length for s in segs)
        assert all(0 <= w.start <= w.end <= length for s in segs for w in s.words) if words else \
            all(s.words is None for s in segs)
        assert cer(refs[clip], "".join(s.text for s in segs)) <= CLIP_CER  # a lost or doubled clip is far above


@pytest.mark.slow
def test_a_window_whisper_cannot_read_gives_the_same_text_every_time(shared_data: Path, model_and_options):
    """Speech played backwards fails Whisper's compression-ratio check at temperature 0. With a fallback temperature
    above 0 it was decoded again by sampling (CTranslate2's random state is per worker thread, never per window):
    three runs, three texts. The shipped settings keep the temperature-0 pass, as `transcribe` does with one
    temperature, inside a batch too (counted as batched, never as a fallback), so a recording gives one transcript,
    run after run, batched or not."""
    model, options = model_and_options
    assert options.temperatures == (0.0,)
    pieces = [decode_audio(str(shared_data / "audio" / c)) for c in CLIPS[:3]]
    pieces[1] = pieces[1][::-1].copy()  # backwards
    kwargs = [options.transcribe_kwargs(False)] * len(pieces)
    runs = [transcribe_many(model, pieces, kwargs, batch_size=3) for _ in range(3)]
    one_by_one, _ = transcribe_many(model, pieces, kwargs, batch_size=1)
    assert runs[0][0][1] and all([_key(s) for s in r] == [_key(s) for s in runs[0][0]] for r, _ in runs)
    assert [_key(s) for s in one_by_one] == [_key(s) for s in runs[0][0]]
    assert all((stats.batched, stats.fallback, stats.continued) == (3, 0, 0) for _, stats in runs)


@pytest.mark.slow
def test_a_pack_whisper_cannot_read_is_decoded_window_by_window(shared_data: Path, model_and_options):
    """A pack read as one text (pack each off) that fails a first-pass check is not kept even with one temperature:
    its one pass spans several windows, so each window is decoded alone, as if never packed."""
    model, options = model_and_options
    pieces = [decode_audio(str(shared_data / "audio" / c))[::-1].copy() for c in CLIPS[:2]]
    kwargs = [options.transcribe_kwargs(False)] * len(pieces)
    alone, _ = transcribe_many(model, pieces, kwargs, batch_size=8)
    packed, stats = transcribe_many(model, pieces, kwargs, batch_size=8, pack=PackSettings(30.0, 3.0, (True, True)))
    assert (stats.packs, stats.fallback, stats.packed) == (1, 1, 0)
    assert [_key(s) for s in packed] == [_key(s) for s in alone]


@pytest.mark.slow
def test_a_looping_window_is_decoded_again_without_the_loop(shared_data: Path, model_and_options):
    """Backwards speech loops at temperature 0 (one phrase over and over: compression ratio 8.6, which the guards
    drop whole). With the loop options it is decoded again forbidding a repeated 4-gram: kept once it passes
    Whisper's checks, the same text every run and batched or not; without them the looping pass stays."""
    model, options = model_and_options
    assert options.loop_kwargs() == {"no_repeat_ngram_size": 4}
    piece = decode_audio(str(shared_data / "audio" / CLIPS[1]))[::-1].copy()
    kwargs = [options.transcribe_kwargs(False)]
    kept, stats = transcribe_many(model, [piece], kwargs, batch_size=2)
    assert stats.looped == 0 and max(s.compression_ratio for s in kept[0]) > options.compression_ratio_threshold
    runs = [transcribe_many(model, [piece], kwargs, batch_size=b, loops=options.loop_kwargs()) for b in (2, 2, 1)]
    assert all((stats.looped, stats.unlooped) == (1, 1) for _, stats in runs)
    first = runs[0][0][0]
    assert first and all(s.compression_ratio <= options.compression_ratio_threshold for s in first)
    assert all(s.avg_logprob >= options.log_prob_threshold for s in first)
    assert all(_key(out[0]) == _key(first) for out, _ in runs)

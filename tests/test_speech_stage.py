"""The speech stage on real clips with the real model: turns, roles, guards, bad input, cache key.

Audio variants (stereo mixes, silence, tones, broken files) are generated in tmp_path from the
shared clips; nothing is copied into the repository.
"""

from __future__ import annotations

import wave
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from asrcheck import cer, references, segments

from callintel.evaluation.audio import write_audio
from callintel.records import CallRecord
from callintel.settings import load_settings
from callintel.speech.decode import SpeechError
from callintel.speech.normalize import to_simplified
from callintel.speech.stage import cache_key, transcribe_call, transcript_from_json, transcript_to_json

RATE = 16000
# CER bounds against the references (tests/asrcheck.py: the words differ from CPU to CPU). Measured on an
# AVX-512 machine with the default instruction set (AVX2 there), CT2_FORCE_CPU_ISA=AVX2 and AVX512: the
# stereo call's turns 0/.17/.20/.13 (AVX2) and .05/.25/.20/0 (AVX512), the greeting .36 and .24, the
# duplicated call .12 and .14, the sentence said twice .11/.16 and .05/.05, the rest equal; a dropped,
# doubled or wrong-language turn is far above the bounds.


def call(path: Path, layout: str = "stereo_agent_left") -> CallRecord:
    now = datetime.now().astimezone()
    return CallRecord("t-" + path.stem, path, None, None, now, layout, now.date(), 1)  # type: ignore[arg-type]


def clip(shared: Path, rel: str, rate: int = RATE) -> np.ndarray:
    from faster_whisper.audio import decode_audio

    return decode_audio(str(shared / "audio" / rel), sampling_rate=rate)


@pytest.fixture(scope="module")
def cfg():
    return load_settings()


@pytest.fixture(scope="module")
def two_party(shared_data):
    return shared_data / "audio" / "derived_two_party_8k"


@pytest.mark.slow
def test_stereo_8k_call_keeps_every_turn_in_time_order(two_party, cfg, record_property):
    t = transcribe_call(call(two_party / "call_stereo_8k_agentL_customerR.wav"), cfg)
    starts = [u.start for u in t.utterances]
    assert starts == sorted(starts)
    # a turn may come out as two utterances (Whisper's own segments: 英国脱欧。| 欧盟内部...), never
    # interleaved with the other speaker's; turns are the runs of one speaker
    turns: list[list] = []
    for u in t.utterances:
        if turns and turns[-1][0] == u.speaker:
            turns[-1][2], turns[-1][3] = u.end, turns[-1][3] + u.text
        else:
            turns.append([u.speaker, u.start, u.end, u.text])
    assert [x[0] for x in turns] == ["agent", "customer", "agent", "customer"], t.utterances
    assert len(t.utterances) <= 5
    first_customer, second_agent = turns[1], turns[2]
    assert 5.5 <= first_customer[1] <= 6.6 and first_customer[2] <= 10.4  # truth 5.95-10.23
    assert 10.4 <= second_agent[1] <= 12.5 and 16.5 <= second_agent[2] <= 17.8  # truth 10.63-17.54
    truth = segments(two_party)
    errors = [cer(ref["text"], turn[3]) for ref, turn in zip(truth, turns, strict=True)]
    record_property("cer_turns", errors)
    assert all(e <= 0.35 for e in errors), (errors, turns)
    assert all(to_simplified(u.text) == u.text for u in t.utterances)
    assert t.role_method == "channel" and not t.warnings


@pytest.mark.slow
def test_mono_call_turns_and_roles(two_party, cfg):
    t = transcribe_call(call(two_party / "call_mono_8k.wav", "mono"), cfg)
    assert [u.speaker for u in t.utterances] == ["agent", "customer", "agent", "customer"], t.utterances
    assert t.role_method == "greeting"


@pytest.mark.slow
def test_overlapping_turns_are_both_kept(shared_data, cfg, tmp_path, record_property):
    agent = clip(shared_data, "funasr_examples/ex0_asr_example.wav", 8000)
    customer = np.concatenate([np.zeros(2 * 8000, np.float32), clip(shared_data, "paddlespeech/zh.wav", 8000)])
    path = write_audio(tmp_path / "overlap.wav", [agent, customer], rate=8000, codec="pcm_mulaw")
    t = transcribe_call(call(path), cfg)
    a = [u for u in t.utterances if u.speaker == "agent"]
    c = [u for u in t.utterances if u.speaker == "customer"]
    assert a and c
    assert c[0].start < a[-1].end  # the customer starts while the agent still speaks
    error = cer(references(shared_data / "audio")["paddlespeech/zh.wav"], "".join(u.text for u in c))
    record_property("cer_customer", error)
    assert error <= 0.3, c


@pytest.mark.slow
def test_speech_in_first_second_and_back_channel(shared_data, cfg, tmp_path, record_property):
    # customer speaks from the first 50 ms; the agent answers with a short clip after a long pause
    customer = clip(shared_data, "paddlespeech/zh.wav", 8000)
    agent = np.concatenate([np.zeros(12 * 8000, np.float32),
                            clip(shared_data, "wenet_aishell/aishell-BAC009S0724W0121.wav", 8000)])
    path = write_audio(tmp_path / "first_second.wav", [agent, customer], rate=8000, codec="pcm_alaw")
    t = transcribe_call(call(path), cfg)
    c = [u for u in t.utterances if u.speaker == "customer"]
    assert c and c[0].start < 1.0
    refs = references(shared_data / "audio")
    errors = (cer(refs["paddlespeech/zh.wav"], "".join(u.text for u in c)),
              cer(refs["wenet_aishell/aishell-BAC009S0724W0121.wav"],
                  "".join(u.text for u in t.utterances if u.speaker == "agent")))
    record_property("cer_customer_agent", errors)
    assert errors[0] <= 0.3 and errors[1] <= 0.4, t.utterances


@pytest.mark.slow
def test_lone_back_channels_come_out_right_or_not_at_all(cfg, tmp_path, record_property):
    # the sample calls' short turns (嗯。 好的。 好的，谢谢。), each alone on the customer channel,
    # 9 s apart; alone in a window Whisper wrote "好, then", 好灯, 请, 谢谢 for them
    import json

    from faster_whisper.audio import decode_audio

    from callintel.settings import PROJECT_ROOT
    from callintel.speech.normalize import strip_for_scoring

    samples = PROJECT_ROOT / "samples"
    truth = json.loads((samples / "truth.json").read_text(encoding="utf-8"))
    customer, spans, t = [np.zeros(9 * 8000, np.float32)], [], 9.0
    for c in truth["calls"]:
        short = [x for x in c["turns"] if x["end"] - x["start"] < 1.2 and c["channels"] == 2]
        if not short:
            continue
        sides = decode_audio(str(samples / c["audio_path"]), sampling_rate=8000, split_stereo=True)
        for turn in short:
            audio = sides[0 if turn["channel"] == "left" else 1]
            piece = audio[int(turn["start"] * 8000):int(turn["end"] * 8000)]
            spans.append((turn["text"], t, t + len(piece) / 8000))
            customer += [piece, np.zeros(9 * 8000, np.float32)]
            t += len(piece) / 8000 + 9
    # the agent's greeting of the first call: the only longer speech, which the stage joins each
    # back-channel to (context); a lone back-channel must come out right or not at all
    first = truth["calls"][0]
    greeting = first["turns"][0]
    left = decode_audio(str(samples / first["audio_path"]), sampling_rate=8000, split_stereo=True)[0]
    agent = left[int(greeting["start"] * 8000):int(greeting["end"] * 8000)]
    path = write_audio(tmp_path / "back_channels.wav", [agent, np.concatenate(customer)], rate=8000,
                       codec="pcm_mulaw")
    t = transcribe_call(call(path), cfg)
    got = [(truth_text, strip_for_scoring("".join(u.text for u in t.utterances
                                                   if u.speaker == "customer" and u.start < b and u.end > a)))
           for truth_text, a, b in spans]
    assert len(got) >= 6
    # nothing invented. (How many come out right is not asserted: it flips with the last bits of the
    # features - with OPENBLAS_NUM_THREADS=2 some do, with the production pinning to cpu_threads=1 none.)
    assert all(g in ("", strip_for_scoring(truth_text)) for truth_text, g in got), got
    # the call itself is still transcribed: the agent's greeting comes out
    error = cer(greeting["text"], "".join(u.text for u in t.utterances if u.speaker == "agent"))
    record_property("cer_greeting", error)
    assert error <= 0.5, t.utterances  # the shop's name and 工号 are what vary (0.36 measured: 安合元秀, 功耗)


@pytest.mark.slow
def test_silence_and_tones_give_no_text(cfg, tmp_path):
    n = 20 * 8000
    silent = write_audio(tmp_path / "silent.wav", [np.zeros(n, np.float32)] * 2, rate=8000, codec="pcm_mulaw")
    t = transcribe_call(call(silent), cfg)
    assert t.utterances == [] and any("no speech" in w for w in t.warnings)
    # hold "music": chords with a slow tremolo, plus line hiss
    tt = np.arange(n) / 8000
    rng = np.random.default_rng(0)
    music = sum(0.08 * np.sin(2 * np.pi * f * tt) for f in (261.6, 329.6, 392.0, 523.3))
    music = (music * (0.6 + 0.4 * np.sin(2 * np.pi * 0.5 * tt)) + 0.005 * rng.standard_normal(n)).astype(np.float32)
    path = write_audio(tmp_path / "hold_music.wav", [music, music], rate=8000, codec="pcm_mulaw")
    t = transcribe_call(call(path), cfg)
    assert t.utterances == [], t.utterances


def write_bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def zero_length_wav(folder: Path) -> Path:
    path = folder / "zero.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"")
    return path


@pytest.mark.parametrize("make, expected", [
    (lambda d: write_bytes(d / "empty.wav", b""), "empty (0 bytes)"),
    (zero_length_wav, "no audio samples"),
    (lambda d: write_bytes(d / "trunc.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "), "not a readable audio"),
    (lambda d: write_bytes(d / "notes.wav", b"call notes, not audio"), "not a readable audio"),
    (lambda d: d / "missing.wav", "not found"),
])
def test_bad_files_give_actionable_errors(make, expected, cfg, tmp_path):
    path = make(tmp_path)
    with pytest.raises(SpeechError) as err:
        transcribe_call(call(path), cfg)
    assert expected in err.value.reason and err.value.stage == "decode"


@pytest.mark.slow
def test_truncated_data_and_wrong_extension_warn(shared_data, cfg, tmp_path, record_property):
    zh = clip(shared_data, "paddlespeech/zh.wav")
    full = write_audio(tmp_path / "full.wav", [zh])
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full.read_bytes()[: len(full.read_bytes()) // 2])
    t = transcribe_call(call(cut, "mono"), cfg)
    assert any("truncated" in w for w in t.warnings), t.warnings
    flac_named_wav = write_audio(tmp_path / "really_flac.wav", [zh], codec="flac", fmt="flac")
    t = transcribe_call(call(flac_named_wav, "mono"), cfg)
    assert any("not what its extension says" in w for w in t.warnings)
    error = cer(references(shared_data / "audio")["paddlespeech/zh.wav"], "".join(u.text for u in t.utterances))
    record_property("cer_flac", error)
    assert error <= 0.3, t.utterances


@pytest.mark.slow
def test_six_channel_file_is_mixed_down_with_a_warning(shared_data, cfg, tmp_path):
    zh = clip(shared_data, "paddlespeech/zh.wav")
    path = write_audio(tmp_path / "six.wav", [zh] + [np.zeros_like(zh)] * 5)
    t = transcribe_call(call(path), cfg)
    assert any("6 channels" in w for w in t.warnings)
    assert t.utterances and t.role_method == "greeting"


def test_file_that_disappears_after_planning(shared_data, cfg, tmp_path):
    from callintel.files import file_sha256

    path = write_audio(tmp_path / "gone.wav", [clip(shared_data, "paddlespeech/zh.wav")])
    sha = file_sha256(path)
    path.unlink()
    with pytest.raises(SpeechError, match="gone"):
        transcribe_call(call(path, "mono"), cfg, sha)


@pytest.mark.slow
def test_wrong_language_warns(shared_data, tmp_path):
    # no non-Chinese recording is shared: ask for English and feed Mandarin, which is the same check
    english = load_settings(overrides={"speech": {"language": "en"}})
    path = write_audio(tmp_path / "zh.wav", [clip(shared_data, "funasr_examples/ex1.wav")])
    t = transcribe_call(call(path, "mono"), english)
    assert any("sounds like 'zh'" in w for w in t.warnings), t.warnings


def test_too_long_is_refused(shared_data, tmp_path):
    short_limit = load_settings(overrides={"speech": {"max_duration_s": 3}})
    path = write_audio(tmp_path / "long.wav", [clip(shared_data, "paddlespeech/zh.wav")])
    with pytest.raises(SpeechError, match="limit"):
        transcribe_call(call(path, "mono"), short_limit)


def test_cache_key_covers_settings_and_files(tmp_path):
    base = load_settings()
    key = cache_key("abc", "mono", base)
    assert key == cache_key("abc", "mono", load_settings())
    assert key != cache_key("abc", "stereo_agent_left", base)
    assert key != cache_key("abd", "mono", base)
    for section in ({"beam_size": 1}, {"vad": {"threshold": 0.4}}, {"redact": {"mask_landlines": False}},
                    {"vocabulary_mode": "prompt"}, {"normalize": {"numbers": False}}):
        assert key != cache_key("abc", "mono", load_settings(overrides={"speech": section}))
    phantoms = tmp_path / "phantoms.txt"
    phantoms.write_text("谢谢观看\n", encoding="utf-8")
    with_file = load_settings(overrides={"speech": {"phantom_lines": str(phantoms)}})
    before = cache_key("abc", "mono", with_file)
    phantoms.write_text("谢谢观看\n感谢收看\n", encoding="utf-8")
    assert cache_key("abc", "mono", with_file) != before
    # the repair's learned table is a file the transcript depends on
    table = tmp_path / "confusions.json"
    table.write_bytes(base.config_file(base["speech"]["terms"]["confusions_model"]).read_bytes())
    with_table = load_settings(overrides={"speech": {"terms": {"confusions_model": str(table)}}})
    before = cache_key("abc", "mono", with_table)
    table.write_text(table.read_text(encoding="utf-8").replace('"min_count"', '"min_count_"'), encoding="utf-8")
    assert cache_key("abc", "mono", with_table) != before


@pytest.mark.slow
def test_transcript_json_round_trip(two_party, cfg):
    t = transcribe_call(call(two_party / "call_stereo_8k_agentL_customerR.wav"), cfg)
    assert transcript_from_json(transcript_to_json(t)) == t


@pytest.mark.slow
def test_stereo_file_with_the_same_audio_on_both_sides_is_read_once(two_party, cfg, tmp_path, record_property):
    # a recorder that duplicated a mono line into both channels: the two-party mono call on both
    # sides (the right side 6 dB quieter, through mu-law), announced as stereo
    from faster_whisper.audio import decode_audio

    mono = decode_audio(str(two_party / "call_mono_8k.wav"), sampling_rate=8000)
    path = write_audio(tmp_path / "dup.wav", [mono, 0.5 * mono], rate=8000, codec="pcm_mulaw")
    t = transcribe_call(call(path), cfg)
    assert any("same audio" in w for w in t.warnings), t.warnings
    assert t.role_method == "greeting"
    assert [u.speaker for u in t.utterances] == ["agent", "customer", "agent", "customer"], t.utterances
    # each sentence once, not once per side (read twice, the CER would be over 1)
    error = cer("".join(turn["text"] for turn in segments(two_party)), "".join(u.text for u in t.utterances))
    record_property("cer_call", error)
    assert error <= 0.35, t.utterances


@pytest.mark.slow
def test_a_sentence_said_twice_comes_out_twice(shared_data, cfg, tmp_path, record_property):
    # Whisper wrote the two (2.5 s apart) as one segment over both regions, once; the stage decodes
    # such a segment again region by region ([speech.windows] resplit_gap_s)
    agent = clip(shared_data, "funasr_examples/ex0_asr_example.wav", 8000)
    pause = np.zeros(int(2.5 * 8000), np.float32)
    path = write_audio(tmp_path / "twice.wav", [np.concatenate([agent, pause, agent]),
                                               np.zeros(len(agent) * 2 + len(pause), np.float32)],
                       rate=8000, codec="pcm_mulaw")
    said = [u for u in transcribe_call(call(path), cfg).utterances if u.speaker == "agent"]
    assert len(said) == 2 and said[0].end < said[1].start, said
    errors = [cer(references(shared_data / "audio")["funasr_examples/ex0_asr_example.wav"], u.text) for u in said]
    record_property("cer_each", errors)
    assert all(e <= 0.3 for e in errors), said

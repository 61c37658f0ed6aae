"""The domain vocabulary offered to Whisper, and the gate that offers it only to domain calls' later windows.

Whisper hearing the insurance list on everyday speech broke eval asr (3.85% -> 12.3%); the gate reads a call's
opening as recognised and offers the list only when it names domain words (speech/vocabulary.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callintel.settings import load_settings
from callintel.speech.domain_terms import analytics_parts
from callintel.speech.stage import cache_key
from callintel.speech.vocabulary import Vocabulary, ranked_terms


def vocabulary(**speech) -> Vocabulary:
    settings = load_settings(overrides={"speech": {"vocabulary_mode": "hotwords", **speech}})
    return Vocabulary.from_settings(settings["speech"], settings)


def test_the_gate_hears_domain_words_by_their_sound():
    v = vocabulary()
    # Whisper's misspellings of 理赔 and 保单 count as the words they sound like
    assert v.heard(["喂您好，我想问一下立陪，", "我那个宝单"]) == ["理赔", "保单"]
    assert v.is_domain(["喂您好，我想问一下立陪，", "我那个宝单"])
    assert not v.is_domain(["喂您好，我想问一下立陪，"])  # one word is not enough (vocabulary_gate_terms = 2)


def test_words_every_helpdesk_says_do_not_open_the_gate():
    v = vocabulary()
    # learned from other customer service (BQ, STC-3): what a bank's or a telecom's customers say too
    assert v.heard(["您好客服，我的手机号和身份证号码都对，验证码没收到"]) == []
    assert {"客服", "身份证", "手机号"}.isdisjoint(v.lexicon)
    assert {"理赔", "保单", "投保人", "受益人"} <= set(v.lexicon)


def test_a_sound_across_two_words_is_not_a_term():
    v = vocabulary()
    # 受现 in 接受现实 sounds as 寿险, 体健 in 身体健康 as 体检: the long call of bench_speech.py opened the gate so
    assert v.heard(["我们接受现实的相对正义", "给我带来了身体健康"]) == []
    assert v.heard(["售议人写错了"]) == ["受益人"]


def test_a_longer_word_counts_once_not_as_its_parts():
    v = vocabulary()
    assert v.heard(["这里是健康保险"]) == ["健康保险"]


def test_everyday_speech_is_not_a_domain_call(shared_data: Path):
    v = vocabulary()
    lines = (shared_data / "audio" / "references.tsv").read_text(encoding="utf-8").splitlines()[1:]
    references = [line.split("\t")[1] for line in lines if "\t" in line and line.split("\t")[1]]
    assert references
    assert not any(v.is_domain([text]) for text in references)


def test_the_list_is_offered_by_channel():
    everyone, customer = vocabulary(), vocabulary(vocabulary_channels="customer")
    assert everyone.for_channel("agent") and everyone.for_channel("customer")
    assert not customer.for_channel("agent")
    assert customer.for_channel("customer") and customer.for_channel("unknown")  # a mono track holds the customer


def test_mode_off_offers_nothing_and_a_wrong_choice_is_refused():
    settings = load_settings()
    off = Vocabulary.from_settings(settings["speech"], settings)
    assert not off.active and off.prompt() == "" and off.hotwords() == ""
    for key in ("vocabulary_mode", "vocabulary_source", "vocabulary_channels"):
        wrong = load_settings(overrides={"speech": {"vocabulary_mode": "hotwords", key: "everything"}})
        with pytest.raises(ValueError, match=key):
            Vocabulary.from_settings(wrong["speech"], wrong)


def test_the_analytics_list_holds_the_most_used_words_first():
    settings = load_settings()
    ranked = ranked_terms(settings)
    parts = analytics_parts(settings)
    entries = parts["taxonomy"] + parts["profiles"]
    uses = [sum(t in e for e in entries) for t in ranked]
    assert len(ranked) == len(set(ranked)) > 40
    assert uses == sorted(uses, reverse=True)
    assert all(2 <= len(t) <= settings["speech"]["vocabulary_max_chars"] for t in ranked)
    assert "理赔" in ranked[:5] and "要什么" not in ranked  # a word the analytics use, not a cue fragment
    v = vocabulary(vocabulary_source="analytics", vocabulary_max_terms=10)
    assert v.hotwords() == "、".join(ranked[:10]) + "。" and v.prompt() == ""


def test_the_cache_key_covers_the_gate(tmp_path: Path):
    settings = load_settings(overrides={"speech": {"vocabulary_mode": "hotwords"}})
    key = cache_key("abc", "stereo_agent_left", settings)
    assert key != cache_key("abc", "stereo_agent_left", load_settings())
    assert key != cache_key("abc", "stereo_agent_left",
                            load_settings(overrides={"speech": {"vocabulary_mode": "hotwords",
                                                                "vocabulary_gate_s": 0.0}}))
    model = json.loads(settings.config_file(settings["speech"]["vocabulary_gate_model"]).read_text(encoding="utf-8"))
    model["weights"]["客服"] = 9.0
    copy = tmp_path / "gate.json"
    copy.write_text(json.dumps(model, ensure_ascii=False), encoding="utf-8")
    moved = load_settings(overrides={"speech": {"vocabulary_mode": "hotwords", "vocabulary_gate_model": str(copy)}})
    assert "客服" in Vocabulary.from_settings(moved["speech"], moved).lexicon
    assert cache_key("abc", "stereo_agent_left", moved) != key


def _call(path: Path, layout: str):
    from datetime import datetime

    from callintel.records import CallRecord

    now = datetime.now().astimezone()
    return CallRecord("t-" + path.stem, path, None, None, now, layout, now.date(), 1)  # type: ignore[arg-type]


@pytest.mark.slow
def test_everyday_speech_past_the_opening_is_heard_as_without_a_list(shared_data: Path, caplog):
    from callintel.speech.stage import transcribe_call

    path = shared_data / "audio" / "funasr_examples" / "vad_example_70s.wav"  # 70 s: windows after the opening
    off = transcribe_call(_call(path, "mono"), load_settings())
    with caplog.at_level("INFO", logger="callintel.speech.stage"):
        gated = transcribe_call(_call(path, "mono"),
                                load_settings(overrides={"speech": {"vocabulary_mode": "hotwords"}}))
    assert max(u.end for u in gated.utterances) > 2 * load_settings()["speech"]["vocabulary_gate_s"]
    assert "no list" in caplog.text
    assert [u.text for u in gated.utterances] == [u.text for u in off.utterances]


@pytest.mark.slow
def test_a_domain_call_hears_the_list_after_its_opening(caplog):
    from asrcheck import cer

    from callintel.settings import PROJECT_ROOT
    from callintel.speech.stage import transcribe_call

    samples = PROJECT_ROOT / "samples"
    truth = next(c for c in json.loads((samples / "dialogues.json").read_text(encoding="utf-8"))["calls"]
                 if c["call_id"] == "C20261120-001")
    with caplog.at_level("INFO", logger="callintel.speech.stage"):
        t = transcribe_call(_call(samples / "calls" / "C20261120-001.ogg", "stereo_agent_left"),
                            load_settings(overrides={"speech": {"vocabulary_mode": "hotwords"}}))
    assert "the domain list is offered" in caplog.text
    for role in ("agent", "customer"):  # the list neither loops nor leaks into the turns (bound as eval e2e finds)
        said = "".join(turn["text"] for turn in truth["turns"] if turn["speaker"] == role)
        heard = "".join(u.text for u in t.utterances if u.speaker == role)
        assert cer(said, heard) < 0.35, (role, heard)

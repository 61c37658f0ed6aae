"""Readers of transcripts made elsewhere, each on a small file written here in that tool's shape."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from callintel.records import CallRecord
from callintel.settings import load_settings
from callintel.speech.transcripts import (
    Labels,
    TranscriptError,
    detect_format,
    import_transcript,
    read_aws_call_analytics,
    read_funasr,
    read_whisper,
)

SETTINGS = load_settings()
LABELS = Labels.from_settings(SETTINGS)
GREETING = "您好，这里是安和人寿客服中心，工号007，很高兴为您服务。"
QUESTION = "我想问一下我的理賠到哪一步了，我手机是一三九零五七一零二三一"  # Traditional, spoken digits


def call_for(path: Path, fmt: str | None = None, layout: str | None = None) -> CallRecord:
    return CallRecord("T1", None, None, "A007", datetime(2026, 11, 20, 9, 0), layout,  # type: ignore[arg-type]
                      date(2026, 11, 20), 2, transcript_path=path, transcript_format=fmt)


def imported(tmp_path: Path, data, fmt: str | None = None, layout: str | None = None, name: str = "t.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return import_transcript(call_for(path, fmt, layout), SETTINGS, hashlib.sha256(path.read_bytes()).hexdigest())


def assert_cleaned_dialogue(t):
    """Same words out of every format: Simplified, numbers as digits, the phone number masked."""
    assert [u.speaker for u in t.utterances] == ["agent", "customer", "agent"]
    assert t.utterances[0].text == GREETING
    assert t.utterances[1].text == "我想问一下我的理赔到哪一步了，我手机是[手机号]。"
    assert "13905710231" not in json.dumps([u.text for u in t.utterances])
    assert [u.start for u in t.utterances] == [0.0, 4.2, 9.5]
    assert t.utterances[2].end == 12.0


def test_callintel_format(tmp_path):
    t = imported(tmp_path, {"format": "callintel-transcript", "version": 1,
                            "call": {"call_id": "T1", "agent_id": "A007"},
                            "turns": [{"speaker": "agent", "start": 0, "end": 4.0, "text": GREETING},
                                      {"speaker": "customer", "start": 4.2, "end": 9.0, "text": QUESTION},
                                      {"speaker": "客服", "start": 9.5, "end": 12.0, "text": "好的，我帮您查一下"}]})
    assert_cleaned_dialogue(t)
    assert t.source == "callintel" and t.role_method == "transcript" and t.duration_s == 12.0


def test_whisper_channels_and_speaker_segments(tmp_path):
    agent = [{"id": 0, "start": 0.0, "end": 4.0, "text": GREETING, "avg_logprob": -0.2},
             {"id": 1, "start": 9.5, "end": 12.0, "text": "好的，我帮您查一下"}]
    customer = {"language": "zh", "segments": [{"id": 0, "start": 4.2, "end": 9.0, "text": QUESTION}]}
    assert_cleaned_dialogue(imported(tmp_path, {"channels": {"agent": {"segments": agent}, "customer": customer}}))
    # the same by sides, resolved through the manifest's layout
    t = imported(tmp_path, {"channels": {"right": {"segments": agent}, "left": customer}}, layout="stereo_agent_right")
    assert_cleaned_dialogue(t)
    flat = sorted([{**s, "speaker": "agent"} for s in agent] + [{**customer["segments"][0], "speaker": "Customer"}],
                  key=lambda s: s["start"])
    t = imported(tmp_path, {"text": "...", "segments": flat, "language": "zh"}, fmt="whisper")
    assert_cleaned_dialogue(t)
    assert t.source == "whisper"


def test_whisper_mono_segments_get_roles_from_cues():
    turns = read_whisper([{"start": 0, "end": 3, "text": GREETING}, {"start": 3.5, "end": 6, "text": QUESTION},
                          {"start": 6.5, "end": 8, "text": "请您稍等，我帮您核实"}], LABELS)
    assert [t["speaker"] for t in turns.turns] == ["agent", "customer", "agent"]
    assert turns.role_method == "greeting"


def test_funasr_sentence_info_ms_and_spk(tmp_path):
    # FunASR AutoModel.generate(..., spk_model="cam++"): a list with one result per input; times in ms.
    # Here the customer's voice got spk 0: the greeting decides who the agent is, not the id.
    result = [{"key": "T1", "text": "...", "timestamp": [[0, 300]],
               "sentence_info": [{"text": GREETING, "start": 0, "end": 4000, "timestamp": [[0, 300]], "spk": 1},
                                 {"text": QUESTION, "start": 4200, "end": 9000, "timestamp": [], "spk": 0},
                                 {"text": "好的，我帮您查一下", "start": 9500, "end": 12000, "spk": 1}]}]
    assert detect_format(result) == "funasr"
    t = imported(tmp_path, result)
    assert_cleaned_dialogue(t)
    assert t.source == "funasr"
    three = [{"sentence_info": [{"text": "a", "start": 0, "end": 1, "spk": k} for k in range(3)]}]
    with pytest.raises(TranscriptError, match="3 speakers"):
        read_funasr(three, LABELS)


def test_aws_call_analytics(tmp_path):
    # Amazon Transcribe Call Analytics post-call output (trimmed): Transcript[] with roles and ms offsets.
    def item(i, role, begin, end, text):
        return {"Id": f"id-{i}", "ParticipantRole": role, "BeginOffsetMillis": begin, "EndOffsetMillis": end,
                "Content": text, "Sentiment": "NEUTRAL", "LoudnessScores": [70.1, 72.3], "Items": []}
    data = {"JobStatus": "COMPLETED", "LanguageCode": "zh-CN", "AccountId": "000000000000", "Channel": "VOICE",
            "Participants": [{"ParticipantRole": "AGENT"}, {"ParticipantRole": "CUSTOMER"}],
            "Categories": {"MatchedCategories": [], "MatchedDetails": {}},
            "ConversationCharacteristics": {"TotalConversationDurationMillis": 12000},
            "Transcript": [item(0, "AGENT", 0, 4000, GREETING), item(1, "CUSTOMER", 4200, 9000, QUESTION),
                           item(2, "AGENT", 9500, 12000, "好的，我帮您查一下")]}
    t = imported(tmp_path, data)
    assert_cleaned_dialogue(t)
    assert t.source == "aws-call-analytics"
    data["Transcript"][1]["ParticipantRole"] = "SUPERVISOR"
    with pytest.raises(TranscriptError, match="SUPERVISOR"):
        read_aws_call_analytics(data, LABELS)


@pytest.mark.parametrize(("content", "reason"), [
    ('{"turns": [{"speaker": "agent", "text": "你好"', "not valid JSON"),
    ({"turns": [{"speaker": "boss", "text": "你好"}]}, "speaker 'boss'"),
    ({"turns": []}, "no turn has any text"),
    ({"turns": [{"speaker": "agent", "text": "  "}, {"speaker": "customer", "text": ""}]}, "no turn has any text"),
    ({"turns": [{"speaker": "agent", "start": 5, "end": 6, "text": "你好"},
                {"speaker": "customer", "start": 2, "end": 3, "text": "喂"}]}, "before turn 0"),
    ({"turns": [{"speaker": "agent", "start": 5, "end": 4, "text": "你好"}]}, "before it starts"),
    ({"turns": [{"speaker": "agent", "start": 0, "text": "你好"}, {"speaker": "customer", "text": "喂"}]},
     "give times for every turn or for none"),
    ({"call": {"call_id": "OTHER"}, "turns": [{"speaker": "agent", "text": "你好"}]}, "call OTHER, not T1"),
    ({"results": {"transcripts": []}}, "not a transcript format"),
    # an operator's probe (2026-12-07): these stopped the whole night at the call's end time (OverflowError)
    ('{"turns": [{"speaker": "agent", "start": 0, "end": Infinity, "text": "你好"}]}', "not a finite number"),
    ({"turns": [{"speaker": "agent", "start": 0, "end": 1e301, "text": "你好"}]}, "max_duration_s"),
    ({"turns": [{"speaker": "agent", "start": 1765328400000, "end": 1765328403000, "text": "你好"}]},
     "epoch times or milliseconds"),
    ({"turns": [{"speaker": "agent", "start": 1765328400, "end": 1765328403, "text": "你好"}]}, "max_duration_s"),
    ({"turns": [{"speaker": "agent", "text": {"a": 1}}]}, "text is a JSON object"),
])
def test_bad_transcripts_fail_with_a_reason(tmp_path, content, reason):
    with pytest.raises(TranscriptError, match=reason) as err:
        imported(tmp_path, content, name="bad.json")
    assert str(err.value).startswith("bad.json: ")


def test_empty_turns_are_skipped_with_a_warning(tmp_path):
    t = imported(tmp_path, {"turns": [{"speaker": "agent", "text": GREETING}, {"speaker": "customer", "text": ""},
                                      {"speaker": "customer", "text": QUESTION}]})
    assert len(t.utterances) == 2 and t.warnings == ["1 empty turn(s) skipped"]


def test_cache_key_follows_file_reader_and_text_settings():
    from callintel.speech.transcripts import text_settings_digest, transcript_cache_key

    digest = text_settings_digest(SETTINGS)
    assert digest == text_settings_digest(load_settings())
    other = text_settings_digest(load_settings(overrides={"speech": {"normalize": {"numbers": False}}}))
    beam = text_settings_digest(load_settings(overrides={"speech": {"beam_size": 1}}))  # a Whisper-only setting
    assert other != digest and beam == digest
    key = transcript_cache_key("a" * 64, None, digest)
    assert key != transcript_cache_key("b" * 64, None, digest)
    assert key != transcript_cache_key("a" * 64, "funasr", digest)
    assert key != transcript_cache_key("a" * 64, None, other)


def test_the_text_cache_follows_every_file_the_cleaning_reads(tmp_path):
    """The repair's table and the analytics' word lists, the surnames of the name masking: edited, re-cleaned."""
    from callintel.speech.transcripts import text_settings_digest

    for section, key in (("terms", "confusions_model"), ("redact", "surnames_file")):
        copy = tmp_path / f"{key}.copy"
        copy.write_bytes(SETTINGS.config_file(SETTINGS["speech"][section][key]).read_bytes())
        settings = load_settings(overrides={"speech": {section: {key: str(copy)}}})
        before = text_settings_digest(settings)
        copy.write_bytes(copy.read_bytes().replace(b"\n", b"\n\n", 1))
        assert text_settings_digest(settings) != before, key
    taxonomy = tmp_path / "taxonomy.toml"
    taxonomy.write_bytes(SETTINGS.config_file(SETTINGS["topics"]["taxonomy"]).read_bytes())
    settings = load_settings(overrides={"topics": {"taxonomy": str(taxonomy)}})
    before = text_settings_digest(settings)
    taxonomy.write_text(taxonomy.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert text_settings_digest(settings) != before


def test_a_file_changed_since_planning_is_imported_and_keyed_as_read(tmp_path):
    from callintel.speech.transcripts import text_settings_digest, transcript_cache_key

    path = tmp_path / "t.json"
    path.write_text(json.dumps({"turns": [{"speaker": "agent", "text": GREETING}]}, ensure_ascii=False), "utf-8")
    digest = text_settings_digest(SETTINGS)
    t = import_transcript(call_for(path), SETTINGS, "0" * 64, digest)
    now = hashlib.sha256(path.read_bytes()).hexdigest()
    assert "changed after the night was planned" in t.warnings[0]
    assert t.audio_sha256 == now and t.cache_key == transcript_cache_key(now, None, digest)

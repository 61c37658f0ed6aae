"""`callintel eval e2e`: calls figures from audio, on the committed voiced sample calls (real Whisper, real steps).

Voicing new dialogues needs the synthesiser's own environment (.venv-tts, TensorFlow), which a test does not
build: the sample calls were voiced by the same script, and their truth.json carries each turn's span.
"""

from __future__ import annotations

import importlib.util
import json

import pytest

from callintel.evaluation import e2e
from callintel.evaluation.voicing import chosen_calls, set_folder
from callintel.records import Transcript, Utterance
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.domain_terms import analytics_terms

SAMPLES = PROJECT_ROOT / "samples"
# a stereo call, an agent-right one and a mono one
CHOSEN = ("C20261120-001", "C20261120-005", "C20261121-003")


@pytest.fixture(scope="module")
def audio_run(tmp_path_factory):
    truth_all = json.loads((SAMPLES / "truth.json").read_text(encoding="utf-8"))["calls"]
    calls = [c for c in truth_all if c["call_id"] in CHOSEN]
    layouts = {c["channel_layout"] for c in calls}
    assert "mono" in layouts and len(calls) == len(CHOSEN), layouts
    truth = {c["call_id"]: c for c in calls}
    settings = load_settings().with_overrides({"privacy": {"caller_hash_builtin_key": True}})
    tmp = tmp_path_factory.mktemp("e2e")
    result = e2e.evaluate_audio(calls, truth, SAMPLES, tmp / "work", settings, tmp / "audio.duckdb", log=print)
    return calls, truth, result, tmp


@pytest.mark.slow  # Whisper over three sample calls
def test_audio_night_is_scored_against_the_truth_turns(audio_run):
    calls, _, result, _ = audio_run
    print({k: result.get(k) for k in e2e.COMPARED}, result["domain_term_recall"], result["speech_cost"])
    # the scorers find the audio's questions at the truth's turn numbers: with utterance times left as seconds
    # (not mapped to turns) recall would be near 0
    assert result["questions_recall"] >= 0.6
    assert result["calls_with_topic"] == len(calls)
    assert result["unmasked"] == 0
    assert result["domain_terms_said"] > 20 and result["domain_term_recall"] >= 0.6
    assert result["speech_cost"]["transcribed"] == len(calls) and result["audio_seconds"] > 60


@pytest.mark.slow
def test_transcripts_are_cached_between_runs(audio_run):
    calls, truth, first, tmp = audio_run
    settings = load_settings().with_overrides({"privacy": {"caller_hash_builtin_key": True}})
    again = e2e.evaluate_audio(calls, truth, SAMPLES, tmp / "work", settings, tmp / "again.duckdb")
    assert again["speech_cost"]["cached"] == len(calls) and again["speech_cost"]["transcribed"] == 0
    assert {k: again.get(k) for k in e2e.COMPARED} == {k: first.get(k) for k in e2e.COMPARED}


def test_utterances_map_to_the_turn_they_overlap():
    call = {"channel_layout": "stereo_agent_left", "turns": [
        {"index": 0, "speaker": "agent", "start": 0.5, "end": 3.0},
        {"index": 1, "speaker": "customer", "start": 2.8, "end": 6.0},
        {"index": 2, "speaker": "agent", "start": 6.5, "end": 9.0}]}
    said = [Utterance("agent", 0.6, 2.9, "a"), Utterance("customer", 2.9, 5.0, "b"), Utterance("agent", 2.9, 3.1, "c"),
            Utterance("agent", 9.5, 9.9, "d")]
    t = Transcript("x", "", 10.0, said, "")
    # the short agent piece inside the customer's turn belongs to the agent's turn it touches; 9.5 s overlaps none
    assert e2e.align(t.utterances, call) == [0, 1, 0, None]
    assert e2e.align(t.utterances, {**call, "channel_layout": "mono"}) == [0, 1, 1, None]


def test_the_mapping_says_what_was_unheard_and_still_split():
    truth = {"x": {"turns": [{"text": "a"}, {"text": "b"}, {"text": ""}, {"text": "c"}]}}
    got = e2e.mapping_summary({"x": [0, 1, 1, None]}, truth, {"x": 7})
    assert got == {"recognised_utterances": 7, "stored_turns": 4, "stored_unmapped": 1, "truth_turns": 3,
                   "truth_turns_unheard": 1, "truth_turns_split": 1}


def test_domain_term_recall_counts_terms_said_and_heard():
    truth = {"x": {"turns": [{"text": "我那个自动续保的保单，我在杭州。"}, {"text": "续保是自动的。"}]}}
    heard = Transcript("x", "", 5.0, [Utterance("customer", 0, 2, "我那个自动细胞的保单，我在航中。"),
                                      Utterance("agent", 2, 4, "续保是自动的。")], "")
    got = e2e.term_recall(truth, {"x": heard}, ["自动续保", "续保", "杭州", "保单", "理赔"])
    # said: 自动续保, 保单, 杭州, 续保 (自动续保 counts once, not also as 续保); heard: 保单, 续保
    assert got["domain_terms_said"] == 4 and got["domain_term_recall"] == 0.5
    assert got["domain_terms_missed"] == {"自动续保": 1, "杭州": 1}
    # 自动续保 came back as 自动细胞 (one syllable off: xu/xi), 杭州 as 航中 (zhou/zhong)
    assert got["domain_terms_missed_by_sound"] == {"one syllable off": 2}
    assert [e2e.heard_as("理赔", x) for x in ("立陪", "立财", "理财顾问", "")] == [
        "same sound", "one syllable off", "further", "unheard"]


def test_a_missed_term_is_judged_by_what_stands_at_its_place():
    # 保单 was not heard at all; 报单 said elsewhere in the call sounds the same but is not where 保单 was said
    truth = {"x": {"turns": [{"text": "审核要三天，报单填好了。"}, {"text": "保单呢？"}]}}
    heard = Transcript("x", "", 5.0, [Utterance("agent", 0, 2, "选核要三天，报单填好了。"),
                                      Utterance("customer", 2, 4, "呢？")], "")
    got = e2e.term_recall(truth, {"x": heard}, ["审核", "保单"])
    assert got["domain_terms_missed"] == {"审核": 1, "保单": 1}
    assert got["domain_terms_missed_by_sound"] == {"one syllable off": 1, "unheard": 1}


def test_analytics_vocabulary_comes_from_the_analytics_files():
    terms = set(analytics_terms(load_settings()))
    assert {"程序员", "杭州", "重疾险", "理赔", "续保", "理赔进度查询"} <= terms
    assert all(len(t) >= 2 for t in terms) and not any("+" in t for t in terms)


def test_a_subset_is_a_prefix_with_some_calls_mono(tmp_path):
    calls = [{"call_id": f"c{i}", "channel_layout": "stereo_agent_left"} for i in range(12)]
    chosen = chosen_calls(calls, 10, 5)
    assert [c["call_id"] for c in chosen] == [f"c{i}" for i in range(10)]
    assert [c["call_id"] for c in chosen if c["channel_layout"] == "mono"] == ["c4", "c9"]
    assert calls[4]["channel_layout"] == "stereo_agent_left"          # the file's calls are not changed
    one, two = tmp_path / "a" / "dialogues.json", tmp_path / "b" / "dialogues.json"
    for path, text in ((one, "1"), (two, "2")):
        path.parent.mkdir()
        path.write_text(text)
    assert set_folder(tmp_path, one).name.startswith("a-") and set_folder(tmp_path, one) != set_folder(tmp_path, two)


@pytest.fixture(scope="module")
def voicing():
    """scripts/voice_samples.py as a module: TensorFlow is imported only when a synthesiser is made."""
    spec = importlib.util.spec_from_file_location("voice_samples", PROJECT_ROOT / "scripts" / "voice_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_callers_without_a_number_get_voices_of_their_own(voicing):
    voices = {voicing.customer_voice({"call_id": f"H-{i}", "caller_number": "", "truth": {}}) for i in range(6)}
    assert len(voices) > 1
    assert voicing.agent_voice("A001") == 1.0 and 0.97 <= voicing.agent_voice("B003") <= 1.03


def test_years_written_with_ling_are_speakable(voicing):
    # the health insurer's calls write years as 二〇二四年; the synthesiser fails on 〇
    assert voicing.spoken("二〇二四年投保，工号8013") == "二零二四年投保，工号八零一三"


def test_the_cached_text_is_recognised_text_and_the_repair_is_applied_on_every_run():
    settings = load_settings()
    raw = e2e.raw_settings(settings)
    assert raw["speech"]["terms"]["enabled"] is False and raw["speech"]["terms"]["fuzzy"] == []
    # the cache key of recognised text does not move when the repair's settings do
    tuned = settings.with_overrides({"speech": {"terms": {"fuzzy_min_syllables": 4, "keep": ["一保"]}}})
    assert e2e.cache_key("ab", "mono", raw) == e2e.cache_key("ab", "mono", e2e.raw_settings(tuned))
    assert e2e.cache_key("ab", "mono", raw) != e2e.cache_key("ab", "mono", settings)
    # nor when the repair gains a setting: a repair that is off is keyed as off, whatever else its section holds
    grown = raw.with_overrides({"speech": {"terms": {"confusions_min_count": 99}}})
    assert e2e.cache_key("ab", "mono", raw) == e2e.cache_key("ab", "mono", grown)
    heard = Transcript("x", "", 6.0, [Utterance("customer", 0, 2, "我想改一下宝丹的售议人是张建国。"),
                                      Utterance("agent", 2, 4, "好的，张建国的保单。")], "")
    fixed, restored = e2e.repair_terms(heard, e2e.TextCleaner.from_settings(settings))
    # the repaired cue word (受益人是) reveals the name, masked in every utterance as the speech stage does
    assert restored == 2
    assert [u.text for u in fixed.utterances] == ["我想改一下保单的受益人是[姓名]。", "好的，[姓名]的保单。"]


def test_main_topics_from_audio_and_text_are_compared_call_by_call(tmp_path):
    """A call's main topic is its taxonomy slug, or the night's own topic by source and label; the share of calls
    whose audio topic is the text's counts a call missing on one side as changed."""
    from callintel.warehouse.db import connect

    db = tmp_path / "w.duckdb"
    con = connect(db)
    topics = ((1, "理赔进度查询", "claim_status", "taxonomy"), (2, "体检预约", None, "discovered"))
    for topic_id, label, slug, source in topics:
        con.execute("""INSERT INTO topics (topic_id, label, keywords, representative, created_night, initial_size,
                       model, centroid, created_at, slug, source)
                       VALUES (?, ?, '[]', '', DATE '2026-10-12', 1, 'm', [0.0], now(), ?, ?)""",
                    [topic_id, label, slug, source])
    for call_id, topic_id in (("A", 1), ("B", 2)):
        con.execute("""INSERT INTO call_topics (call_id, night, topic_id, method, score, questions, unclustered,
                       assigned_at) VALUES (?, DATE '2026-10-12', ?, 'vote', 1.0, 1, 0, now())""", [call_id, topic_id])
    con.close()
    text = e2e.main_topics(db)
    assert text == {"A": "claim_status", "B": "discovered: 体检预约"}
    audio = {"A": "claim_status", "B": "discovered: 预约体检"}
    assert e2e.topic_agreement(text, audio, ["A", "B", "C"]) == {  # C: on neither side, unchanged
        "call_topic_same_as_text": 0.6667,
        "call_topic_differs": {"B": ["discovered: 体检预约", "discovered: 预约体检"]}}
    assert e2e.topic_agreement(text, {"B": "discovered: 体检预约"}, ["A", "B"]) == {  # A: lost from audio
        "call_topic_same_as_text": 0.5, "call_topic_differs": {"A": ["claim_status", None]}}
    assert e2e.topic_agreement(text, {}, [])["call_topic_same_as_text"] is None

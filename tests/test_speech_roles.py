"""Mono calls: a Whisper segment holding both speakers is cut into clauses, and each gets its role."""

from __future__ import annotations

from callintel.settings import load_settings
from callintel.speech.asr import Segment
from callintel.speech.roles import Clause, SpeakerCues, clauses, decode_roles
from callintel.speech.stage import _Stage, mono_utterances


def _segment(start: float, pieces: list[str], gap: float = 0.4) -> Segment:
    """A segment whose words are the given clauses, 0.15 s per character, `gap` between clauses."""
    words, t = [], start
    for piece in pieces:
        for ch in piece:
            words.append((round(t, 2), round(t + 0.15, 2), ch))
            t += 0.15
        t += gap
    return Segment(start, words[-1][1], "".join(pieces), -0.2, 0.01, 1.2, words)


def test_clauses_cut_at_punctuation_and_pauses():
    words = [(0.0, 0.2, "好的，"), (0.2, 0.4, "请问"), (1.0, 1.2, "是"), (1.2, 1.4, "谁")]
    assert [len(c) for c in clauses(words, 0.25)] == [1, 1, 2]


def test_agent_answer_inside_a_customer_segment_is_split_off():
    stage = _Stage(load_settings())
    segments = [
        _segment(0.0, ["您好，", "这里是安和人寿客服中心，", "很高兴为您服务。"]),
        _segment(7.0, ["你好，", "我收到短信，", "说我的保单下个月到期。"]),
        _segment(12.0, ["好的先生，", "请问是哪一份保单呢？"]),
        # the customer's question and the agent's answer in one segment (C20261121-003 seq 4)
        _segment(16.0, ["能不能自动续保，", "我不想每年都打电话，", "可以的，", "您在公众号里打开自动续保，",
                        "到期前会自动从银行卡扣费。"]),
    ]
    utterances = mono_utterances(segments, stage, {}, audio=None)
    roles = [(u.speaker, u.text) for u in utterances]
    assert roles[0][0] == "agent" and roles[1][0] == "customer" and roles[2][0] == "agent"
    assert roles[3][0] == "customer" and roles[3][1].startswith("能不能自动续保") and "公众号" not in roles[3][1]
    assert roles[4][0] == "agent" and roles[4][1].startswith("可以的") and "公众号" in roles[4][1]


def test_no_clauses_no_roles():
    cues = SpeakerCues.load(load_settings().config_file("speaker_cues.toml"))
    assert decode_roles([], None, cues) == []
    assert decode_roles([Clause("您好，很高兴为您服务", 0.0, 2.0, True)], None, cues) == ["agent"]

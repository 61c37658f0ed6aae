"""Text normalisation and hallucination guards (no model needed)."""

from __future__ import annotations

from callintel.settings import CONFIG_DIR, load_settings
from callintel.speech.guards import GuardSettings, clean_segment_text, collapse_loops, phantoms_for, strip_phantoms
from callintel.speech.normalize import NormalizeSettings, normalize_numbers, normalize_text, strip_for_scoring

PHANTOMS = phantoms_for(CONFIG_DIR / "phantom_lines.txt")


def test_simplified_and_punctuation():
    assert normalize_text("歡迎大家來體驗達摩院推出的語音識別模型") == "欢迎大家来体验达摩院推出的语音识别模型"
    assert normalize_text("你好,請問 有什麼可以幫您?") == "你好，请问，有什么可以帮您？"
    assert normalize_text("ＶＩＰ客戶 OK, 好的") == "VIP客户 OK, 好的"
    # a period between a number and Chinese text ends a sentence; a decimal point keeps its digits
    assert normalize_text("29.社保离职以后") == "29。社保离职以后" and normalize_text("3.5万") == "3.5万"


def test_end_punctuation():
    s = NormalizeSettings.from_settings(load_settings()["speech"])
    assert normalize_text("我想问一下理赔", s) == "我想问一下理赔。"
    assert normalize_text("能退保吗", s) == "能退保吗？"
    assert normalize_text("好的。", s) == "好的。"


def test_numbers_where_they_matter():
    assert normalize_numbers("保单二零二六年十一月六号生效") == "保单2026年11月6号生效"
    assert normalize_numbers("保费三千五百元") == "保费3500元"
    assert normalize_numbers("赔了两万块钱") == "赔了20000块钱"
    assert normalize_numbers("百分之五的利率") == "5%的利率"
    assert normalize_numbers("保单号幺二三四五六七八") == "保单号12345678"
    # ordinary words keep their numerals
    for text in ("稍等一下", "一样的", "十分感谢", "一块儿去", "第一次", "一个月"):
        assert normalize_numbers(text) == text


def test_scoring_strip():
    assert strip_for_scoring("你好，請問？ OK!") == "你好请问OK"


def test_phantom_lines_are_cut():
    assert strip_phantoms("字幕由 Amara.org 社群提供", PHANTOMS) == ""
    assert strip_phantoms("好的，謝謝觀看", PHANTOMS).strip("，") == "好的"
    assert strip_phantoms("我想问一下理赔", PHANTOMS) == "我想问一下理赔"


def test_loops():
    text, looped = collapse_loops("想想想想想想想想想想想想想想", 4)
    assert looped
    text, looped = collapse_loops("对对对对对，就是这个保单", 4)
    assert not looped and text == "对，就是这个保单"
    assert collapse_loops("对对对", 4) == ("对对对", False)


def test_guards_drop():
    g = GuardSettings.from_settings(load_settings()["speech"])
    credits = "请不吝点赞 订阅 转发 打赏支持明镜与点点栏目"
    assert clean_segment_text(credits, 1.0, 0.1, -0.3, g, PHANTOMS)[1] == "phantom"
    assert clean_segment_text("好的", 1.0, 0.9, -1.5, g, PHANTOMS)[1] == "no_speech"
    assert clean_segment_text("好的" * 20, 3.0, 0.1, -0.3, g, PHANTOMS)[1] == "compression_ratio"
    assert clean_segment_text("嗯", 1.0, 0.5, -0.8, g, PHANTOMS) == ("嗯", "")


def test_text_from_elsewhere_takes_the_same_path(settings):
    """Imported or evaluated dialogues are normalised, term-restored and masked like Whisper's words."""
    from callintel.speech.text import transcript_from_turns

    t = transcript_from_turns("X1", [
        {"speaker": "agent", "text": "您好，請問有什麼可以幫您嗎"},
        {"speaker": "Customer", "text": "我的手机号是13912345678，立陪到哪一步了"},
        {"speaker": "customer", "text": "   "},
    ], settings)
    assert [u.speaker for u in t.utterances] == ["agent", "customer"]
    assert t.utterances[0].text == "您好，请问有什么可以帮您吗？"
    assert "13912345678" not in t.utterances[1].text and "理赔" in t.utterances[1].text
    assert [u.start for u in t.utterances] == [0.0, 1.0] and t.role_method == "transcript"


def test_text_from_elsewhere_rejects_an_unknown_speaker(settings):
    import pytest

    from callintel.speech.text import transcript_from_turns

    with pytest.raises(ValueError, match="turn 0 of X2: speaker 'robot'"):
        transcript_from_turns("X2", [{"speaker": "robot", "text": "你好"}], settings)

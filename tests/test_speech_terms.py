"""Insurance terms restored by sound (speech/terms.py), with the production term lists."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from callintel.pinyin import fuzz, syllables
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.terms import TermCorrector, TermSettings, read_terms


@pytest.fixture(scope="module")
def corrector() -> TermCorrector:
    return TermCorrector.from_settings(load_settings())


@pytest.mark.parametrize(("heard", "meant"), [
    ("我想问一下我的立陪到哪一步了", "我想问一下我的理赔到哪一步了"),       # as Whisper wrote the sample calls
    ("我想把宝丹的售议人改一下", "我想把保单的受益人改一下"),
    ("你们的中级线还能买吗", "你们的重疾险还能买吗"),
    ("我有高学压，能买吗", "我有高血压，能买吗"),
    ("我昨天办了犹豫欺退宝", "我昨天办了犹豫期退保"),
])
def test_misheard_terms_come_back(corrector, heard, meant):
    fixed, changes = corrector.correct(heard)
    assert fixed == meant and changes


@pytest.mark.parametrize("text", [
    "这台电脑已经报废了",          # 报废 sounds like 保费, and is meant
    "我要重置一下密码",            # 重置 sounds like 中止
    "建议保留好发票原件",          # 议保 would be 医保 only by cutting 建议 in two
    "趁身体健康的时候买",          # 体健 sounds like 体检, inside 身体健康
    "理赔款已经到账了",            # already right: nothing to do
])
def test_meant_words_are_left_alone(corrector, text):
    assert corrector.correct(text) == (text, [])

TERMS = TermSettings.from_settings(load_settings()["speech"])


def test_reference_scripts_are_unchanged_by_correction(corrector):
    # the sample calls' own words (what was meant) must survive the corrector
    dialogues = json.loads((PROJECT_ROOT / "samples" / "dialogues.json").read_text(encoding="utf-8"))
    turns = [t["text"] for c in dialogues["calls"] for t in c["turns"]]
    changed = [(t, corrector.correct(t)[1]) for t in turns if corrector.correct(t)[1]]
    assert len(turns) > 150 and changed == []


def test_fuzzy_only_for_long_terms():
    opts = replace(TERMS, fuzzy=(("-ing", "-in"),), fuzzy_min_syllables=3, keep=frozenset())
    short = TermCorrector(opts, ["保险金", "保单"])
    assert short.correct("这笔保险今要多久")[0] == "这笔保险金要多久"  # jin/jin exact
    assert short.correct("保险进")[0] == "保险金"                        # exact toneless (jin)
    assert fuzz("bing", (("-ing", "-in"),)) == "bin" and syllables("理赔") == ("li", "pei")
    assert TermCorrector(replace(TERMS, enabled=False), []).correct("立陪") == ("立陪", [])


def test_term_lists_read_like_jieba_dictionaries(tmp_path):
    f = tmp_path / "terms.txt"
    f.write_text("# comment\n理赔 3000 n\n\n受益人  # inline\n", encoding="utf-8")
    assert read_terms(f) == ["理赔", "受益人"]

"""Syllables a recogniser hears as others, learned from transcripts and their truth (speech/confusions.py)."""

from __future__ import annotations

import pytest

from callintel.model_json import ModelFileError
from callintel.pinyin import syllables
from callintel.settings import load_settings
from callintel.speech import confusions
from callintel.speech.terms import TermCorrector


def test_substitutions_are_counted_by_syllable_and_insertions_are_not():
    said, heard = confusions.count([
        ("请问投保人是谁", "请问投保严是谁"),      # 人 heard as 严: ren -> yan
        ("投保人和被保险人", "投保员和被保险人"),    # ren -> yuan; the second 人 came back right
        ("好的", "好的呀"),                        # an insertion: no pair
        ("我想退保", "我想"),                      # a deletion: no pair
    ])
    assert heard == {("ren", "yan"): 1, ("ren", "yuan"): 1}
    assert said["ren"] == 3 and said["bao"] >= 3


def test_the_table_keeps_pairs_by_count_and_rate(tmp_path):
    said, heard = confusions.count([("投保人", "投保严")] * 3 + [("保险人", "保险人")] * 7 + [("本人", "本员")])
    path = tmp_path / "table.json"
    path.write_text(confusions.model_file(said, heard, 1, {"trained_on": "test"}).to_json(), encoding="utf-8")
    assert confusions.load(path, 2, 0.2) == {("ren", "yan")}           # 3 of 11: kept; ren -> yuan seen once
    assert confusions.load(path, 1, 0.0) == {("ren", "yan"), ("ren", "yuan")}
    assert confusions.load(path, 2, 0.5) == frozenset()


def test_a_missing_table_says_how_to_make_one(tmp_path):
    with pytest.raises(ModelFileError, match="train_syllable_confusions"):
        confusions.load(tmp_path / "none.json", 2, 0.03)


@pytest.fixture(scope="module")
def settings():
    return load_settings()


@pytest.mark.parametrize(("heard", "meant"), [
    ("请您提供一下投保严的姓名", "请您提供一下投保人的姓名"),  # ren heard as yan
    ("我爸妈医疗写的受益人能填谁", "我爸妈医疗险的受益人能填谁"),  # xian heard as xie
])
def test_a_learned_confusion_brings_a_long_term_back(settings, heard, meant):
    with_table = TermCorrector.from_settings(settings)
    without = TermCorrector.from_settings(settings.with_overrides({"speech": {"terms": {"confusions_model": ""}}}))
    assert {("ren", "yan"), ("xian", "xie")} <= with_table.learned
    assert with_table.correct(heard)[0] == meant
    assert without.correct(heard)[0] == heard  # neither pair is near by the hand rules


def test_a_learned_confusion_still_needs_the_word_model(settings):
    corrector = TermCorrector.from_settings(settings)
    # 投保严 would be 投保人, but here 严格 is a word of the sentence: the words read worse with the term
    text = "投保严格审核"
    assert corrector._near_term(corrector._key(text[:3]), syllables(text[:3]), 3) == "投保人"  # a candidate ...
    assert corrector.correct(text)[0] == text  # ... that the word model turns down

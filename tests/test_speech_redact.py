"""PII masking: digits, spoken numerals, separators, checksums; and the independent counter agrees."""

from __future__ import annotations

import pytest

from callintel.evaluation.pii import leaked_numbers
from callintel.speech.redact import RedactionRules, find_pii, id_card_valid, luhn_valid, mask_pii

ID_OK = "330106198503151238"  # check digit valid (GB 11643)
ID_X = "11010519491231002X"
CARD = "6222021234567890128"  # Luhn valid, 19 digits


def test_checksums():
    assert id_card_valid(ID_OK) and id_card_valid(ID_X)
    assert not id_card_valid("330106198503151239")
    assert luhn_valid(CARD) and luhn_valid("4111111111111111")
    assert not luhn_valid("4111111111111112")


@pytest.mark.parametrize("text, mask", [
    ("我的手机号是13800138000", "[手机号]"),
    ("电话138 0013 8000谢谢", "[手机号]"),
    ("电话138-0013-8000", "[手机号]"),
    ("打+86 138 0013 8000", "[手机号]"),
    ("号码是１３８００１３８０００", "[手机号]"),
    ("幺三八零零幺三八零零零", "[手机号]"),
    ("一三八 零零一三 八零零零", "[手机号]"),
    ("一三八零零一三八零零零", "[手机号]"),
    ("腰三八零零腰三八零零零", "[手机号]"),
    ("我要幺三八零零幺三八零零零", "[手机号]"),
    ("要三八零零要三八零零零", "[手机号]"),
    ("幺 三 八 零 零 幺 三 八 零 零 零", "[手机号]"),
    (f"身份证号{ID_OK}", "[身份证号]"),
    (f"身份证号{ID_X}", "[身份证号]"),
    ("身份证三三零幺零六幺九八五零三幺五幺二三八", "[身份证号]"),
    ("身份证号 330106 19850315 1238", "[身份证号]"),
    ("身份证号330106198503151239", "[身份证号]"),  # bad check digit: still masked (one ASR slip)
    ("旧身份证330106850315123", "[身份证号]"),
    (f"卡号{CARD}", "[银行卡号]"),
    ("卡号6222 0212 3456 7890 128", "[银行卡号]"),
    ("卡号4111111111111111", "[银行卡号]"),
    ("卡号六二二二零二幺二三四五六七八九零幺二八", "[银行卡号]"),
    ("座机0571-88886666", "[号码]"),
    ("手机1380013800", "[手机号]"),  # a digit lost by ASR
])
def test_masks(text, mask):
    masked = mask_pii(text)
    assert mask in masked, masked
    assert not leaked_numbers(masked)


def test_two_numbers_in_one_run_get_two_masks():
    assert mask_pii("13988369420 18904056109") == "[手机号] [手机号]"
    assert mask_pii(f"{ID_OK} 13800138000") == "[身份证号] [手机号]"


@pytest.mark.parametrize("text", [
    "我想了解一下一年期的保险",
    "一二三四五",  # short spoken run
    "保费3500元，2026年11月6号生效",
    "客服热线4008123456",
    "时间2016-07-24-08-56-23",
    "DNS是114.114.114.114",
    "一五一十地说",
    "两三个月前",
    "工号001",
    "第1次，订单20150401",
])
def test_leaves_ordinary_numbers(text):
    assert mask_pii(text) == text
    assert find_pii(text) == []


def test_rules_from_settings():
    rules = RedactionRules.from_settings({"redact": {"mask_landlines": False}})
    assert not rules.mask_landlines
    assert mask_pii("座机0571-88886666", rules) == "座机0571-88886666"


def test_counter_finds_what_was_not_masked():
    assert leaked_numbers("13800138000") == [("phone", "13800138000")]
    assert leaked_numbers(f"ID {ID_OK}") == [("id_card", ID_OK)]
    assert leaked_numbers("[手机号]") == []


def test_a_garbled_card_number_after_a_cue_word_is_still_masked():
    # seen on the sample calls: "卡号是6222 0212 3456 7890 128" heard as "卡号16号邀请00123456789012"
    from callintel.settings import load_settings
    from callintel.speech.redact import RedactionRules

    rules = RedactionRules.from_settings(load_settings()["speech"])
    assert mask_pii("卡号16号邀请00123456789012。", rules) == "卡号16号邀请[银行卡号]。"
    assert mask_pii("我的电话是12345678", rules) == "我的电话是[手机号]"
    assert mask_pii("卡号是六二二二零二一二三四", rules) == "卡号是[银行卡号]"
    # without a cue, short numbers stay: amounts, dates, ages
    assert mask_pii("保费一年3000元，2026年11月20号，我35岁", rules) == "保费一年3000元，2026年11月20号，我35岁"

"""The age an ID number or birth date states, kept when the number itself is masked (callintel/ages.py,
speech/stated_age.py, utterances.stated_age, the profiles step). Real text path, real DuckDB."""

from __future__ import annotations

from datetime import UTC, date, datetime

from callintel.ages import age_from_birth, age_from_id, heard_id_birth
from callintel.flows.dialogues import land_dialogues
from callintel.flows.steps import BY_NAME, run_step
from callintel.speech.text import TextCleaner, transcript_from_turns
from callintel.warehouse.db import connect

ON = date(2026, 11, 20)


def test_age_from_id_and_birth_date():
    assert age_from_id("430524199107286343", ON) == 35
    assert age_from_id("430524199112286343", ON) == 34  # birthday not yet reached this year
    assert age_from_id("330106850315123", ON) == 41  # first-generation 15-digit number
    assert age_from_id("430524199113286343", ON) is None  # month 13: not a date
    assert age_from_birth(1976, None, None, ON) == 50


def test_cleaner_keeps_the_age_and_masks_the_number(settings):
    cleaner = TextCleaner.from_settings(settings)
    text, age = cleaner.clean_with_age("身份证号是430524199107286343。", ON)
    assert age == 35 and "[身份证号]" in text and "1991" not in text
    text, age = cleaner.clean_with_age("身份证三三零幺零六幺九八五零三幺五幺二三八", ON)  # spoken digits
    assert age == 41 and "[身份证号]" in text
    text, age = cleaner.clean_with_age("我是76年生的", ON)
    assert age == 50 and "76" not in text
    assert cleaner.clean_with_age("我生日是5月3日", ON)[1] is None  # no year, no age
    assert cleaner.clean_with_age("身份证号是430524199107286343。", None)[1] is None  # no call date


def test_an_id_number_heard_with_a_digit_slipped_still_gives_its_birth_date():
    """Whisper drops or doubles a digit of a number read aloud; the date inside moves by one at most."""
    assert heard_id_birth("43052419910728634", 1) == (1991, 7, 28)  # check digit lost (17 digits)
    assert heard_id_birth("4305245199107286343", 1) == (1991, 7, 28)  # a digit doubled before the date (19)
    assert heard_id_birth("20103195801236512", 1) == (1958, 1, 23)  # the first digit lost: the date at 5
    assert heard_id_birth("3205819880315420289", 1) == (1988, 3, 15)
    assert heard_id_birth("43052419910728634", 0) is None  # slack 0: well-formed numbers only
    assert heard_id_birth("6222021234567890", 1) is None  # 16 digits: a bank card's length, no slack for it
    assert heard_id_birth("622202123456789012", 1) is None  # no date at digits 6-8: a card or an account


def test_a_heard_id_number_is_masked_as_one_and_keeps_its_age(settings):
    cleaner = TextCleaner.from_settings(settings)
    # 19 digits, Luhn-valid by chance (so it read as a bank card before): the birth date names it an ID number
    text, age = cleaner.clean_with_age("身份证号3205819880315420289，被保人是我老公。", ON)
    assert "[身份证号]" in text and "1988" not in text and age == 38
    text, age = cleaner.clean_with_age("身份证号4305245199107286343。", ON)  # 19 digits, not Luhn-valid
    assert "[身份证号]" in text and age == 35
    text, age = cleaner.clean_with_age("身份证号20103-1958-0123-6512，韩先生。", ON)  # grouped, first digit lost
    assert "[身份证号]" in text and "1958" not in text and age == 68
    text, age = cleaner.clean_with_age("卡号是6222021234567890123。", ON)  # a bank card stays one, no age
    assert "[银行卡号]" in text and age is None
    # Luhn-valid, with a date-like stretch (2020-01-12 at digit 7): after a card cue it is a card, and no age
    text, age = cleaner.clean_with_age("我的银行卡号是6222020200112345679。", ON)
    assert "[银行卡号]" in text and "6222" not in text and age is None
    text, age = cleaner.clean_with_age("身份证号32058120261205123。", ON)  # born after the call: no age
    assert "[身份证号]" in text and age is None
    assert age_from_birth(2026, 12, 5, ON) is None and heard_id_birth("43052419910231634", 1) is None  # Feb 31


def test_a_birth_year_said_as_what_the_caller_is_keeps_its_age(settings):
    """我是一九八八年的 (digits as words, as speech recognition writes them): masked, the age kept."""
    cleaner = TextCleaner.from_settings(settings)
    assert cleaner.clean_with_age("我是一九八八年的，现在买还划算吗", ON) == ("我是[出生日期]的，现在买还划算吗？", 38)
    assert cleaner.clean_with_age("我九二年的。", ON) == ("我[出生日期]的。", 34)


def test_a_year_answering_the_agents_birth_question_is_masked(settings):
    """您是哪年出生的？ 七九年的: the year has no birth word of its own; the agent's question before it makes it one. A
    year answering another question (哪年买的, 哪年生效的) stays."""
    def said(agent: str, customer: str) -> str:
        t = transcript_from_turns("X", [{"speaker": "agent", "text": agent}, {"speaker": "customer", "text": customer}],
                                  settings, on=ON)
        return t.utterances[-1].text
    assert said("请问您是哪年出生的？", "七九年的。") == "[出生日期]的。"
    assert said("您的出生日期是？", "嗯，1979年3月5号。") == "嗯，[出生日期]。"
    assert said("您是哪年生的？", "八五年。") == "[出生日期]。"
    assert said("您说一下老人家的出生年月日", "一九五零年……三月，三月八号。") == \
        "[出生日期]。.....[出生日期]，[出生日期]。"   # the month and day said after a pause are part of it
    assert said("您是哪年买的保单？", "19年的。") == "19年的。"
    assert said("您保单是哪年生效的？", "20年的。") == "20年的。"


def test_a_year_answering_the_birth_question_keeps_its_age_for_the_profile(settings):
    """The answered year is masked as a birth date and its age is kept beside the turn, as a turn's own birth date's
    is: the profiles step reads it as the caller's age (the agent asked the caller)."""
    turns = [{"speaker": "agent", "text": "您是哪年出生的？"}, {"speaker": "customer", "text": "七九年的。"},
             {"speaker": "agent", "text": "您保单是哪年生效的？"}, {"speaker": "customer", "text": "19年的。"}]
    t = transcript_from_turns("X", turns, settings, on=ON)
    assert [u.stated_age for u in t.utterances] == [None, 47, None, None]
    assert t.utterances[1].text == "[出生日期]的。"
    untimed = transcript_from_turns("X", turns[:2], settings)   # no call date: masked all the same, no age
    assert untimed.utterances[1].text == "[出生日期]的。" and untimed.utterances[1].stated_age is None


def test_an_id_number_read_in_groups_or_after_its_cue_keeps_its_age(settings):
    """Recognised speech of eval e2e's voiced calls: an ID number read in groups, a group of which reads as a
    mobile, and one that lost two digits of its area code after 身份证号."""
    cleaner = TextCleaner.from_settings(settings)
    # 17 digits in four groups; "1995，021，7625" alone is 11 digits starting 19, a mobile's shape
    text, age = cleaner.clean_with_age("先分就五零零一零三，一九九五，零二一，七六二五。", ON)
    assert text == "先分就[身份证号]。" and age == 31
    # 16 digits after the cue: the date at digit 5 (two digits early) is still found, the cue names the kind
    text, age = cleaner.clean_with_age("清水的清，身份证号3258-1988-0315-4128。", ON)
    assert "[身份证号]" in text and "1988" not in text and age == 38
    # without the cue the same run is a 16-digit number of no known kind: masked, no age
    text, age = cleaner.clean_with_age("号码是3258-1988-0315-4128。", ON)
    assert text == "号码是[银行卡号]。" and age is None
    # 号码 after the ID cue is part of it
    text, age = cleaner.clean_with_age("身份证号码3258-1988-0315-4128。", ON)
    assert text == "身份证号码[身份证号]。" and age == 38
    # a mobile, then more digits: no age made up from the digits that follow it
    assert cleaner.clean_with_age("手机13800119900，105123。", ON)[1] is None
    assert cleaner.clean_with_age("13800119900，105123。", ON)[1] is None
    # after the cue, digits too garbled for a date are still the ID number the caller was reading, and give no age
    text, age = cleaner.clean_with_age("身份证号10103158、10123、6512。", ON)
    assert text == "身份证号[身份证号]。" and age is None
    # a bank card after its cue keeps no age even when a date-like stretch sits where an ID's would
    text, age = cleaner.clean_with_age("卡号6222021990031512345。", ON)
    assert "[银行卡号]" in text and age is None


def _call(call_id: str, turns: list[tuple[str, str]]) -> dict:
    return {"call_id": call_id, "started_at": "2026-11-20T10:00:00+08:00", "caller_number": "13800000000",
            "turns": [{"speaker": s, "text": t} for s, t in turns]}


def test_profiles_read_the_callers_age_from_a_masked_id_number(settings):
    """Before utterances.stated_age, a masked ID number gave the profile no age at all."""
    calls = [
        _call("own", [("agent", "请问被保险人的姓名和身份证号码？"),
                      ("customer", "我叫蒋芳，身份证号是430524199107286343。")]),
        _call("father", [("agent", "麻烦您提供一下您父亲的身份证号码，我先调一下保单。"),
                         ("customer", "431102194809170039。我下午还得去医院陪床。")]),
        _call("son", [("customer", "我儿子的身份证号是110101201503070011，能给他买吗？")]),
    ]
    con = connect(settings.path("warehouse"))
    try:
        nights = land_dialogues(con, calls, settings, run_id="t", source="transcript")
        stored = con.execute("SELECT call_id, stated_age, text FROM utterances WHERE stated_age IS NOT NULL "
                             "ORDER BY call_id").fetchall()
        assert [(c, a) for c, a, _ in stored] == [("father", 78), ("own", 35), ("son", 11)]
        assert all("[身份证号]" in t and "19" not in t for _, _, t in stored)  # only the age is kept
        run_step(BY_NAME["profiles"], con, nights, settings)
        ages = dict(con.execute("SELECT call_id, value FROM profile_facts WHERE field = 'age'").fetchall())
        assert ages == {"own": "35"}  # the father's and the son's numbers are theirs, not the caller's
    finally:
        con.close()


def test_a_call_time_without_its_offset_is_read_on_the_centres_clock(settings, monkeypatch):
    """A dialogue's started_at written without a UTC offset is the centre's local time ([night] timezone), not the
    machine's: the same call lands on the same night on a machine set to another zone."""
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        call = _call("late", [("customer", "我想问一下保单的事。")]) | {"started_at": "2026-11-20T23:30:00"}
        con = connect(settings.path("warehouse"))
        try:
            assert land_dialogues(con, [call], settings, run_id="t", source="transcript") == [date(2026, 11, 20)]
            started = con.execute("SELECT started_at FROM calls").fetchone()[0]
            assert started == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
        finally:
            con.close()
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()

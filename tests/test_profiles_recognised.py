"""Profile facts from recognised speech (issue 23): a city heard in other characters, an agent's cue word heard
by its sound, an address word misheard before 您好, a bare age answer run on without punctuation. Sentences are
written here in the way Whisper mishears, generic, never copied from the development sets."""

from __future__ import annotations

from callintel.nlp.places import places_by_sound
from callintel.nlp.profiles import cut, extract, in_dictionary
from callintel.nlp.profiles import lexicon_from_settings as profile_lexicon
from callintel.settings import load_settings

LEX = profile_lexicon(load_settings())


def facts(*turns: tuple[str, str]) -> dict[str, str]:
    return {f.field: f.value for f in extract(list(turns), LEX) if f.field != "existing_policies"}


def policies(*turns: tuple[str, str]) -> set[str]:
    """The policies the caller says they hold (existing_policies)."""
    return {f.value for f in extract(list(turns), LEX) if f.field == "existing_policies"}


def on_file(*turns: tuple[str, str]) -> set[str]:
    """The policies the agent read from the caller's record (policies_on_file)."""
    return {f.value for f in extract(list(turns), LEX) if f.field == "policies_on_file"}


def test_a_city_heard_in_other_characters_is_found_by_its_whole_sound():
    assert [(s, c) for _, s, c in places_by_sound("我人在航舟这边上班", 2, cut, in_dictionary)] == [("航舟", "杭州")]
    assert facts(("customer", "我住在航舟，平时上班忙。"))["city"] == "杭州"
    assert facts(("customer", "社保我自己交，航舟这边能交。"))["city"] == "杭州"


def test_the_word_before_a_city_heard_in_other_characters():
    # 俺们 heard 暗门, 住 heard 助, 在 heard 再: the word right before a gazetteer city still says it is the caller's
    assert facts(("customer", "我心脏不好，在暗门苏州的医院住的。"))["city"] == "苏州"
    assert facts(("customer", "我就助兰州那边，离得远。"))["city"] == "兰州"
    assert facts(("customer", "我再成都上班。"))["city"] == "成都"
    # a city after a word that sounds like none of them stays a city named in passing
    assert "city" not in facts(("customer", "听说成都的分公司也能办。"))


def test_a_long_marital_phrase_heard_in_other_characters():
    # 那口子 heard 拿口子 (three syllables and more match by their sound; two-syllable ones only as written)
    assert facts(("customer", "行，我回去跟我加拿口子商量商量。"))["marital_status"] == "已婚"
    assert "marital_status" not in facts(("customer", "这个量我估计不够，再说吧。"))


def test_a_word_that_sounds_like_a_city_is_not_one():
    # 伤害 (shang hai) and 背景 (bei jing) are words: meant as said; 康保险 sounds as a county (康保县) too
    assert places_by_sound("这个对身体有伤害，背景也复杂，康保险也买了", 2, cut, in_dictionary) == []
    assert "city" not in facts(("customer", "我是伤害险的受益人。"))
    # a city written right is the gazetteer's, never read twice by its sound
    assert facts(("customer", "我在杭州上班。"))["city"] == "杭州"


def test_the_agents_words_of_holding_a_policy_heard_by_their_sound():
    # 您名下有 heard 民下有 / 明下有 (front and back nasal merged): the caller's policy, read by the agent
    assert on_file(("agent", "好的先生，核对上了，民下有一份年金保险，每年十月给付。")) == {"年金险"}
    assert on_file(("agent", "查到了，文明明下有一份老年医疗保险，住院可以报。")) == {"医疗险"}
    # a person named right before it holds it: the caller's father's policy is not the caller's
    assert on_file(("agent", "查到了，[姓名]先生名下有一份终身寿险，受益人是法定。")) == set()
    # nor does an organisation or a policy role named there
    assert on_file(("agent", "查到了，公司名下有一份团体医疗保险，员工都能用。")) == set()
    assert on_file(("agent", "这份保单的投保人名下有一份年金保险。")) == set()
    # only the whole cue's sound: 明天下午 is not 名下有
    assert on_file(("agent", "明天下午带上材料，来办医疗保险的理赔。")) == set()


def test_an_address_word_misheard_right_before_the_greeting():
    assert facts(("agent", "就为你是您好，您说的是哪份保单？")).get("gender") == "女"  # 这位女士您好
    assert "gender" not in facts(("agent", "这边大家您好，我们开始吧。"))  # 大家 is a word: meant as said


def test_a_bare_age_answer_run_on_without_punctuation():
    got = facts(("agent", "方便问一下您今年多大年纪？"), ("customer", "29 社保我自己交着呢。"))
    assert got["age"] == "29"

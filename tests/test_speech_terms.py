"""Insurance terms restored by sound (speech/terms.py), with the production term lists."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from callintel.pinyin import fuzz, same_tones, syllables
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.term_fit import Confusions, WordModel
from callintel.speech.terms import TermCorrector, TermSettings, names_a_procedure, read_terms


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


@pytest.mark.parametrize(("heard", "meant"), [
    ("我这个月的细期保费扣了没有", "我这个月的续期保费扣了没有"),   # xu/xi, as Whisper wrote a voiced dev call
    ("银行卡那个自动口了两次", "银行卡那个自动扣了两次"),          # 自动扣: a taxonomy phrase, in no term list
])
def test_analytics_words_come_back_by_sound(corrector, heard, meant):
    assert corrector.correct(heard)[0] == meant


def test_a_whole_syllable_pair_merges_that_syllable_only():
    assert [fuzz(x, (("xu", "xi"),)) for x in ("xu", "xun", "xi", "qu")] == ["xi", "xun", "xi", "qu"]


def test_a_term_that_sounds_like_another_is_kept(corrector):
    # 能报吗 and 能保吗 are both the analytics' words: what was said stays
    assert corrector.correct("在老家的医院能报吗")[1] == []


def test_the_analytics_vocabulary_rewrites_no_true_text(shared_data):
    """On both development sets' true turns the analytics' words change nothing the term lists do not (they
    keep some the lists would make: 年交保费 stays, 交保费 is an analytics word as written)."""
    plain = TermCorrector.from_settings(load_settings().with_overrides(
        {"speech": {"terms": {"analytics_vocabulary": False}}}))
    full = TermCorrector.from_settings(load_settings())
    assert len(full.terms) > len(plain.terms) + 100
    for name in ("calls", "calls_health"):
        turns = [t["text"] for c in json.loads((shared_data / name / "dialogues.json").read_text(encoding="utf-8"))
                 ["calls"] for t in c["turns"]]
        extra = [(t, c) for t in turns for c in full.correct(t)[1] if c not in plain.correct(t)[1]]
        assert extra == [] and sum(len(full.correct(t)[1]) for t in turns) > 0, name


@pytest.mark.parametrize(("heard", "meant"), [
    ("我是做快剂的", "我是做会计的"),              # an occupation of the profile lexicon (jieba tags 会计 a verb)
    ("帮您看看卡里的鱼鹅", "帮您看看卡里的余额"),    # a two-character taxonomy word, content characters only
])
def test_two_character_analytics_words_come_back(corrector, heard, meant):
    assert corrector.correct(heard)[0] == meant


@pytest.mark.parametrize("text", [
    "我现在就是急着用钱",   # 急着 sounds like 记者: 着 is one of jieba's most common characters
    "他老是忘记交钱",       # 老是 sounds like 老师
    "卡是昨天办的",         # 卡是 sounds like the city 喀什: two-character cities are not matched
    "我叫钱秀英，秀气的秀",  # 叫钱 sounds like 交钱, but 我叫 is a name cue the masking reads
])
def test_everyday_phrases_and_name_cues_are_kept(corrector, text):
    assert corrector.correct(text) == (text, [])


@pytest.mark.slow  # reads 34,000 written texts
def test_correct_text_is_seldom_rewritten(shared_data):
    """Helpdesk, bank and insurance questions as people typed them need no repair: the analytics' words add at
    one rewrite in 400 texts at most to what the term lists make (56 of 28,323 when written; several fix typos:
    业面 -> 页面, 障号 -> 账号; most others are the three-character cities: 视盒子 -> 石河子)."""
    texts = [u for line in (shared_data / "stc3" / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()
             for t in json.loads(line)["turns"] for u in t["utterances"]]
    texts += [json.loads(line)["question"] for line in
              (shared_data / "insuranceqa_zh" / "questions.jsonl").read_text(encoding="utf-8").splitlines()]
    plain = TermCorrector.from_settings(load_settings().with_overrides(
        {"speech": {"terms": {"analytics_vocabulary": False}}}))
    full = TermCorrector.from_settings(load_settings())
    extra = sum(len(full.correct(t)[1]) - len(plain.correct(t)[1]) for t in texts)
    assert len(texts) > 20000 and extra <= len(texts) / 400, extra


@pytest.mark.parametrize(("a", "b", "near"), [
    ("qi", "qing", True),     # a nasal coda added: 宽限期 heard as 宽陷清
    ("xu", "qu", True),       # x/q: 续不上 heard as 去不上
    ("quan", "qian", True),   # a medial: 全额 heard as 钱额
    ("zhi", "zi", True),      # retroflex
    ("qi", "qu", False),      # another vowel
    ("ren", "yuan", False),   # initial and final both off
])
def test_confusions_say_which_syllables_sound_alike(a, b, near):
    assert Confusions.from_pairs(list(TERMS.near_initials), list(TERMS.near_finals), TERMS.near_nasal_coda).near(
        a, b) is near


@pytest.mark.parametrize(("heard", "meant"), [
    ("过了宽陷清保单就失效了", "过了宽限期保单就失效了"),    # one syllable off (qing/qi), no word covers 陷清
    ("退了只能拿回一部分限金价值", "退了只能拿回一部分现金价值"),  # same sound; 部分 cut, the words read better with it
    ("我想问问那个年轻鲜能不能贷款", "我想问问那个年金险能不能贷款"),  # two near syllables: fuzzy in/ing, then j/q
    ("这个月的去期保费扣了没有", "这个月的续期保费扣了没有"),  # qu/xu near, though the fuzzy pair makes xu xi
])
def test_long_terms_come_back_one_syllable_off(corrector, heard, meant):
    assert corrector.correct(heard)[0] == meant


@pytest.mark.parametrize("text", [
    "长期保险的保费比较高",     # 长期 is one syllable off 残疾, and a word: nothing to repair
    "我还有多少欠款没还",       # 多少欠 sounds like 多少钱, and 欠款 is a word
    "请您耐心等待几天",         # 等待几 is one syllable off 等待期
    "振兴的振，中华的华",       # 兴的振 is near 景德镇: the gazetteer's names are matched by exact sound only
])
def test_long_terms_leave_words_alone(corrector, text):
    assert corrector.correct(text) == (text, [])


def test_procedure_names_come_back_by_their_exact_sound(corrector):
    """Taxonomy phrases made of content words (生存认证 = 生存 + 认证, both tagged verbs) are terms too, matched by
    their exact sound only; cue fragments with a function word are not terms at all (eval e2e's voiced calls)."""
    assert names_a_procedure("生存认证", 4) and names_a_procedure("健康告知", 4)
    assert not names_a_procedure("怎么样了", 4) and not names_a_procedure("能不能买", 4)
    assert not names_a_procedure("生存认证", 0) and not names_a_procedure("理赔", 4)
    assert corrector.correct("之前把声存认证做了")[0] == "之前把生存认证做了"
    assert corrector.correct("需要完成一次生存任正")[0] == "需要完成一次生存认证"
    assert corrector.correct("改签请联系航司") == ("改签请联系航司", [])  # one syllable off 联系方式: left alone


@pytest.mark.parametrize(("heard", "meant"), [
    ("产品停受了就续不了了", "产品停售了就续不了了"),   # as eval e2e's voiced calls came back (tones the same)
    ("保单会不会就坐废了", "保单会不会就作废了"),
    ("一部分是用在宝障和各项成本上", "一部分是用在保障和各项成本上"),
])
def test_short_procedure_words_come_back_by_sound_and_tone(corrector, heard, meant):
    assert corrector.correct(heard)[0] == meant


@pytest.mark.parametrize("text", [
    "宽带坏了我要报障",        # 报障 (bao4) shares 保障's toneless syllables, not its tones (bao3)
    "他这种情况会被拒保吗",    # 拒保 (ju4 bao3) is not 举报 (ju3 bao4)
])
def test_short_procedure_words_need_their_tones(corrector, text):
    assert same_tones("宝障", "保障") and not same_tones("报障", "保障") and same_tones("不了", "不了")
    assert not same_tones("医吗", "义马")  # 吗 read in context is ma5, though 义马's 马 is one of its rare readings
    assert corrector.correct(text) == (text, [])


def test_a_term_as_written_is_not_cut_by_another(corrector):
    # 年交 sounds like 年缴, but 交保费 is a term as written: repairing the one would break the other
    assert corrector.correct("我每年交保费五千")[1] == [] and "交保费" in corrector.correct("年交保费一万")[0]


def test_the_word_model_reads_segmentations():
    model = WordModel({"宽限期": 7, "宽": 100, "清": 100, "陷": 10}, 10_000, {})
    assert model.segment("宽限期")[1] == ["宽限期"] and model.prefers("宽陷清", 0, 3, "宽限期", 0.0, frozenset())
    assert not model.prefers("宽陷清", 0, 3, "宽限期", 0.0, frozenset("宽陷清"))  # no character left alone


def test_a_long_turn_is_repaired_as_its_sentences_are(corrector):
    """A whole side of a call in one turn (an imported transcript): each repair is judged on its neighbourhood, so
    the turn reads as its sentences do one by one (and its cost grows with its length, bench_long_turns.py)."""
    sentences = ["之前把声存认证做了", "这个月的去期保费扣了没有", "长期保险的保费比较高", "我每年交保费五千"] * 150
    whole = corrector.correct("".join(sentences))[0]
    assert whole == "".join(corrector.correct(s)[0] for s in sentences)
    assert whole.count("生存认证") == 150 and whole.count("续期保费") == 150

"""Known topics, follow-ups and names: the pure stages of nlp/taxonomy.py, nlp/call_topics.py, nlp/labels.py."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from callintel.nlp.call_topics import STATEMENT, general_to_main, inherit, main_topic, refine_families
from callintel.nlp.labels import UNNAMED, is_topic_name, topic_name
from callintel.nlp.taxonomy import (
    EXAMPLE,
    FOLLOW_UP,
    PHRASE,
    KnownTopic,
    MatchOptions,
    Taxonomy,
    best_phrase,
    is_follow_up,
    match_questions,
)
from callintel.nlp.tokenize import tokenizer_from_settings
from callintel.settings import CONFIG_DIR, load_settings


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.load(CONFIG_DIR / "topic_taxonomy.toml")


@pytest.mark.parametrize(("text", "slug"), [
    ("我的理赔到哪一步了", "claim_status"),
    ("住院了要准备什么材料才能申请理赔", "claim_materials"),
    ("卡里明明有钱，为什么扣款扣不了", "premium_payment"),
    ("保单里能不能借点钱出来", "policy_loan"),
    ("我上周买的保险不想要了，犹豫期能全额退吗", "surrender"),
    ("我想把保单的受益人改成我女儿", "info_change"),
    ("保单失效了还能恢复吗", "renewal_lapse"),
    ("生存金这个月发了没有", "payout"),
    ("APP登不上去，验证码收不到", "online_service"),
    ("我要投诉你们的业务员", "complaint"),
])
def test_key_phrases_name_the_topic(taxonomy, text, slug):
    assert best_phrase(text, taxonomy, 3.0)[0] == slug


MATCH = MatchOptions.from_settings(load_settings()["topics"]["taxonomy_match"])

def test_a_specific_sibling_beats_the_general_topic(taxonomy):
    """"想买 + 医疗险" is a purchase of health cover, not just a purchase; without a product it stays general."""
    assert best_phrase("我想买个医疗险，一年多少钱", taxonomy, 3.0)[0] == "purchase_medical"
    assert best_phrase("我有高血压，还能买吗", taxonomy, 3.0)[0] == "purchase"


def test_the_taxonomy_names_no_company(taxonomy):
    """Configuration generic to any insurer: no 人寿/保险公司 brand in names, phrases or examples."""
    words = [w for t in taxonomy.topics for w in (t.name, *t.strong, *t.phrases, *t.examples)]
    assert not [w for w in words if "人寿" in w or "福泰" in w or "安和" in w]


def test_follow_ups_are_marked_not_matched(taxonomy):
    assert is_follow_up("那要等多久", taxonomy)
    assert is_follow_up("打到哪张卡上了", taxonomy)
    assert not is_follow_up("我今年体检查出来甲状腺结节三级的情况下还可以参加吗", taxonomy)
    X = np.zeros((3, 4), dtype=np.float32)
    got = match_questions(["我想问一下理赔到哪一步了", "那要等多久", "我上个月在外地出差时候发生的情况怎么处理比较好"],
                          X, taxonomy, np.zeros((0, 4), dtype=np.float32), [], MATCH)
    assert got[0][:2] == ("claim_status", PHRASE)
    assert got[1][:2] == (None, FOLLOW_UP)
    assert got[2] == (None, None, 0.0)  # left to clustering


@pytest.mark.parametrize("question, slug", [
    ("解约能拿回多少钱", "surrender"),                       # 解约: terminating the contract
    ("你们那个业务员就会忽悠人", "complaint"),
    ("理赔款怎么没扣免赔额", "claim_status"),               # 没扣 of a deductible, not of the premium
    ("这个月的钱怎么没扣", "premium_payment"),
    ("断交了还能接上吗", "renewal_lapse"),
    ("满期了钱怎么拿", "payout"),
])
def test_everyday_synonyms_of_the_taxonomys_terms(taxonomy, question, slug):
    """Wordings written for the purpose (no development call says them): the generic taxonomy knows the common
    synonyms of its terms."""
    got = match_questions([question], np.zeros((1, 4), dtype=np.float32), taxonomy, np.zeros((0, 4), dtype=np.float32),
                          [], MATCH)
    assert got[0][:2] == (slug, PHRASE)


def test_a_filler_pointer_word_does_not_hide_a_question_that_reads_like_an_example(taxonomy):
    """那个/这个 inside a sentence are fillers in speech as often as pointers back: a question long enough to say its
    topic that lies within example_threshold of an example takes that example's topic; a short one still inherits,
    and a long one near no example is a follow-up by its form."""
    E = np.eye(4, dtype=np.float32)[:1]                 # one example, of premium_payment
    near = np.asarray([1.0, 0.1, 0.0, 0.0], dtype=np.float32)
    near /= np.linalg.norm(near)                        # cosine 0.995 to it
    far = np.asarray([0.0, 1.0, 0.0, 0.0], dtype=np.float32)
    # cores as the questions step leaves them (leading fillers such as 那/那个 already stripped): 那个 inside
    cores = ["俺那个保险这个月的钱咋没划走呢", "这个呢", "我上回说的那个事儿后来又想了想怎么弄才好"]
    got = match_questions(cores, np.stack([near, near, far]), taxonomy, E, ["premium_payment"], MATCH)
    assert got[0][:2] == ("premium_payment", EXAMPLE)
    assert got[1][:2] == (None, FOLLOW_UP)            # too short to say a topic, however near
    assert got[2][:2] == (None, FOLLOW_UP)            # 那个 and no example near: it leans on what came before


def test_follow_ups_inherit_what_they_follow():
    topics = ["claim", None, "pay", None, None]
    methods = [PHRASE, FOLLOW_UP, PHRASE, FOLLOW_UP, None]
    assert inherit(topics, methods) == ["claim", "claim", "pay", "pay", None]
    # a follow-up said in the same turn as a topical sentence takes that one, even when it comes first
    assert inherit(["claim", None, "pay"], [PHRASE, FOLLOW_UP, PHRASE], turns=[1, 5, 5]) == ["claim", "pay", "pay"]
    # nothing before: the first topical question after it
    assert inherit([None, "pay"], [FOLLOW_UP, PHRASE]) == ["pay", "pay"]


def test_family_general_takes_the_specific_sibling_of_the_call():
    family = {"buy": "buy", "buy_med": "buy", "claim": "claim"}
    general = {"buy": "buy"}
    assert refine_families(["buy_med", "buy", "claim"], family, general) == ["buy_med", "buy_med", "claim"]
    assert refine_families(["buy", "claim"], family, general) == ["buy", "claim"]
    # a product only named weakly (俺单位给上了个重疾: one plain key phrase) is no purchase of it
    assert refine_families(["buy", "buy_med"], family, general, weak=[1]) == ["buy", "buy_med"]


def test_family_general_questions_take_the_calls_specific_topic():
    """A call about buying medical cover (its main topic, from what the caller said) files its general buying
    questions there; a call whose main topic is the general one, or another family's, leaves them."""
    family = {"buy": "buy", "buy_med": "buy", "claim": "claim"}
    assert general_to_main(["buy", "claim", None, "buy"], "buy_med", family, {"buy"}) == [0, 3]
    assert general_to_main(["buy", "claim"], "buy", family, {"buy"}) == []
    assert general_to_main(["buy", "claim"], "claim", family, {"buy"}) == []
    assert general_to_main(["buy"], None, family, {"buy"}) == []


def test_the_first_topic_of_the_call_leads_and_nothing_topical_is_other():
    opts = replace(MATCH, first_question_weight=2.0, customer_text_weight=0.5, statement_weight=1.0)
    ct = main_topic(["surrender", None, "loan"], [PHRASE, FOLLOW_UP, PHRASE], {}, opts)
    assert (ct.topic, ct.method, ct.evidence) == ("surrender", "questions", 0)
    ct = main_topic(["claim", "complaint"], [STATEMENT, PHRASE], {"claim": 3.0, "complaint": 3.0}, opts)
    assert ct.topic == "claim"
    assert main_topic([None], [None], {}, opts).method == "other"
    assert main_topic([], [], {"pay": 2.0}, opts).topic == "pay"
    # a tie at the top vote goes to the topic the call's words are nearer to, else to the one said first
    meaning = {"claim": 0.69, "complaint": 0.73}
    assert main_topic(["claim", "complaint"], [STATEMENT, PHRASE], {}, replace(opts, first_question_weight=1.0),
                      meaning=lambda tied: meaning).topic == "complaint"
    assert main_topic(["claim", "complaint"], [STATEMENT, PHRASE], {}, replace(opts, first_question_weight=1.0),
                      ).topic == "claim"


def test_the_agents_words_weigh_between_the_callers_topics_and_name_none_of_their_own():
    """A caller asks about a renewal first and a payment after (the first question leads); the agent's answers speak
    of the payment throughout, and that decides between the two. An agent's words about a topic the caller never
    named (another product offered) move nothing, and a call with nothing topical from the caller stays other."""
    opts = replace(MATCH, first_question_weight=1.5, customer_text_weight=0.5, agent_text_share=0.35)
    asked = (["renewal", "pay"], [PHRASE, PHRASE], {"renewal": 1.0, "pay": 1.0})
    assert main_topic(*asked, opts).topic == "renewal"
    ct = main_topic(*asked, opts, agent_scores={"pay": 4.0})
    assert (ct.topic, ct.method) == ("pay", "questions")
    assert main_topic(*asked, opts, agent_scores={"buy_ci": 9.0}).topic == "renewal"
    assert main_topic(*asked, replace(opts, agent_text_share=0.0), agent_scores={"pay": 4.0}).topic == "renewal"
    assert main_topic([None], [None], {}, opts, agent_scores={"pay": 9.0}).method == "other"


@pytest.fixture(scope="module")
def tok():
    return tokenizer_from_settings(load_settings())


def test_discovered_names_are_key_phrases_in_spoken_order(tok):
    kw = [("失败", 0.4), ("扣款", 0.3), ("的", 0.2), ("卡", 0.1)]
    assert topic_name(kw, "我的保费扣款失败了怎么办", tok.flag, tok.terms) == "扣款"  # 失败 is no noun
    kw = [("利息", 0.4), ("保单贷款", 0.3)]
    assert topic_name(kw, "保单贷款的利息怎么算", tok.flag, tok.terms) == "保单贷款利息"


def test_keywords_said_apart_are_no_name(tok):
    """Two keywords join only where the representative says them as one phrase (nothing, 的 or 和 between them);
    said apart, two nouns make no phrase (退保光线) and the better one names the topic alone."""
    kw = [("退保", 0.5), ("光线", 0.4)]
    assert topic_name(kw, "我想退保，家里光线不好看不清合同", tok.flag, tok.terms) == "退保"
    kw = [("材料", 0.5), ("理赔", 0.4)]
    assert topic_name(kw, "理赔材料要准备哪些", tok.flag, tok.terms) == "理赔材料"
    kw = [("发票", 0.5), ("申诉书", 0.4)]
    assert topic_name(kw, "把申诉书和发票寄过去", tok.flag, tok.terms) == "申诉书发票"
    # said as one phrase by another member only, or after the words were said apart
    kw = [("材料", 0.5), ("理赔", 0.4)]
    assert topic_name(kw, "怎么交", tok.flag, tok.terms, said=["理赔材料怎么交"]) == "理赔材料"
    assert topic_name(kw, "材料要哪些，理赔材料怎么交", tok.flag, tok.terms) == "理赔材料"


def test_discovered_names_are_never_plates_names_times_or_fragments(tok):
    """The naming rule: jieba says what a word is; digits, Latin letters and masks never name a topic."""
    kw = [("A5M27X", 0.9), ("晚上", 0.8), ("陈昊", 0.7), ("不能", 0.6), ("一条", 0.5), ("[手机号]", 0.4),
          ("申诉书", 0.3), ("发票", 0.2)]
    name = topic_name(kw, "晚上陈昊说不能把申诉书和发票寄过去", tok.flag, tok.terms)
    assert name == "申诉书发票"
    assert is_topic_name(name, tok.flag, tok.words, tok.terms)
    for bad in ("鄂A5M27X", "晚上", "陈昊", "三五一八", "不能单子", "理赔进度查询的问题有哪些呢", "x"):
        assert not is_topic_name(bad, tok.flag, tok.words, tok.terms), bad
    # before: the start of the representative sentence; now an explicit "unnamed" for an analyst to name
    assert topic_name([("的", 0.5), ("这个", 0.4)], "这个怎么弄啊一直不行的说", tok.flag, tok.terms) == UNNAMED


def test_a_family_can_be_tracked_as_one_topic(taxonomy):
    merged = taxonomy.merged(["purchase"])
    slugs = [t.slug for t in merged.topics]
    assert "purchase" in slugs and "purchase_medical" not in slugs
    assert best_phrase("我想买个医疗险，一年多少钱", merged, 3.0)[0] == "purchase"
    assert best_phrase("我的理赔到哪一步了", merged, 3.0)[0] == "claim_status"


def test_a_tie_of_key_phrases_is_decided_by_meaning():
    """Two topics fire one plain phrase each: the tied topic whose prototypes (the night's questions that one topic
    won alone, and the examples) are nearest in meaning wins, not the phrase said first."""
    from callintel.nlp.embed import embedder_from_settings

    tax = Taxonomy((KnownTopic("progress", "理赔进度", ("到哪一步",), ("审核",), ("我的理赔到哪一步了",)),
                    KnownTopic("surrender", "退保", ("退保",), ("保单",), ("我想把保险退了",))),
                   "other", "其他", ("那",), (), 4)
    cores = ["赔款审核到哪一步了", "帮我查查理赔到哪一步了", "我要退保能退多少钱",
             "保单的赔款审核了这么久还没打过来"]  # the last: 保单 (surrender) said first, 审核 (progress) after
    emb = embedder_from_settings(load_settings())
    X, E = emb.encode(cores), emb.encode([e for t in tax.topics for e in t.examples])
    assert best_phrase(cores[-1], tax, 3.0)[0] == "surrender"   # without vectors: said first
    got = match_questions(cores, X, tax, E, [t.slug for t in tax.topics], MATCH)
    assert [g[:2] for g in got] == [("progress", PHRASE), ("progress", PHRASE), ("surrender", PHRASE),
                                    ("progress", PHRASE)]


def test_a_question_left_without_topic_takes_its_calls_main_topic():
    """Its own words and the clustering found nothing (a roundabout question of the call's matter): the call's main
    topic, decided by its questions, fills it (method call); with call_fills_left off it stays without topic."""
    from datetime import date

    from callintel.nlp.call_topics import CALL, CallQuestion, CallTopicInputs
    from callintel.nlp.call_topics import compute as call_compute

    night = date(2026, 12, 1)
    qs = [CallQuestion("c1", "q1", 1, "own", "我的理赔到哪一步了", 7, PHRASE),
          CallQuestion("c1", "q2", 3, "own", "能不能我把那些单子直接给你们送过去", None, None)]
    inputs = CallTopicInputs(night, qs, {"c1": [(1, "我的理赔到哪一步了"), (3, "能不能我把那些单子直接给你们送过去")]},
                             {"claim_status": 7, "other": 99}, {})
    got = call_compute(inputs, load_settings())
    assert ("q2", 7, 0.0, CALL, night) in got.assignments and got.unclustered == 0
    off = load_settings(overrides={"topics": {"taxonomy_match": {"call_fills_left": False}}})
    got = call_compute(inputs, off)
    assert not [a for a in got.assignments if a[0] == "q2"] and got.unclustered == 1


def test_a_tied_call_vote_is_decided_by_what_the_call_is_about():
    """Two topics at the same vote (a renewal word said about the caller's health, 恢复得还行, and a question about
    claim materials): the call's customer words, embedded, are nearer the claim-materials examples, as a question's
    tie is decided; the call's vector goes to the step's cache."""
    from datetime import date

    from callintel.nlp.call_topics import CallQuestion, CallTopicInputs, tied_topics
    from callintel.nlp.call_topics import compute as call_compute

    assert tied_topics({"a": 2.0, "b": 2.0, "c": 1.0}) == ["a", "b"] and tied_topics({"a": 2.0, "b": 1.0}) == []
    night = date(2026, 12, 1)
    turns = [(1, "恢复得还行，就是走路还有点不得劲儿"),
             (3, "那理赔都要啥材料？发票俺出院那会儿医保报了一部分，原件医院留了，给了个结算单，那个好使不？")]
    qs = [CallQuestion("c1", "q1", 3, "own", "那理赔都要啥材料", 7, PHRASE, 1.0)]
    settings = load_settings().with_overrides({"topics": {"taxonomy_match": {
        "first_question_weight": 1.0, "statement_weight": 1.0, "customer_text_weight": 0.0}}})
    ids = {"claim_materials": 7, "renewal_lapse": 9, "other": 99}
    got = call_compute(CallTopicInputs(night, qs, {"c1": turns}, ids, {}), settings)
    assert got.calls[0].topic_id == 7, got.calls
    assert got.new_vectors  # the call's words and the examples were embedded for the tie
    # a topic of the night's own (no examples to weigh it by) tied with a listed one: the one said first wins
    qs = [CallQuestion("c2", "q2", 1, "own", "那个绿通能约专家吗", 101, "discovered"),
          CallQuestion("c2", "q3", 3, "own", "那理赔都要啥材料", 7, PHRASE, 1.0)]
    turns = [(1, "那个绿通能约专家吗"), (3, "那理赔都要啥材料")]
    got = call_compute(CallTopicInputs(night, qs, {"c2": turns}, ids, {}), settings)
    assert got.calls[0].topic_id == 101, got.calls


def test_a_weak_match_to_another_topic_takes_its_calls_main_topic():
    """A call about buying health cover: 能报吗 (one plain key phrase of claim materials) asks what the cover pays and
    takes the call's topic (method call_weak), as does a follow-up inheriting it; 我要投诉 (strong) keeps its own,
    and so does its follow-up."""
    from datetime import date

    from callintel.nlp.call_topics import CALL_WEAK, CallQuestion, CallTopicInputs
    from callintel.nlp.call_topics import compute as call_compute

    night = date(2026, 12, 1)
    texts = ["我想买个医疗险，一年多少钱", "像那种靶向药，医院没有，要去外面药房买的，能报吗", "那质子重离子呢",
             "我想买个医疗险，你们这个住院能报销吗", "我要投诉你们的业务员", "那要多久给我答复"]
    # similarity: the key phrases' weight the taxonomy match stored (3.0 = one strong phrase)
    qs = [CallQuestion("c1", "q1", 1, "own", texts[0], 5, PHRASE, 7.0),
          CallQuestion("c1", "q2", 3, "own", texts[1], 8, PHRASE, 1.0),
          CallQuestion("c1", "q3", 5, "follow_up", texts[2], None, FOLLOW_UP),
          CallQuestion("c1", "q4", 7, "own", texts[3], 5, PHRASE, 5.0),
          CallQuestion("c1", "q5", 9, "own", texts[4], 9, PHRASE, 6.0),
          CallQuestion("c1", "q6", 11, "follow_up", texts[5], None, FOLLOW_UP)]
    inputs = CallTopicInputs(night, qs, {"c1": [(2 * i + 1, t) for i, t in enumerate(texts)]},
                             {"purchase_medical": 5, "claim_materials": 8, "complaint": 9, "other": 99}, {})
    got = call_compute(inputs, load_settings())
    assert got.calls[0].topic_id == 5
    final = {a[0]: (a[1], a[3]) for a in got.assignments}
    assert final["q2"] == (5, CALL_WEAK) and final["q3"] == (5, CALL_WEAK)
    assert "q5" not in final and "q1" not in final
    assert final["q6"] == (9, "context")               # follows the strong complaint: keeps what it inherits
    off = load_settings(overrides={"topics": {"taxonomy_match": {"call_overrides_weak": False}}})
    final = {a[0]: (a[1], a[3]) for a in call_compute(inputs, off).assignments}
    assert "q2" not in final and final["q3"] == (8, "context")


def test_a_second_matter_does_not_outvote_why_the_caller_called():
    """A caller asks about a lapsed renewal, then opens a second matter (哦对了，还有个事) and asks twice, in strong
    words, about buying cover: the call is about the renewal (what came before the marker votes, its words too); the
    questions after the marker keep their own topic. Without a marker, or with second_matter = [], the later
    questions outvote it as before; a marker before anything voted cuts nothing."""
    from datetime import date

    from callintel.nlp.call_topics import CallQuestion, CallTopicInputs, second_matter_at, second_matter_pattern
    from callintel.nlp.call_topics import compute as call_compute

    night = date(2026, 12, 1)
    texts = ["我的保单过期了好几天，还能续上吗", "哦对了，还有个事，我想给我妈买个医疗险，有没有", "医疗险一年多少钱"]
    qs = [CallQuestion("c1", "q1", 1, "own", texts[0], 4, PHRASE, 1.0),
          CallQuestion("c1", "q2", 3, "own", "我想给我妈买个医疗险，有没有", 5, PHRASE, 6.0),
          CallQuestion("c1", "q3", 5, "own", texts[2], 5, PHRASE, 6.0)]
    ids = {"renewal_lapse": 4, "purchase_medical": 5, "other": 99}
    settings = load_settings()
    got = call_compute(CallTopicInputs(night, qs, {"c1": [(1, texts[0]), (3, texts[1]), (5, texts[2])]}, ids, {}),
                       settings)
    assert got.calls[0].topic_id == 4 and got.calls[0].question_id == "q1", got.calls
    assert not [a for a in got.assignments if a[0] in ("q2", "q3")]   # their own topic stands
    plain = [(1, texts[0]), (3, "我想给我妈买个医疗险，有没有"), (5, texts[2])]
    assert call_compute(CallTopicInputs(night, qs, {"c1": plain}, ids, {}), settings).calls[0].topic_id == 5
    off = settings.with_overrides({"topics": {"taxonomy_match": {"second_matter": []}}})
    assert call_compute(CallTopicInputs(night, qs, {"c1": [(1, texts[0]), (3, texts[1]), (5, texts[2])]}, ids, {}),
                        off).calls[0].topic_id == 5
    pattern = second_matter_pattern(settings["topics"]["taxonomy_match"]["second_matter"])
    turns = [(1, "另外我想问问"), (3, "理赔到哪了"), (5, "对了，还有个事")]
    assert second_matter_at(turns, [3], pattern) == 5      # the opening 另外 comes before anything voted
    assert second_matter_at(turns, [], pattern) == float("inf")
    # 对了 inside a clause (我对了一下账单) opens nothing
    assert second_matter_at([(1, "理赔到哪了"), (3, "我对了一下账单")], [1], pattern) == float("inf")


def test_a_topic_its_own_words_find_later_wins_over_the_calls_fill(tmp_path):
    """v_question_topics: a call's fill (method call) gives way to a question_topics row (a later night's clustering);
    a follow-up's context still lies over question_topics."""
    from callintel.warehouse.db import connect

    con = connect(tmp_path / "w.duckdb")
    try:
        con.execute("""INSERT INTO call_question_topics (question_id, topic_id, similarity, method, assigned_night)
                       VALUES ('q1', 7, 0, 'call', '2026-12-01'),
                       ('q2', 7, 0, 'call', '2026-12-01'), ('q3', 7, 0, 'context', '2026-12-01')""")
        con.execute("""INSERT INTO question_topics (question_id, topic_id, similarity, method, assigned_night)
                       VALUES ('q2', 40, 0.9, 'discovered', '2026-12-02'), ('q3', 41, 0.9, 'absorbed', '2026-12-02')""")
        got = con.execute("SELECT question_id, topic_id, method FROM v_question_topics ORDER BY 1").fetchall()
    finally:
        con.close()
    assert got == [("q1", 7, "call"), ("q2", 40, "discovered"), ("q3", 7, "context")]


def test_a_question_near_what_a_topics_examples_share_takes_it_by_the_model(taxonomy):
    """The model fitted on the taxonomy's examples places a question that lies where one topic's examples point, near
    none of them within example_threshold; off, the question is left unplaced; without two topics with examples
    there is no model."""
    from callintel.nlp.taxonomy import example_model

    rng = np.random.default_rng(0)

    def unit(v):
        return (v / np.linalg.norm(v, axis=-1, keepdims=True)).astype(np.float32)

    slugs = ["surrender", *(f"topic{k}" for k in range(1, 12))]   # twelve topics, as the shipped taxonomy
    axes = np.eye(32, dtype=np.float32)
    E = unit(np.vstack([axes[k] + 0.9 * rng.normal(size=(5, 32)) for k in range(len(slugs))]))
    labels = [s for s in slugs for _ in range(5)]
    shared = unit(E[:5].mean(axis=0))                  # what surrender's examples share
    cores = ["我上回说的那件事后来又想了想现在怎么弄才最好呢"]
    X = shared[None, :]
    assert (X @ E.T).max() < MATCH.example_threshold    # no single example is near enough
    got, p = example_model(X, E, labels, MATCH.example_model_c)
    assert got[0] == "surrender" and p[0] >= MATCH.example_model_p
    out = match_questions(cores, X, taxonomy, E, labels, MATCH)
    assert out[0][:2] == ("surrender", EXAMPLE)
    off = match_questions(cores, X, taxonomy, E, labels, replace(MATCH, example_model_p=0.0))
    assert off[0][0] is None
    assert example_model(X, E[:5], labels[:5], 10.0)[0] == [None]

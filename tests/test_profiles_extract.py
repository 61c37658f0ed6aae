"""Profiles, purchase intent and call replies on hand-written sentences (pure functions, no warehouse)."""

from __future__ import annotations

from datetime import date

import pytest

from callintel.nlp.intent import intent_lexicon_from_settings, score_intent
from callintel.nlp.outcomes import Turn, lexicon_from_settings
from callintel.nlp.profiles import Fact, cn_amount, cn_number, extract, merge_facts
from callintel.nlp.profiles import lexicon_from_settings as profile_lexicon
from callintel.nlp.replies import best_call_reply, call_cues_from_settings, objection_type
from callintel.settings import load_settings

SETTINGS = load_settings()
LEX = profile_lexicon(SETTINGS)


def facts(*turns: tuple[str, str], on: date | None = None) -> dict[str, str]:
    return {f.field: f.value for f in extract(list(turns), LEX, on) if f.field != "existing_policies"}


def policies(*turns: tuple[str, str]) -> set[str]:
    """The policies the caller says they hold (existing_policies)."""
    return {f.value for f in extract(list(turns), LEX) if f.field == "existing_policies"}


def on_file(*turns: tuple[str, str]) -> set[str]:
    """The policies the agent read from the caller's record (policies_on_file)."""
    return {f.value for f in extract(list(turns), LEX) if f.field == "policies_on_file"}


def when(said: str) -> str | None:
    """The preferred contact time one customer sentence says, if any."""
    return facts(("customer", said)).get("preferred_contact_time")


def cues_of(text: str, intent_lex) -> tuple[str, ...]:
    """The intent cues (name:phrase@turn) one customer sentence fires."""
    return score_intent([("customer", text)], intent_lex, LEX).cues


def test_numbers():
    assert [cn_number(s) for s in ("三十五", "十", "七十六", "四十一", "41", "两")] == [35, 10, 76, 41, 41, 2]
    assert [cn_amount(s) for s in ("一万五", "四千", "8000", "1.5万", "八千六")] == [15000, 4000, 8000, 15000, 8600]


def test_own_words_give_age_city_job_family():
    got = facts(("agent", "好的，请问您怎么称呼？"),
                ("customer", "我姓王，今年刚满三十九岁，在长沙做护士，我老公在外地跑运输，我俩孩子都上小学了。"))
    assert got["age"] == "39" and got["city"] == "长沙" and got["occupation"] == "护士"
    assert got["marital_status"] == "已婚" and got["children"] == "2"
    assert got["gender"] == "女"  # 我老公


def test_vague_age_is_a_band_and_masked_birth_date_gives_nothing():
    assert facts(("customer", "我都六十多岁的人了，记性不好。"))["age"] == "60-69"
    assert "age" not in facts(("customer", "我是[出生日期]出生的。"), on=date(2026, 10, 1))
    assert facts(("customer", "我是1980年3月出生的。"), on=date(2026, 10, 1))["age"] == "46"


def test_someone_elses_facts_are_not_the_callers():
    got = facts(("customer", "我想给我爸买，他今年七十二了，在老家种地。"),
                ("customer", "我女儿在北京当老师。"))
    assert "age" not in got and "occupation" not in got and "city" not in got


def test_agent_confirms_gender_and_policy_but_not_a_third_party():
    turns = [("agent", "好的[姓名]先生，您名下有一份终身寿险，年交保费三千元。"), ("customer", "对，就那个。")]
    got = extract(turns, LEX)
    assert {(f.field, f.value, f.source) for f in got} >= {("gender", "男", "agent"),
                                                           ("policies_on_file", "寿险", "agent")}
    assert facts(("agent", "您先生的保单已经续上了。")).get("gender") is None  # 您先生 = her husband


def test_policies_owned_not_wanted():
    assert policies(("customer", "我去年买了个意外险，现在想再买一份重疾险。")) == {"意外险"}
    assert policies(("customer", "我想了解一下医疗险，多少钱？")) == set()


def test_a_policy_in_a_clause_without_a_subject_is_the_holder_said_before():
    """A clause with no subject of its own takes the one of the sentence before it, as every other reader does: 他…
    还有个医疗险 and 保单是我给他买的，…那个意外险 are his; the caller said last keeps it the caller's. A reflexive
    after the caller (我自己那个) is the caller holding it."""
    assert policies(("customer", "他原来在厂里买过一个意外险，还有个医疗险。")) == set()
    assert policies(("customer", "保单是我给他买的，在你们APP上买的那个意外险。")) == set()
    assert policies(("customer", "他有个寿险，我自己呢，还有个医疗险。")) == {"医疗险"}
    assert policies(("customer", "我去年买了个意外险，还有个医疗险。")) == {"意外险", "医疗险"}

    # the reflexive after the caller says nothing of holding: 我自己那个 is 我那个 (他自己那个 is still his)
    assert policies(("customer", "我自己那个意外险也是在你们这买的，还挺好用。")) == {"意外险"}
    assert policies(("customer", "他自己那个意外险也是在你们这买的。")) == set()


def test_policies_possession_and_hesitation():
    # holder + time/adverb/pronoun modifiers + 的 + product is a possession; a verb in it is not (您要买的)
    assert on_file(("agent", "您现在的团体医疗险也能报销。")) == {"医疗险"}
    assert policies(("customer", "我自己的那份意外险还在保障期。")) == {"意外险"}
    assert on_file(("agent", "您要买的医疗险一年四百。")) == set()
    # a pause while searching for the word does not cut the clause
    assert policies(("customer", "我女儿给我买过一个那啥……医疗险，说能报销。")) == {"医疗险"}


def test_income_contact_time_marital():
    got = facts(("customer", "我一个月到手七千左右，周末比较方便。"),
                ("agent", "好的，那您看什么时间方便接电话？"), ("customer", "晚上吧，白天在车间。"),
                ("customer", "我和前妻离婚好几年了。"))
    assert got["income_band"] == "5000-10000" and got["preferred_contact_time"] == "晚上"
    assert got["marital_status"] == "离异"


def test_merge_newest_wins_and_conflicts_are_kept():
    old = Fact("city", "南昌", 0.8, 3, "我在南昌上班。", "customer")
    new = Fact("city", "杭州", 0.8, 5, "我现在搬到杭州了。", "customer")
    band = Fact("age", "40-49", 0.7, 2, "四十多岁", "customer")
    exact = Fact("age", "44", 0.9, 4, "我四十四", "customer")
    merged = {m.field: m for m in merge_facts([("c1", "2026-10-01", "A", old), ("c1", "2026-10-05", "B", new),
                                               ("c1", "2026-10-01", "A", band), ("c1", "2026-10-05", "B", exact)])}
    assert merged["city"].value == "杭州" and merged["city"].conflicts[0]["call_id"] == "A"
    assert merged["age"].value == "44" and merged["age"].conflicts == []  # the band holds the exact age


@pytest.fixture(scope="module")
def intent_lex():
    return intent_lexicon_from_settings(SETTINGS)


def test_intent_ranks_buyers_above_service_and_names_the_product(intent_lex):
    buyer = [("agent", "您好。"), ("customer", "你好，我想给孩子买份重疾险，五岁能买吗？一年多少钱？"),
             ("agent", "可以的。"), ("customer", "那你给我出个方案吧，晚上发我。")]
    service = [("agent", "您好。"), ("customer", "我那个重疾险这个月扣款没成功，帮我看看。"),
               ("agent", "好的。"), ("customer", "行，谢谢。")]
    b, s = score_intent(buyer, intent_lex, LEX), score_intent(service, intent_lex, LEX)
    assert b.score > s.score and b.band == "high" and s.band == "low"
    assert b.product == "重疾险" and b.evidence and "买" in b.evidence


def test_intent_product_skips_owned_policy_and_flags_do_not_call(intent_lex):
    upsell = [("customer", "我有你们的意外险，这次摔了想报销。"), ("agent", "好的。"),
              ("customer", "是不是还得配个医疗险啊？")]
    assert score_intent(upsell, intent_lex, LEX).product == "医疗险"
    dnc = score_intent([("customer", "你们别再给我打电话推销了，我不需要。")], intent_lex, LEX)
    assert dnc.excluded and dnc.exclude_reason == "do_not_call" and dnc.band == "low"


def test_a_call_about_buying_is_a_lead_in_words_no_cue_lists(intent_lex):
    """The call's main topic (call_topics) in the purchase family is a reason to call about buying: a caller who
    says 我爸妈也一起呢 / 直接下单, which no cue lists, still ranks above a service caller; the topic alone, not the
    family of a service topic, moves it; an excluded caller stays excluded."""
    buying = ("purchase_medical", "purchase")   # the call's main topic: its slug and taxonomy family
    words = [("agent", "您好。"), ("customer", "喂，你好。"), ("agent", "您请讲。"),
             ("customer", "那我爸妈也一起呢？"), ("agent", "可以。"),
             ("customer", "一年大概多少钱？我今天晚上看完没问题就直接下单。")]
    plain, about = score_intent(words, intent_lex, LEX), score_intent(words, intent_lex, LEX, (), buying, 3)
    assert about.score > plain.score and about.band != "low"
    assert any(c.startswith("topic:purchase") for c in about.cues)
    assert about.evidence_turn == plain.evidence_turn == 5       # what was said, not the topic, is the evidence
    assert score_intent(words, intent_lex, LEX, (), ("claim_status",)).score == plain.score
    # alone it makes no lead: a caller filed under buying who declines stays low, the topic's sentence as evidence
    declined = [("customer", "喂，你好。"), ("customer", "之前问的那个医疗险，我想了想还是不买了。")]
    low = score_intent(declined, intent_lex, LEX, (), buying, 1)
    assert low.band == "low" and low.evidence_turn == 1
    assert score_intent(declined, intent_lex, LEX, (), buying).evidence_turn is None   # no sentence decided it
    dnc = [("customer", "想买个医疗险，不过别再给我打推销电话了。")]
    assert score_intent(dnc, intent_lex, LEX, (), buying).excluded


def test_the_topic_cue_is_configured_as_a_list(tmp_path):
    from callintel.nlp.intent import load_intent_lexicon

    text = (SETTINGS.config_file("intent_cues.toml")).read_text(encoding="utf-8")
    bad = tmp_path / "cues.toml"
    bad.write_text(text.replace('families = ["purchase"]', 'families = "purchase"'), encoding="utf-8")
    with pytest.raises(ValueError, match="families must be a list"):
        load_intent_lexicon(str(bad))


def test_a_cue_pattern_that_is_no_regular_expression_is_an_error_naming_the_file(tmp_path):
    from callintel.nlp.intent import load_intent_lexicon

    text = (SETTINGS.config_file("intent_cues.toml")).read_text(encoding="utf-8")
    bad = tmp_path / "cues.toml"
    bad.write_text(text.replace('patterns = ["', 'patterns = ["(unclosed', 1), encoding="utf-8")
    with pytest.raises(ValueError, match="not a regular expression") as err:
        load_intent_lexicon(str(bad))
    assert str(bad) in str(err.value)


def test_intent_cues_start_a_word_and_speak_of_the_caller(intent_lex):
    # 退了 inside 早退了 (a symptom went away) is no surrender; 骗 inside 诈骗 or in someone else's view is no
    # complaint; a denied purchase is no buying cue; an A-not-A question still asks to buy.
    def cues(text: str) -> set[str]:
        return {c.split(":")[0] for c in score_intent([("customer", text)], intent_lex, LEX).cues}

    assert "surrender" not in cues("黄疸照了三天蓝光，医生说是生理性的，早退了。")
    assert "complaint" not in cues("小区里天天在讲防诈骗。")
    assert "complaint" not in cues("可我老公觉得保险都是骗人的，说有医保就够了。")
    assert "complaint" in cues("你们这是骗我，我要投诉。")
    assert "also_buy" not in cues("我都六十八了，再买新的也买不着了。")
    assert "buy_request" in cues("我有高血压，能不能买？")
    assert "surrender" in cues("我那个寿险现在想退了。")


def test_call_reply_skips_identity_check_and_read_back():
    lex, cues = lexicon_from_settings(SETTINGS), call_cues_from_settings(SETTINGS)
    turns = [Turn("agent", "您好，客服中心，请问有什么可以帮您？"),
             Turn("customer", "我的保单贷款申请了三天还没到账，怎么回事？"),
             Turn("agent", "好的女士，请您提供一下投保人姓名和身份证后四位。"),
             Turn("customer", "[姓名]，后四位[身份证号]。"),
             Turn("agent", "查到了，您的借款十二号已经审核通过，但收款卡已经销户，款项退回了借款账户。"
                           "您换一张正在使用的卡，我马上重新发起放款，今天下午五点前到账。"),
             Turn("customer", "好的，那换成我的工资卡吧。"),
             Turn("agent", "跟您确认一下，卡号尾号[银行卡号]，对吗？"),
             Turn("customer", "对。"), Turn("agent", "好的，还有别的需要帮您的吗？")]
    assert best_call_reply(turns, lex, cues).turn == 4
    assert objection_type("一年八千多，有点贵啊。", cues) == "价格太贵"
    assert objection_type("那我再考虑考虑吧。", cues) == "再考虑一下"
    assert objection_type("都两个星期了，怎么还没有结果", cues) == "等太久了"
    assert objection_type("这个要等多久？", cues) is None  # asks when: a question, not an objection (issue 22)
    assert objection_type("嗯，那怎么买，能在网上买吗？", cues) is None  # a channel named, nothing objected to


@pytest.mark.parametrize(("text", "field", "value"), [
    ("我属虎的，今年四十八。", "age", "48"),
    ("本人五十二岁，身体还行。", "age", "52"),
    ("我是开货车的，常年在外面跑。", "occupation", "货车司机"),
    ("我们两口子都在厂里上班。", "marital_status", "已婚"),
    ("家里有两个小孩，一个上初中一个上小学。", "children", "2"),
    ("我月薪大概一万二。", "income_band", "10000-20000"),
    ("我年收入二十来万吧。", "income_band", "10000-20000"),
    ("我每个月也就挣个三千多块钱。", "income_band", "<5000"),
    ("你们最好下午三点以后打给我。", "preferred_contact_time", "下午"),
    ("我老家河南的，现在在郑州打工。", "city", "郑州"),
])
def test_other_phrasings(text, field, value):
    assert facts(("customer", text)).get(field) == value


def test_agent_address_words():
    assert facts(("agent", "阿姨您好，我帮您查一下。")).get("gender") == "女"
    assert facts(("agent", "大爷您别急，我慢慢跟您说。")).get("gender") == "男"


def test_city_named_in_passing_is_not_home():
    assert "city" not in facts(("customer", "我上个月在北京的医院做的手术。"))
    assert "city" not in facts(("customer", "我在上海出差，下周回去。"))
    assert facts(("customer", "我们天津这边的网点在哪？")).get("city") == "天津"


def test_intent_general_inquiry_is_interest_and_surrender_is_not(intent_lex):
    inquiry = [("customer", "你好，我想了解一下你们的年金险，每年交多少，以后能领多少？")]
    surrender = [("customer", "我想问下我的保单现金价值是多少，能退多少钱？"), ("customer", "那我再考虑考虑吧。")]
    a, b = score_intent(inquiry, intent_lex, LEX), score_intent(surrender, intent_lex, LEX)
    assert a.band in ("medium", "high") and a.product == "年金险" and b.band == "low"


def test_asking_for_more_cover_is_buying(intent_lex):
    """Raising a limit or a sum insured is buying more, said as a verb of raising + 到 + an amount, or with 保额; a
    premium that rises (涨) is not, nor an amount said without a verb of raising."""
    for said in ("我这三者才保了一百万，续保的时候想加到三百万，得多掏多少钱？", "我俩车都提到200万咋弄？",
                 "我那个意外险保额能不能提高一点？"):
        got = score_intent([("customer", said)], intent_lex, LEX)
        assert any(c.startswith("raise_cover:") for c in got.cues) and got.band in ("medium", "high"), said
    for said in ("你们这保费怎么涨到一万多了？", "我买的三者险是一百万的。"):
        got = score_intent([("customer", said)], intent_lex, LEX)
        assert not any(c.startswith("raise_cover:") for c in got.cues), said


def test_asking_for_a_kind_of_cover_or_buying_on_a_condition(intent_lex):
    """Whether the insurer has a kind of cover the caller describes (有没有那种…的), interest said (有兴趣; not 不感兴
    趣), a purchase on a condition (合适的话就买), a sum insured raised with the modal asked (保额是不是也要提高),
    and whether one may still buy (是不是不让买了) are buying cues."""
    cases = {"product_inquiry": ["你们有没有那种一家人一起保的？", "这个我挺感兴趣的。"],
             "buy_request": ["你先把资料发我，价格合适的话我就买了。"],
             "raise_cover": ["我家那个房子的保额是不是也要提高一点？"],
             "underwriting": ["我都六十八了，是不是不让买了？"]}
    for cue, sentences in cases.items():
        for said in sentences:
            got = score_intent([("customer", said)], intent_lex, LEX)
            assert any(c.startswith(cue + ":") for c in got.cues), (said, got.cues)
    for said in ("推销的我不感兴趣，别打了。", "这个我不太感兴趣。", "我对理财没有兴趣。"):
        got = score_intent([("customer", said)], intent_lex, LEX)
        assert not any(c.startswith("product_inquiry:") for c in got.cues), said


def test_where_the_caller_works_places_them_and_a_particle_ends_an_answer():
    """A place the caller works at is where they are, whatever kind of place (在南京这边医院上班), where a visit to
    it is not (在北京的医院做的手术); 小朋友 is a parent's word for their children; a time said with only a closing
    particle after it answers the agent's question (下午嘛)."""
    assert facts(("customer", "我是护士，在南京这边医院上班，白天经常接不了电话。")).get("city") == "南京"
    assert "city" not in facts(("customer", "我上个月在北京的医院做的手术。"))
    assert facts(("customer", "下午我还要去接两个小朋友放学的。")).get("children") == "2"
    assert "children" not in facts(("customer", "我们小区的小朋友都打了疫苗。"))
    asked = ("agent", "您看方便接电话的时间是？")
    said = ("customer", "下午嘛，上午我要在医院陪他做康复，电话不方便。")
    assert facts(asked, said)["preferred_contact_time"] == "下午"
    assert "preferred_contact_time" not in facts(asked, ("customer", "下午嘛要上班，不行。"))
    # the agent asking when something happened is no question about calling: the clock time answers that
    when = ("agent", "在哪里撞的？大概几点？")
    assert "preferred_contact_time" not in facts(when, ("customer", "小学门口，差不多八点。"))
    assert facts(("agent", "您几点方便接电话？"), ("customer", "差不多八点。"))["preferred_contact_time"] == "上午"


def test_contact_times_said_in_more_ways():
    """Regional words and meals for the periods (上半天, 午饭), times said together (礼拜六礼拜天都可以), a question
    about calling however it is put (什么时候再联系您), and a time to call someone else (联系她) that is not the
    caller's."""
    asked = ("agent", "那我们什么时候再联系您比较合适？")
    assert facts(asked, ("customer", "下午，下午三四点钟都行。"))["preferred_contact_time"] == "下午"
    assert facts(("agent", "您看回访安排在什么时间？"), ("customer", "礼拜六礼拜天都可以，平时不方便。"))[
        "preferred_contact_time"] == "周末"
    assert facts(("customer", "侬上半天打过来好伐，下半天我要去医院配药的。"))["preferred_contact_time"] == "上午"
    assert facts(("customer", "你明天吃午饭那会儿再打给我。"))["preferred_contact_time"] == "中午"
    assert "preferred_contact_time" not in facts(("customer", "我老婆说她周末有空，让你们周末联系她。"))


def test_a_time_asked_of_the_agent_or_said_alone_before_being_busy():
    """你们 + a time + a verb of calling asks them to call then (你们最好下午打过来; 你们晚上有人吗 asks about their
    hours); a time said alone, then busy at another time (晚上七点以后，白天我在干活), is when to call."""
    assert facts(("customer", "早上我要去买菜，你们最好下午打过来。"))["preferred_contact_time"] == "下午"
    assert facts(("customer", "我跟你讲，晚上八点以后，白天我在厂里干活，接不到。"))["preferred_contact_time"] == "晚上"
    assert "preferred_contact_time" not in facts(("customer", "你们晚上还有人值班吗？"))
    assert "preferred_contact_time" not in facts(("customer", "上午，上午我要开会。"))
    assert facts(("customer", "你们别早上打，我要睡觉，下午两点以后再打。"))["preferred_contact_time"] == "下午"


def test_a_job_wished_for_is_not_held():
    assert "occupation" not in facts(("customer", "我小时候一直想当医生，没考上，现在看你们这个医疗险挺有感触的。"))
    assert facts(("customer", "我当了一辈子钳工。"))["occupation"] == "钳工"


def test_occupation_said_in_passing_and_what_is_not_one():
    """Retirement is the caller's occupation (退休了在家; not 快退休了 or 我爸退休了); a role with the subject of the
    clause before (我四十了，是会计); a role over the field said before it (搞电力的，当电工); a trade phrase + 的 that
    describes someone else (撞了个送快递的小伙子), a 的-phrase describing a product (有个管住院的, 管骨折的那种) and an
    errand of one day (我昨天跑银行办事的) are no occupation."""
    assert facts(("customer", "我都六十二了，退休了在家带孙子。"))["occupation"] == "退休"
    assert "occupation" not in facts(("customer", "我快退休了，想问问这个养老险。"))
    assert "occupation" not in facts(("customer", "我爸退休了，在家没事干。"))
    assert facts(("customer", "我四十了，是会计，平时上班忙。"))["occupation"] == "会计"
    assert facts(("customer", "我在电厂，搞电力的，当电工，白天接不了电话。"))["occupation"] == "电工"
    assert facts(("customer", "我是开大车的司机。"))["occupation"] == "货车司机"
    # a separable trade phrase with a span of time inside it
    assert facts(("customer", "我在乡下种了大半辈子地，现在腿脚不行了。"))["occupation"] == "农民"
    assert facts(("customer", "我年轻时候教了二十年书。"))["occupation"] == "教师"
    for said in ("我骑车撞了个送快递的小伙子，人家要我赔钱。", "我在你们这买过保险，有个管住院的。",
                 "我想买个保险，专门管骨折的那种。", "我昨天跑银行办事的，卡就丢了。"):
        assert "occupation" not in facts(("customer", said)), said


def test_retirement_said_as_a_past_event_or_an_own_pension():
    """退休前/之前/那会儿, 退了休 and the caller's own 退休金 say the caller is retired, with the trade they retired
    from when they name one (退休小学老师, 退休钳工, in the same turn or another); not a wish (想攒点退休金), a product
    (相当于退休金), someone else's retirement or one to come (退休以后能领多少, 明年就到退休了，退休了以后…)."""
    retired = {"我有医保，退休前在铁路上干了三十多年。", "那张卡我早就不用了，去年退休那会儿单位工资卡换了。",
               "行，那就用我退休金那张，建行的。", "我退了休后就在家带孙子。"}
    for text in retired:
        assert facts(("customer", text)).get("occupation") == "退休", text
    assert facts(("customer", "我退休之前当了三十多年小学老师。"))["occupation"] == "退休小学老师"
    assert facts(("customer", "我退休前是中学会计，现在在家带孙子。"))["occupation"] == "退休中学会计"
    assert facts(("customer", "我退休前在厂里干了一辈子钳工。"))["occupation"] == "退休钳工"
    assert facts(("customer", "我在财务上干了二十多年会计，上个月刚办完退休。"), ("agent", "好的。"),
                 ("customer", "那我退休之前做的检查还能报吗？"))["occupation"] == "退休会计"
    for text in ("我想给自己攒点退休金。", "这个养老险是不是相当于退休金？", "我妈退休前是护士。",
                 "退休以后能领多少？", "我今年五十九了，明年四月份就到退休了，退休了以后这个保险是不是就没了？"):
        assert not facts(("customer", text)).get("occupation", "").startswith("退休"), text


def test_age_said_as_an_idiom_after_the_age_or_by_a_pair():
    """都三十岁的人了 describes the caller by age; a bare number after a clause of the caller's age (岁数大了，六十八
    了) answers it as if the agent had asked; 我们俩都… says the caller's age too. Someone else's, or a number that
    is no age after it, is not."""
    assert facts(("customer", "单位的人老说我，三十岁的人了还不成家。"))["age"] == "30"
    assert facts(("customer", "我岁数大了，六十八了，看不清字。"))["age"] == "68"
    assert facts(("customer", "我俩都才三十出头，想问问这个。"))["age"] == "30-39"
    assert "age" not in facts(("customer", "我爸都七十岁的人了，还天天骑车。"))
    assert "age" not in facts(("customer", "我岁数大了，记不住，四十二号楼。"))


def test_short_answers_to_the_agents_questions():
    got = facts(("agent", "方便问一下您是做什么工作的？"), ("customer", "中学老师。"),
                ("agent", "您在哪个城市呢？"), ("customer", "厦门。"),
                ("agent", "结婚了吗？有孩子吗？"), ("customer", "结了，有一个。"))
    assert got["occupation"] == "老师" and got["city"] == "厦门" and got["marital_status"] == "已婚"
    assert got["children"] == "1"


@pytest.mark.parametrize("text", ["离婚后保单怎么分？", "一个孩子的医疗险一年多少钱？", "退休计划怎么买？",
                                  "早晨空腹体检能接受吗？", "单身人士买什么保险好？"])
def test_general_questions_state_nothing_about_the_caller(text):
    assert facts(("customer", text)) == {}


@pytest.mark.parametrize("text", ["我25岁的时候车险会便宜吗？", "我16岁的儿子要不要买意外险？",
                                  "如何计划在30多岁退休？",
                                  "这个对妇女的保障怎么样？"])
def test_ages_and_sexes_that_are_not_the_callers(text):
    got = facts(("customer", text))
    assert "age" not in got and "gender" not in got


@pytest.mark.parametrize(("text", "age"), [
    ("我今年六十六文，我们家老头子一直讲。", "66"),       # 了 misheard: any word but a unit ends the age
    ("我退休之前当了三十多年老师。", None),               # 三十多年 is a span of years
    ("我今年3月刚交的保费。", None), ("今年五一他结婚了。", None),  # a date, not an age
    ("我今年三十多岁，身体还行。", "30-39"),
    ("我三十亩冻咗，系咪就赔三十亩？", None), ("我八十只羊，收了我八百块。", None),  # a classifier: what they have
])
def test_an_age_is_the_number_after_me_that_no_unit_follows(text, age):
    assert facts(("customer", text)).get("age") == age


def test_a_qualifier_jieba_does_not_know_is_left_off_the_role():
    assert facts(("customer", "我是小邪老师，平时也不太懂。"))["occupation"] == "老师"  # 小学 misheard
    assert facts(("customer", "我是小学老师。"))["occupation"] == "小学老师"
    assert facts(("customer", "我是产品经理。"))["occupation"] == "产品经理"


def test_an_address_word_misheard_counts_only_in_its_slot_and_only_alone():
    assert facts(("agent", "你是您好，我来帮您查一下。")).get("gender") == "女"  # 女士您好, one syllable off
    assert facts(("agent", "好的陈理师，您稍等。")).get("gender") == "女"
    assert "gender" not in facts(("agent", "好的张老师，您稍等。"))  # 老师 is a word: meant as said
    assert "gender" not in facts(("agent", "好的您稍等，我查一下。"))
    # heard right elsewhere in the call, the address wins and the sound-alike is not read
    assert facts(("agent", "你是您好。"), ("agent", "好的王先生，您稍等。"))["gender"] == "男"


def test_an_income_in_digits_and_a_numeral_unit_is_read():
    assert facts(("customer", "我一个月公司才4千来快，哪舍得。"))["income_band"] == "<5000"  # 工资/块 misheard
    assert facts(("customer", "我每个月到手1万2左右。")).get("income_band") == "10000-20000"


def test_a_regional_first_person_word_is_the_caller_where_jieba_cuts_it_alone():
    """额 (Shaanxi, Shanxi: 我) says the caller where it is a word of its own (额今年七十三咧, 跟额老公商量); the 额 of
    保额 or 金额 stays what it is; the evidence is the turn as the caller said it."""
    got = extract([("agent", "您好"), ("customer", "额今年七十三咧，额一个人，字小得很看不清。")], LEX)
    age = next(f for f in got if f.field == "age")
    assert age.value == "73" and age.evidence.startswith("额今年")
    assert facts(("customer", "嫑急，额先回去跟额老公商量一下。"))["marital_status"] == "已婚"
    assert "age" not in facts(("customer", "保额今年七十三万，够不够？"))


def test_the_agent_reading_back_the_callers_address_gives_the_city():
    """A city with a district or road after it, in the agent's reading back of the caller's address, is the caller's
    city; the insurer's office, an old address or someone else's is not; what the caller says of themself wins."""
    def city(agent: str, customer: str = "嗯，对。") -> str | None:
        return facts(("agent", agent), ("customer", customer)).get("city")

    assert city("您名下的家庭财产保险，保障地址是长沙市岳麓区[地址]的这套房子。") == "长沙"
    assert city("好的，我复述一下：济南市历下区[地址]。") == "济南"
    assert city("好的，上海松江区云锦苑地下车库B2层，对吗？") == "上海"
    assert city("保险地址是碑林区东关南街的房子。") == "西安"
    assert city("到我们河南分公司理赔部，地址是郑州市郑东新区如意东路。") is None
    assert city("现在登记的地址是广州市越秀区东风中路。您的新地址是哪里？") is None
    assert city("您母亲的地址是南京市鼓楼区中山北路，对吗？") is None
    assert city("您在北京工作对吧？") is None
    assert city("好的，我复述一下：济南市历下区[地址]。", "我人在青岛这边，地址是我妈家的。") == "青岛"


def test_one_child_by_a_measure_word_and_a_regional_child_noun():
    """个 with no numeral after a verb of having or raising is one child (带个孩子, 养了个闺女), where the caller or
    their home speaks; someone else's is not counted. 崽 is a regional word for a child, 屋里 a regional word for the
    caller's home."""
    assert facts(("customer", "我一个人带个孩子，店也关了。")).get("children") == "1"
    assert facts(("customer", "我们家养了个闺女，今年十岁。")).get("children") == "1"
    assert facts(("customer", "我老公请假照顾我，屋里一个崽才上幼儿园。")).get("children") == "1"
    for said in ("我姐带个孩子住我家。", "人家有个孩子要上学。", "他带个孩子过来的。", "我同事生了个儿子。",
                 "你带个孩子过来也行。"):
        assert "children" not in facts(("customer", said)), said


def test_occupation_at_a_place_in_apposition_and_while_studying():
    """当 after a place's locative is the verb of a role even where jieba fuses 上当 ('be fooled'); a verbless clause
    of 一个 + a person noun after the caller's own is the caller describing themself; studying somewhere, said of
    the caller, is a student, but not a child's school nor a time past; 退咗休 is Cantonese 退了休."""
    assert facts(("customer", "我在贵阳这边工地上当施工员，成天在外头跑。")).get("occupation") == "施工员"
    assert "occupation" not in facts(("customer", "我在工地上当了，被人骗了。"))
    said = "我都七十五了，一个老头子，当了一辈子中学语文老师，现在手机搞不懂。"
    assert facts(("customer", said)).get("occupation") == "中学语文老师"
    for said in ("我老公都七十五了，一个老头子，当了一辈子老师。", "我跟你说，一个老头子，当了一辈子老师。"):
        assert "occupation" not in facts(("customer", said)), said
    assert facts(("customer", "我今年二十三，还在南宁读书，实习工资没几个。")).get("occupation") == "学生"
    assert facts(("customer", "我学生党，几块钱也是钱。")).get("occupation") == "学生"
    for said in ("我家里两个孩子，大的在读大学。", "我女儿帮我弄，她在外地读书。", "我刚才送娃儿上学，在学校门口。",
                 "我在这读书的时候买的保险。"):
        assert "occupation" not in facts(("customer", said)), said
    assert facts(("customer", "我今年六十八啦，退咗休在广州。")).get("occupation") == "退休"


def test_a_modal_question_about_buying_and_a_regional_price_question(intent_lex):
    """能不能 … 买 with what is bought or for whom inside asks to buy; 好多钱？ / 多钱？ ask the price, where 花了好多钱
    states a sum; 不能 … 买 is no question."""
    for said in ("我婆娘和娃儿还莫得医疗险，能不能跟我这个一起买嘛？", "可不可以给我妈也买？"):
        assert any(c.startswith("buy_request:") for c in score_intent([("customer", said)], intent_lex, LEX).cues), said
    for said in ("大概好多钱？", "这个上的话一年多钱？"):
        assert any(c.startswith("price:") for c in score_intent([("customer", said)], intent_lex, LEX).cues), said
    for said in ("住院花了好多钱。", "我不能再买了。"):
        cues = score_intent([("customer", said)], intent_lex, LEX).cues
        assert not any(c.startswith(("price:", "buy_request:")) for c in cues), (said, cues)


def test_age_children_and_city_in_more_of_the_ways_callers_say_them():
    """The reflexive between 我 and an age (我自己四十五); the caller described by their age (我一个七十岁的退休老太婆);
    an age reached opening a clause of the caller's, not of a child named before it; Cantonese 仔 after a count, never
    打工仔 or 仔细; 就她一个; a place the caller holds a role at (在武汉这边医院当护士), not 当时 at a hospital."""
    assert facts(("customer", "婆娘四十三，娃儿十二岁。我自己四十五。")).get("age") == "45"
    assert facts(("customer", "我一个七十岁的退休老太婆，一个月就那点退休金。")).get("age") == "70"
    assert facts(("customer", "我喺小区做保安，六十一岁了人家还肯请我。")).get("age") == "61"
    assert "age" not in facts(("customer", "我儿子在上海，六岁了还不会说话。"))
    assert facts(("customer", "我同你讲，我两个仔放学回来我就冇时间。")).get("children") == "2"
    assert facts(("customer", "俺今年四十二了，闺女初三，就她一个。")).get("children") == "1"
    for said in ("他是个打工仔，就一个人。", "我是一个仔细的人。"):
        assert "children" not in facts(("customer", said)), said
    assert facts(("customer", "我在武汉这边医院当护士，上个礼拜下夜班。")).get("city") == "武汉"
    assert "city" not in facts(("customer", "我在北京的医院当时看的病。"))


def test_a_person_noun_of_the_callers_own_sex_is_the_caller():
    """老头子 said by a man (the agent's 先生) is the caller describing himself: his age, no spouse; said by a woman,
    her husband: his age is not hers, and she is married."""
    man = facts(("agent", "王先生您好。"), ("customer", "我这老头子岁数大了，六十七了，手机整不明白。"))
    assert man.get("age") == "67" and "marital_status" not in man
    woman = facts(("agent", "王女士您好。"), ("customer", "我这老头子岁数大了，六十七了，天天喝酒。"))
    assert "age" not in woman and woman.get("marital_status") == "已婚"


def test_regional_words_for_a_wife():
    """婆娘 (the Southwest, the Northwest), 堂客 (Hunan, Hubei), 婆姨 (northern Shaanxi) after the caller's 我 are his
    wife: married, and a man; said of someone else's they are nothing of the caller's."""
    for said in ("我婆娘和娃儿都在泸州老家。", "我堂客在屋里带伢。", "俺婆姨在家做饭。"):
        got = facts(("customer", said))
        assert got.get("marital_status") == "已婚" and got.get("gender") == "男", said
    assert "marital_status" not in facts(("customer", "那个婆娘真是厉害。"))


def test_a_role_the_caller_introduces_themself_by_for_their_company():
    """Callers who call for their employer say who they are without a verb of work: in apposition (我一个程序员),
    as a department (…财务部的), after the employer's name (…有限公司的行政, 云栈科技的HR) or as a clause of its own
    after it (我这边宁波甬辉模具的，财务。); a task done as work names its worker where the dictionary has the word
    (在食品厂干包装 -> 包装工). Not 我一个月到手…, a friend's department or someone else's driver."""
    assert facts(("customer", "我一个程序员这周项目上线天天加班。"))["occupation"] == "程序员"
    assert facts(("customer", "您好，我是杭州澄明设计咨询有限公司财务部的，想核对一下。"))["occupation"] == "财务"
    assert facts(("customer", "你好，我是长沙瑞丰包装材料有限公司的行政，公司那张团险一直是我在对接。"))[
        "occupation"] == "行政"
    assert facts(("customer", "你好，我是云栈科技的HR，想确认一下流程。"))["occupation"] == "HR"
    assert facts(("customer", "你好，我这边宁波甬辉模具的，财务。保费上个礼拜已经打过去了。"))["occupation"] == "财务"
    assert facts(("customer", "俺今年五十一了，在食品厂干包装，挣点钱不容易。"))["occupation"] == "包装工"
    assert facts(("customer", "俺在电子厂流水线上干活，上班手机得锁柜子里。"))["occupation"] == "工人"
    assert facts(("customer", "下午俺在大棚里头干活，风机呼呼响，哪听得着。"))["occupation"] == "农民"
    for said in ("我一个月到手也就一万二。", "我在他们公司的财务部的朋友说的。", "我是想问一下我老公的司机。",
                 "我是做设计的。"):
        assert facts(("customer", said)).get("occupation") in (None, "设计"), said


def test_a_spouse_lost_or_the_caller_a_spouse_and_the_caller_city_as_their_own():
    """丧偶 where the loss opens the clause after the spouse (俺那口子，他不在了) or 'while alive' is said of the
    spouse; 已婚 where the caller is someone's spouse (俺是他媳妇儿); a city the caller names as their own (我绍兴的,
    我这边宁波…, 南京启安贸易的 after the caller's own sentence, 来深圳的), over a city they travel to for a hospital
    stay."""
    assert facts(("customer", "受益人是俺那口子，他不在了，这个是不是也得改？"))["marital_status"] == "丧偶"
    assert facts(("customer", "那张卡是俺那口子活着时候给俺办的。"))["marital_status"] == "丧偶"
    assert facts(("customer", "俺是他媳妇儿，俺叫刘翠萍。"))["marital_status"] == "已婚"
    assert "marital_status" not in facts(("customer", "我是他老婆的同事。"))
    assert facts(("customer", "喂，我绍兴的，下个礼拜二要到杭州住院开刀。"))["city"] == "绍兴"
    assert facts(("customer", "你好，我这边宁波甬辉模具的，财务。"))["city"] == "宁波"
    assert facts(("customer", "我姓何，南京启安贸易的。"))["city"] == "南京"
    assert facts(("customer", "你好，我是今年刚毕业来深圳的，入职两个月。"))["city"] == "深圳"
    for said in ("我北京有套房子。", "我下个月来北京看病。", "我儿子，上海交通大学的。"):
        assert "city" not in facts(("customer", said)), said


def test_regional_yes_no_questions_about_buying_and_carrying_cover_over(intent_lex):
    """The North's V不 (俺自个儿能接着买不？) and Wu's 好 … 伐 (阿拉自家好买点啥伐？) ask to buy as 能买吗 does;
    asking to carry cover being lost over into one's own policy (可以转成个人的, 转个人) is interest; 不能买, a
    statement, and 好加伐 (adding family to a cover) are neither."""
    for said in ("俺自个儿能接着买不？", "阿拉老两口子自家好买点啥伐？", "可以买不？"):
        assert any(c.startswith("buy_request:") for c in score_intent([("customer", said)], intent_lex, LEX).cues), said
    said = "我听说单位的保险退了以后可以转成个人的，是不是有这回事？"
    assert any(c.startswith("product_inquiry:") for c in score_intent([("customer", said)], intent_lex, LEX).cues)
    for said in ("俺不能买不。", "阿拉老两口子好加伐？", "这个我买不起。"):
        cues = score_intent([("customer", said)], intent_lex, LEX).cues
        assert not any(c.startswith("buy_request:") for c in cues), (said, cues)


def test_coordinated_policies_a_task_at_a_business_and_a_child_whose_age_is_told():
    """A product coordinated with one held is held too (重疾险和一个定期寿险), never one wanted after it; a task at a
    business or workplace names its worker where jieba's dictionary has the noun (在超市里收银 -> 收银员), at other
    places it is an errand; a role with the employer right after the caller's own clause (我前天打过电话的，杭州澄明
    设计咨询的财务); a child of the caller's whose age is told is one child when no count is said."""
    assert policies(("customer", "我外面也买了重疾险和一个定期寿险。")) == {"重疾险", "寿险"}
    assert policies(("customer", "我买了医疗险跟意外险。")) == {"医疗险", "意外险"}
    assert policies(("customer", "我有重疾险，想再买个医疗险。")) == {"重疾险"}
    said = (("customer", "我有重疾险。"), ("agent", "好的。"), ("customer", "我有重疾险和寿险。"))
    assert policies(*said) == {"重疾险", "寿险"}
    assert facts(("customer", "上半天我在超市里收银，接勿着电话的。"))["occupation"] == "收银员"
    for said in ("我在手机上操作。", "我在医院里检查。", "我在网上登记。"):
        assert "occupation" not in facts(("customer", said)), said
    assert facts(("customer", "你好，我前天打过电话的，杭州澄明设计咨询的财务，姓沈。"))["occupation"] == "财务"
    assert facts(("customer", "我老婆是自由职业，我儿子三岁。"))["children"] == "1"
    assert facts(("customer", "我儿子三岁。"), ("agent", "好的。"), ("customer", "我有两个孩子。"))["children"] == "2"
    assert "children" not in facts(("customer", "我姐的儿子三岁。"))


def test_a_livelihood_said_as_who_the_caller_is_and_a_role_after_a_village_or_unit():
    """Growing or raising something said as who the caller (or their household) is names the trade's noun
    (我是…养羊的 -> 养羊户, 我系…种沃柑嘅 -> 沃柑种植户, 喂了一辈子猪 -> 养猪户); a village's, a parent's or an
    everyday 养老 is none. A role after the caller's village or unit (我是我们村的协保员, 是合作社的理事长,
    我姓赵，…村的会计) is the caller's; 员工 names no trade."""
    said = {"我是重庆巫溪这边养羊的，我们村今年收了钱。": "养羊户", "我们家是种水稻的，六十来垧地。": "水稻种植户",
            "喂，靓女，我系种沃柑嘅，我问下啊。": "沃柑种植户",
            "我系崇左嘅，种甘蔗嘅，前两晚落霜啊。": "甘蔗种植户",
            "我都七十三了，喂了一辈子猪，这种还是头一回。": "养猪户", "我是我们村的协保员，姓陈。": "协保员",
            "我是阜阳的，我姓孙，是合作社的理事长。": "理事长", "你好，我姓[姓名]，梨树县万发镇新立村的会计。": "会计"}
    for text, value in said.items():
        assert facts(("customer", text)).get("occupation") == value, text
    for text in ("我们村是种苹果的。", "我爸是养猪的。", "我是帮我爸问的，他是种茶的。", "我是养老的。",
                 "我家种了二十亩玉米。", "我是合肥恒通物流有限公司的员工。"):
        assert "occupation" not in facts(("customer", text)), text


def test_a_place_left_a_place_inside_a_word_and_anothers_spouse():
    """A city the caller came back from or was in before (从西安回来的, 之前在杭州…今年回来了) is not theirs, nor one
    of the gazetteer inside another word (合作 of 合作社); the regional spouse words after a first-person word
    (我男人, 我家老爷们儿) say married, 没成家 unmarried, and another household's old man who died (那家老头走了) no
    widowhood."""
    assert "city" not in facts(("customer", "我今年二十七，去年从西安回来的，之前在那边做电商。"))
    assert "city" not in facts(("customer", "我之前在杭州做直播运营的，今年回来了。"))
    assert "city" not in facts(("customer", "我们合作社年底得对账。"))
    assert facts(("customer", "我们盘锦这边，村里今年收那个水稻保险的钱。"))["city"] == "盘锦"
    assert facts(("customer", "我男人在福建打工。"))["marital_status"] == "已婚"
    assert facts(("customer", "那卡是我家老爷们儿的。"))["marital_status"] == "已婚"
    assert facts(("customer", "我还没成家呢。"))["marital_status"] == "未婚"
    assert "marital_status" not in facts(("customer", "有一份我都找不着了，那家老头今年走了。"))
    assert "marital_status" not in facts(("customer", "我们男人都这样。"))


def test_buying_asked_with_words_between_in_cantonese_or_with_a_light_verb(intent_lex):
    """能直接在APP上买吗, Cantonese 仲可唔可以买 / 佢可以买嘅, the North's 想整一个 / 想上一个 ask to buy; asking
    whether the insurer has a kind of cover (你们有那种……意外的保险嘛？, 你哋有冇啲医疗嘅保险) is interest. A policy
    held at the insurer (你们这边有一份寿险), 想办一个变更 and 想弄个明白 are neither."""
    for said in ("能直接在APP上买吗？", "而家仲可唔可以买？", "佢可以买嘅？", "那我挺想整一个的。",
                 "我挺想上一个的，保额高点的。"):
        assert any(c.startswith("buy_request:") for c in cues_of(said, intent_lex)), said
    for said in ("你们有那种……意外的保险嘛？", "你哋有冇啲医疗嘅保险？"):
        assert any(c.startswith("product_inquiry:") for c in cues_of(said, intent_lex)), said
    for said in ("你们这边有一份寿险，我想查一下。", "我想办一个变更。", "我就想弄个明白。"):
        cues = cues_of(said, intent_lex)
        assert not any(c.startswith(("buy_request:", "product_inquiry:")) for c in cues), (said, cues)


def test_a_product_named_by_a_name_of_its_own_is_the_product_of_interest(intent_lex):
    """A product the caller names by a name with no type keyword (三者险, 年度旅行险, 车上人员责任险, 碎屏险) is read
    from jieba's words before 险 and is the product of interest as said; an insurer's name (安顺保险), a line of
    business (团险, 财险), an everyday 险 word (风险, 好险) and a name with a type keyword (驾乘意外险: 意外险) are not
    names of their own."""
    from callintel.nlp.profiles import ProfileReader

    reader = ProfileReader(LEX)
    assert [n for *_, n in reader.product_names("我这三者险才保了一百万")] == ["三者险"]
    assert [n for *_, n in reader.product_names("有没有年度旅行险")] == ["年度旅行险"]
    assert [n for *_, n in reader.product_names("想加保车上人员责任险")] == ["车上人员责任险"]
    assert [n for *_, n in reader.product_names("我那个碎屏险")] == ["碎屏险"]
    for text in ("您好，安顺保险，工号621", "我们单位的团险", "财险公司", "这个风险大不大", "好险啊",
                 "我想加个驾乘意外险"):
        assert reader.product_names(text) == [], text
    said = [("agent", "您好，安顺保险车险服务。"), ("customer", "我的车险明年三月到期。"),
            ("customer", "三者险只买了100万，能不能加到200万？要补多少钱？")]
    assert score_intent(said, intent_lex, LEX).product == "三者险"
    said = [("customer", "我想给我妈买个意外险，能买吗？")]
    assert score_intent(said, intent_lex, LEX).product == "意外险"


def test_cantonese_free_time_says_when_to_call():
    """Cantonese 得闲 is 有空 and 夜晚 is 晚上: 下午先得闲 / 夜晚先得闲 say when to call, as 下午有空 does."""
    assert facts(("customer", "我上午一般喺蔗地度，冇乜信号，下午先得闲。"))["preferred_contact_time"] == "下午"
    assert facts(("customer", "不过我白天喺果园度，夜晚先得闲。"))["preferred_contact_time"] == "晚上"
    assert "preferred_contact_time" not in facts(("customer", "我今日唔得闲。"))


def test_a_policy_held_as_the_comment_on_it():
    """A product said first and then held (车险也有, 我车险在别家买的, 重疾险早就买了) is held; one that the clause
    goes on to ask about (医疗险也有等待期吗) or a clause that asks (车险在哪里上的？ 意外险也有嘛？) is not."""
    assert policies(("customer", "我自己有一份养老险，车险也有，就是没买过意外的。")) == {"养老险", "车险"}
    assert policies(("customer", "我跟你说，我车险在别家买的。")) == {"车险"}
    assert policies(("customer", "重疾险早就买了。")) == {"重疾险"}
    for said in ("医疗险也有等待期吗？", "车险在哪里上的？", "意外险在哪买的？", "你们意外险也有嘛？",
                 "重疾险都买了？"):
        assert policies(("customer", said)) == set(), said


def test_a_relation_is_no_trade():
    """我是孩子的家长 says whose parent the caller is, not a trade (家长 ends like a role); 我是学校的老师 is one."""
    assert "occupation" not in facts(("customer", "我是孩子的家长。"))
    assert facts(("customer", "我是学校的老师。"))["occupation"] == "老师"


def test_what_the_new_constructions_must_not_read():
    """The sentences a review found the first drafts reading wrongly: asking about a line of cover, a trade wished
    or given up, a child raised; someone else's post or a membership; a city said with 人 or its district; a place
    still lived in; a widow said with a regional spouse word; inclusive 咱 and 女人家; questions and refusals of
    buying; complaints to the insurer; an insurer's name or a word ending in 风险 as a product."""
    for said in ("我是问养殖险的。", "我是咨询种植险的。", "我是想养羊的。", "我是原来种菜的，现在不干了。",
                 "我是养娃的。", "我都七十了，养了一辈子孩子。", "我是打过疫苗的，种过痘的。", "我找过我们村的书记。",
                 "我问了我们单位的主任。", "我是我们厂的老员工。", "我是我们村的老党员。",
                 "我不清楚，是合作社的理事长。", "我是王主任介绍来的。"):
        assert "occupation" not in facts(("customer", said)), said
    assert facts(("customer", "我家是养猪的，我在城里当老师。"))["occupation"] == "老师"
    assert facts(("customer", "我是长沙人。"))["city"] == "长沙"
    assert facts(("customer", "我住在青岛市南区。"))["city"] == "青岛"
    assert facts(("customer", "我以前在长春上班，现在退休了。"))["city"] == "长春"
    assert facts(("customer", "俺男人前年走了。"))["marital_status"] == "丧偶"
    for said in ("咱男人说话算话。", "我女人家哪懂这些。", "那家的老头今年走了。", "隔壁老王家老头走了。"):
        assert "marital_status" not in facts(("customer", said)), said


def test_what_the_new_buying_patterns_must_not_read(intent_lex):
    """Refusals and questions that only look like buying (我不想整一个, 我要上一个: the one before, 可唔可以唔买,
    能不买吗),
    complaints and service questions to the insurer (你们有什么理由不赔我的保险, 你们有没有把我的保险停掉), and an
    insurer's name or a risk as the product (平安保险, 高风险)."""
    from callintel.nlp.profiles import ProfileReader

    for said in ("我不想整一个。", "不是这个，我要上一个。", "可唔可以唔买？", "可唔可以帮我查下我买咗咩？",
                 "能不买吗？",
                 "你们能别老打电话让我买吗？", "你们有什么理由不赔我的保险？", "你们有没有把我的保险停掉？",
                 "你们有没有收到我车险的理赔材料？"):
        cues = cues_of(said, intent_lex)
        assert not any(c.startswith(("buy_request:", "product_inquiry:")) for c in cues), (said, cues)
    reader = ProfileReader(LEX)
    for said in ("我想了解一下平安保险", "这个理财是高风险的吗", "我想买份商业保险", "单位交五险"):
        assert reader.product_names(said) == [], said


def test_what_a_second_review_found():
    """A city jieba joins to the next word (太原 + 原种) is still said; a verbal noun in the employer (运输公司) is no
    verb; 退休职工 and 银行员工 stay occupations; 我先生家 is still the caller's husband; a word the verb begins
    (种子站, 养老院) is no livelihood; an accident's driver is no trade; buying followed by 不上班 is not refused;
    a service question with 保险 in it (扣过保险费) is no interest; 办 a card is no cover."""
    assert facts(("customer", "我在太原种玉米。"))["city"] == "太原"
    assert facts(("customer", "我在三亚当老师。"))["city"] == "三亚"
    assert facts(("customer", "我是我们运输公司的司机。"))["occupation"] == "司机"
    assert facts(("customer", "我是退休职工。"))["occupation"] == "退休职工"
    assert facts(("customer", "我先生家里有事。"))["marital_status"] == "已婚"
    assert facts(("customer", "我就是种苹果的。"))["occupation"] == "苹果种植户"
    for said in ("我是种子站的。", "我们是养老院的，想给老人买意外险。", "我是这次事故的驾驶员，对方全责。",
                 "我叫了个网约车，滴滴的司机。"):
        assert "occupation" not in facts(("customer", said)), said
    assert policies(("customer", "车险在什么地方买的")) == set()
    assert policies(("customer", "车险在4S店买的。")) == {"车险"}


def test_what_a_second_review_found_in_buying(intent_lex):
    """Buying said before 不上班 / 没办法 is still buying; 信用卡我想办一个, 你们能强制我买吗 and service questions
    to the insurer (你们有没有扣过保险费, 有没有保险公司的电话) are not buying or interest;
    你们保险公司有没有意外险 is."""
    assert any(c.startswith("buy_request:") for c in cues_of("我想买个养老保险以后不上班了有钱拿。", intent_lex))
    for said in ("信用卡我想办一个。", "你们能强制我买吗？", "你们有没有扣过保险费？",
                 "你们有没有保险公司的电话？", "你们有没有上门办理保险的？"):
        cues = cues_of(said, intent_lex)
        assert not any(c.startswith(("buy_request:", "product_inquiry:")) for c in cues), (said, cues)
    assert any(c.startswith("product_inquiry:") for c in cues_of("你们保险公司有没有意外险？", intent_lex))


def test_regional_and_spoken_forms_of_what_is_already_read():
    """Forms the readers missed on an old-age insurer's calls, each a class rather than a sentence: the northern
    reflexive 自个儿 as 自己; the Cantonese periods 上昼 / 下昼 and the regional negatives (唔, 覅, 甭, 莫); a time
    negated right before it (别中午打) is when not to call; a clock time alone with a verb of calling takes its
    period (六点以后打吧); a time said alone after a clause asking to be called (…打给我吧，下午); an old couple's
    老太婆 as 老头子 (the caller's spouse, not after a determiner or a copula); no verb of work kept as a qualifier
    (我是当老师的); the caller's place as a verbless clause after their name (我姓吴，苏州的), or called from
    (我宁波打来的); a place that begins a bank's branch (北京海淀支行) is none."""
    assert facts(("customer", "俺自个儿今年六十七了，腿脚也不得劲。"))["age"] == "67"
    assert facts(("customer", "你记住啊，要上昼打，下昼我唔喺屋企。"))["preferred_contact_time"] == "上午"
    assert facts(("customer", "回电话的时候别中午打，我中午一般在开会，你们六点以后打吧。"))[
        "preferred_contact_time"] == "晚上"
    assert facts(("customer", "你让那个人明天打给我吧，下午，上午我要送孙子上学。"))["preferred_contact_time"] == "下午"
    assert "preferred_contact_time" not in facts(("customer", "我昨天六点打了没人接。"))
    assert "preferred_contact_time" not in facts(("customer", "别又中午打，我在开会。"))
    assert facts(("customer", "我姓吴，苏州的。我是替我屋里老太婆问的。"))["marital_status"] == "已婚"
    for said in ("我们楼下有个老太婆，被骗了。", "隔壁那个老头子天天来问。", "我是老头子了，不懂这些。"):
        assert "marital_status" not in facts(("customer", said)), said
    assert facts(("customer", "我是当老师的，平时上课不方便接电话。"))["occupation"] == "老师"
    assert facts(("customer", "我姓吴，苏州的。"))["city"] == "苏州"
    assert facts(("customer", "喂，我宁波打来的。"))["city"] == "宁波"
    assert "city" not in facts(("customer", "卡号是6222，工商银行的，开户行是北京海淀支行。"))


def test_a_name_given_reads_as_the_warehouse_holds_it_masked():
    """The readers see the warehouse's text, where the masker has replaced the caller's name ([姓名]): the place
    said in a clause after the caller's name (我姓吴，苏州的 -> 苏州) reads masked the same; 我叫了个车 names nobody."""
    from callintel.speech.text import TextCleaner

    cleaner = TextCleaner.from_settings(SETTINGS)
    on = date(2026, 12, 1)

    def masked(said: str) -> dict[str, str]:
        text = cleaner.clean_with_age(said, on)[0]
        assert "[姓名]" in text or "叫了" in text, text   # the masker did its part: the reader sees no name
        return facts(("customer", text), on=on)

    assert masked("喂，侬好。我姓吴，苏州的。我是替我屋里老太婆问的。")["city"] == "苏州"
    assert masked("是我本人。我叫钱秀娟，杭州的，后四位是0826。")["city"] == "杭州"
    assert "city" not in masked("我叫了个车，苏州的。")
    for said in ("我姓吴，苏州的。", "我叫钱秀娟，杭州的。"):   # as before, unmasked
        assert "city" in facts(("customer", said)), said


def test_policies_held_without_a_verb_and_words_a_type_begins():
    """A count limited by 就 / 只 says having (俺自个儿就一个车险跟一个重疾险), as 我就一个儿子 does; a type's key that
    begins another word of the dictionary (养老院, 医疗费) names no product; the household's (俺家车也有车险) is still
    the caller's, a relation's (我老公有个意外险) is not."""
    assert policies(("customer", "俺自个儿就一个车险跟一个重疾险，再多也买不起了。")) == {"车险", "重疾险"}
    for said in ("那也能顶两个多月养老院的钱。我还听说有个护理的保险能给养老院报钱？", "我有医疗费的发票，保险能报吗？",
                 "我老公有个意外险。"):
        assert not policies(("customer", said)), said
    assert policies(("customer", "俺家车也有车险。")) == {"车险"}
    assert policies(("customer", "我有养老保险。")) == {"养老险"}


def test_cantonese_function_words_are_read_as_mandarins():
    """Cantonese 喺 / 咗 / 嗰 / 系 read as 在 / 了 / 那 / 是 before any construction, so the Mandarin ones read a
    Cantonese caller (我喺茂名嗰间石油厂做咗三十年 -> 茂名); 系 and 伊 only as words of their own (关系, 伊朗 stay);
    唔 only before a word (唔，好的 is a hesitation); a son said with the classifier (我个仔喺深圳返工) is someone else;
    the evidence stays the turn as said."""
    said = "我今年六十八喇，喺茂名嗰间石油厂做咗三十年。"
    got = extract([("agent", "您好。"), ("customer", said)], LEX)
    assert {f.field: f.value for f in got}["city"] == "茂名"
    assert all(f.evidence == said for f in got)
    assert "city" not in facts(("customer", "我个仔喺深圳返工，过年先返嚟。"))
    assert facts(("customer", "我系南宁嘅，退休咗。"))["city"] == "南宁"
    assert "city" not in facts(("customer", "我同伊讲过了，我跟伊朗的客户有关系。"))


def test_pairs_of_children_pensions_as_income_and_subjects_taught():
    """Sons and daughters counted as a pair (一儿一女, 一仔一女, 两儿一女) add up, the caller's when an owner is said;
    a pension is monthly income, its amount in its own clause (…六千出头的退休金，这十万是我攒的 is 5000-10000); a
    subject taught at a place or as who the caller is names the teacher (在中学教数学 -> 数学老师), not a child taught
    at home or someone else's teaching."""
    assert facts(("customer", "我一儿一女，都成家了。"))["children"] == "2"
    assert facts(("customer", "我家两儿一女。"))["children"] == "3"
    assert "children" not in facts(("customer", "他家一儿一女。"))
    assert facts(("customer", "退休金都是得三千几。"))["income_band"] == "<5000"
    said = "退休了一个月就六千出头的退休金，这十万是我攒了好几年的。"
    assert facts(("customer", said))["income_band"] == "5000-10000"
    assert facts(("customer", "我在中学教数学。"))["occupation"] == "数学老师"
    assert facts(("customer", "我是教语文的。"))["occupation"] == "语文老师"
    for said in ("我在家教孩子。", "他在中学教数学。", "我教孩子写作业。"):
        assert "occupation" not in facts(("customer", said)), said


def test_what_the_review_of_the_regional_forms_found():
    """The review's false readings of this session's constructions, each now a test: 一点 as 'a bit', an hour of 7-11
    with 以后 in a turn that says nothing of the day, someone else calling or a call made (打的, 没人接), a time said
    alone after 特别是 / 除了, a time negated after it (中午别打) or with words between (别在中午打), 要不 and 差不多
    are no negation, 唔该 is please; a reflexive after someone else is theirs; a bare 'place + 的' only after the
    caller's name; 就一个 only right before the product; 老伴 after 是 is still a spouse, 是个老太婆 and 好多老太婆
    are not; working at a branch keeps its city; a relative's policy (我小孩有个…) is not the caller's."""
    for said in ("你晚一点打给我吧。", "你快一点打过来，我要出门了。", "我老公六点以后打给你们。", "我两点打给你们吧。",
                 "五点打的那个电话是你们吗？", "我三点打过来，你们一直占线。", "特别是下午，我一般都在开会。",
                 "你打给我吧，除了中午。", "中午别打，我要睡午觉。", "别在中午打，我要午休。"):
        assert when(said) is None, said
    assert when("我白天上班，你七点以后打吧。") == "晚上" and when("八点以后打吧，白天不在家。") == "晚上"
    assert when("要不中午打吧。") == "中午"
    assert when("差不多六点打吧。") == "晚上"
    assert when("唔该你打俾我，下昼。") == "下午"
    assert when("六点以后我有空。") == "晚上"
    assert when("那你们主管回电话还是六点以后啊。") == "晚上"
    assert when("朝早唔得闲，下昼打俾我。") == "下午"
    assert not policies(("customer", "他自个儿有个重疾险。"))
    assert "marital_status" not in facts(("customer", "俺闺女自个儿还没结婚呢。"))
    assert "city" not in facts(("customer", "我想买个房子，杭州的。"))
    assert facts(("customer", "我姓吴，苏州人。"))["city"] == "苏州"
    assert not policies(("customer", "我就一个问题想问下重疾险怎么赔。"))
    assert policies(("customer", "我有一份养老金保险。")) == {"养老险"}
    assert facts(("customer", "主要是老伴身体不好。"))["marital_status"] == "已婚"
    for said in ("我是个老太婆了，不懂这些。", "公园里好多老太婆在跳舞。"):
        assert "marital_status" not in facts(("customer", said)), said
    assert facts(("customer", "我在深圳分公司上班。"))["city"] == "深圳"
    assert facts(("customer", "我以前是当老师的。"))["occupation"] == "老师"
    assert not policies(("customer", "我小孩有个意外险。"))


def test_a_policy_read_from_the_record_is_kept_apart_from_one_the_caller_says():
    """您名下有一份… is the insurer's record ([products] agent_read_field: policies_on_file), what the caller says they
    hold is existing_policies; the same product said by both is in both."""
    got = extract([("agent", "王先生，您名下有一份重疾险。"), ("customer", "对，我还有个医疗险，在别家买的。")], LEX)
    assert {(f.field, f.value) for f in got if "polic" in f.field} == {("policies_on_file", "重疾险"),
                                                                      ("existing_policies", "医疗险")}
    got = extract([("agent", "您名下有一份重疾险。"), ("customer", "对，我有重疾险。")], LEX)
    assert {(f.field, f.value) for f in got if "polic" in f.field} == {("policies_on_file", "重疾险"),
                                                                      ("existing_policies", "重疾险")}


def test_buying_asked_in_full_a_not_a_in_time_or_as_a_quote():
    """The whole A-not-A of the modal and the verb (俺能买不能买), whether buying is still in time (买还来得及不), and
    a quote asked for (你帮我算一下) are buying; being charged or counted as something (给我算什么逾期) is not, nor is
    an errand in time (补办还来得及吗)."""
    intent_lex = intent_lexicon_from_settings(load_settings())
    for said in ("恁那个意外险俺能买不能买？", "我五十四岁了，买还来得及不？", "那你帮我算一下，一年多少钱。"):
        assert any(c.startswith("buy_request:") for c in cues_of(said, intent_lex)), said
    for said in ("别到时候扣不上钱，又给我算什么逾期。", "那我现在去补办还来得及吗？"):
        assert not any(c.startswith("buy_request:") for c in cues_of(said, intent_lex)), said


def test_years_done_at_a_workplace_are_work_there():
    """做 with a span of time at a workplace is working there (在南宁糖厂做了二十几年, Cantonese 喺…厂做咗三十年): the
    workplace's worker; 做 once (做过一次体检) is an errand."""
    assert facts(("customer", "我今年六十八喇，喺茂名嗰间石油厂做咗三十年。"))["occupation"] == "工人"
    assert "occupation" not in facts(("customer", "我在厂里做过一次体检。"))


def test_a_years_earnings_and_a_call_made():
    """A year's earnings said with words between (一年也就挣个五六万, 一年下来工资也就六万) are income, any other sum of
    a year is not (一年下来开销得十万, 一年下来保费要交五千); a time with an aspect verb right before the call
    (早上八点就开始打) is a call made, a start with a wish after it is not (下午两点开始都可以打)."""
    assert facts(("customer", "俺一年也就挣个五六万，种地加打零工。"))["income_band"] == "<5000"
    assert facts(("customer", "我一年下来工资也就六万。"))["income_band"] == "5000-10000"
    for said in ("一年下来保费要交五千。", "一年下来开销得十万。", "我一年下来差不多跑三万公里。"):
        assert "income_band" not in facts(("customer", said)), said
    assert "preferred_contact_time" not in facts(("customer", "我今天早上八点就开始打，一直占线，你们咋回事？"))
    assert facts(("customer", "你们下午打给我吧，上午我电话一直占线。"))["preferred_contact_time"] == "下午"
    assert facts(("customer", "下午两点开始都可以打。"))["preferred_contact_time"] == "下午"

def test_what_the_second_review_found():
    """The second review's false readings, each now a test: a pension saved is no income; driving for years or one's
    own car names no trade; 再打 / 给我打 / 才有空 / 有空了 after a clock time; 7-11 with 以后 is the morning unless the
    turn says the day is taken; 最好是 before a time said alone; a pair of children only right after the caller or
    their household (not 我家隔壁, 我同学家, 一儿一女的家庭, 一男一女); learners make the plain teacher, other people
    none; a product name ending in 保 does not turn a refusal into buying; a sum of a service is no quote; the
    caller with a relative (我跟我老公都有…) or said again after them (我朋友介绍我买过…) holds it; 唔 before a
    pronoun is a hesitation; Cantonese 间 before a business."""
    for said in ("我的退休金存了二十万了。", "我退休金账户里有十万。"):
        assert "income_band" not in facts(("customer", said)), said
    for said in ("我开了五年车了，没出过事故。", "我是开私家车的，不跑营运。", "我在厂里教徒弟。", "我在家教外孙。"):
        assert "occupation" not in facts(("customer", said)), said
    assert facts(("customer", "我在学校教学生的。"))["occupation"] == "老师"
    assert facts(("customer", "我同我老公一齐喺东莞开咗间五金铺。"))["occupation"] == "五金铺老板"

    assert when("六点以后再打吧。") == "晚上" and when("你六点以后给我打。") == "晚上"
    assert when("六点以后我就有空了。") == "晚上" and when("六点以后我才有空。") == "晚上"
    assert when("我睡得晚，你九点以后打吧。") == "上午"
    assert when("你们打给我吧，最好是晚上。") == "晚上"
    for said in ("当时我车上坐着一男一女。", "我家隔壁一儿一女。", "我同学家一儿一女。",
                 "我就想问一儿一女的家庭怎么配。", "我家老大一儿一女。"):
        assert "children" not in facts(("customer", said)), said
    assert facts(("customer", "我屋企有一仔一女。"))["children"] == "2"
    assert policies(("customer", "我跟我老公都有重疾险。")) == {"重疾险"}
    assert policies(("customer", "我朋友介绍我买过一个意外险。")) == {"意外险"}
    assert policies(("customer", "唔我有买过重疾险。")) == {"重疾险"}
    intent_lex = intent_lexicon_from_settings(load_settings())
    for said in ("惠民保不想再买了。", "车险去年买不想再买了。", "你们给我算错了吧，多扣了钱。",
                 "你帮我算算退保能退多少钱。"):
        assert not any(c.startswith(("buy_request:", "also_buy:")) for c in cues_of(said, intent_lex)), said
    assert any(c.startswith("buy_request:") for c in cues_of("恁那个意外险俺能买不能买？", intent_lex))


def test_the_callers_own_spouse_word_and_a_size_inside_a_trade_phrase():
    """The caller's own spouse word says the caller is married whoever the clause is about (他是我老公, Cantonese
    佢系我老公, 她跟我老公是同事), someone else's is not (他和老婆去旅游了); a size word inside a separable trade phrase
    (开大货车, 开了十年大货车) is the phrase, a car of one's own is no trade (开私家车的, 开了五年车)."""
    for said in ("他是我老公。", "佢系我老公。", "她跟我老公是同事。"):
        assert facts(("customer", said))["marital_status"] == "已婚", said
    assert "marital_status" not in facts(("customer", "他和老婆去旅游了。"))
    assert facts(("customer", "俺是开大货车的，跑长途。"))["occupation"] == "货车司机"
    assert facts(("customer", "我开了十年大货车。"))["occupation"] == "货车司机"
    for said in ("我开了五年车了，没出过事故。", "我是开私家车的，不跑营运。"):
        assert "occupation" not in facts(("customer", said)), said


def test_what_the_code_review_found(intent_lex):
    """买不买 asks (the A-not-A's modal is optional); 14点 is the afternoon; a year's sum after a monthly cue is not
    monthly (退休金一年三万六), 每年 earnings are a year's; the longest verb of a role is stripped (当过); a pair of
    children later in a turn is read; a long branch name after an account word holds no city of the caller's; a
    negation after a time that does not govern the call keeps the time (晚上不忙的时候给我打); an unknown
    [products] agent_read_field is an error that names the choices."""
    from callintel.nlp.intent import _negated
    from callintel.nlp.profiles.reader import ProfileLexicon

    assert not _negated("那我到底要买不买这个意外险呢", 5, intent_lex) and _negated("我不想买了", 3, intent_lex)
    assert facts(("customer", "你们14点以后打吧。"))["preferred_contact_time"] == "下午"
    assert facts(("customer", "晚上不忙的时候给我打。"))["preferred_contact_time"] == "晚上"
    assert "income_band" not in facts(("customer", "我退休金一年三万六。"))
    assert facts(("customer", "我每年工资五万。"))["income_band"] == "<5000"
    assert facts(("customer", "我以前是当过老师的。"))["occupation"] == "老师"
    assert facts(("customer", "他家一儿一女，我一儿一女。"))["children"] == "2"
    assert "city" not in facts(("customer", "开户行是北京市海淀区中关村支行。"))
    products = {**LEX.data["products"], "agent_read_field": "policies"}
    with pytest.raises(ValueError, match="policies_on_file"):
        extract([("agent", "您名下有一份重疾险。")], ProfileLexicon({**LEX.data, "products": products}, LEX.source))


def test_a_caller_who_takes_up_the_agents_offer_is_a_lead(intent_lex):
    """An agent's offer to present a product or have an adviser call says something of the caller only when the
    caller takes it up: assent standing as a word of its own, or asking to be called; a no, a deferral, a mere
    acknowledgement, an offer of a service matter, or assent to another question of the agent adds nothing."""
    offer = ("agent", "您这份是普通年金，保费不能抵税。您有兴趣的话，我可以安排专人给您详细介绍一下。")
    service = [("customer", "我卡里应该有钱的，怎么扣费没成功？"), ("agent", "银行返回余额不足，宽限期六十天。")]
    base = score_intent(service, intent_lex, LEX)

    def cue(turns):
        got = score_intent([*service, *turns], intent_lex, LEX)
        return any(c.startswith("offer:") for c in got.cues), got.score

    for said in ("嗯……可以，那你让人过两天打给我，工作日晚上七点以后。", "要得，你叫他晚上打给我吧。",
                 "你让顾问明天打给我吧，下午。", "好嘞。", "好的呀，你叫她晚上七点以后打给我。", "冇问题，叫佢打嚟啦。",
                 "要的要的，你安排一下。", "麻烦你们安排一下。", "对对对，你安排一下。", "啊，可以，让他打吧。"):
        fired, score = cue([offer, ("customer", said)])
        assert fired and score > base.score, said
    # what the review of the cue found (each a class): a reply that only notes, closes, defers or declines ...
    for said in ("好的，不用了，谢谢。", "不用不用，我就问问扣费。", "哦，我晓得了。", "好的，我知道了。",
                 "行吧，我先挂了。", "好的，暂时先不考虑，谢谢。", "行，等我有需要再说吧。", "好的，我已经买过了。",
                 "嗯，好的，我回头看看邮件。", "中，就这些了，谢谢。", "行，你别让他打给我就行。",
                 "行程还没定呢，下次再说。", "可以不买吗？我就想问扣费。"):
        assert cue([offer, ("customer", said)]) == (False, base.score), said
    # ... an offer of a service matter, and assent to another question asked in the offer's turn
    for agent, said in (("我这边马上安排专人上门查勘。", "好的，快点啊。"),
                        ("好的，我给您介绍一下理赔流程。", "好的，你说。"),
                        ("非常抱歉，我安排同事给您回电处理投诉。", "可以，尽快。"),
                        ("请问您的手机号还是138开头那个吗？有兴趣的话我可以安排顾问给您介绍一下新产品。",
                         "可以，是那个号。")):
        assert cue([("agent", agent), ("customer", said)]) == (False, base.score), agent
    # the caller's yes after a backchannel or the agent's short prompt is still the reply
    assert cue([offer, ("agent", "您看可以吗？"), ("customer", "可以，让他打给我。")])[0]
    assert cue([offer, ("customer", "嗯。"), ("customer", "可以，你让人联系我。")])[0]
    # what the code review found: a short question of the agent is no prompt on the offer, at most two turns are
    # passed, a prompt in the offer's own turn is no other question, a later offer in a turn that began with a
    # service matter counts, an errand is no offer, a refusal starts a word (特别, 区别 decline nothing), and the cue
    # names the agent's offer
    assert not cue([offer, ("agent", "手机号还是那个吗？"), ("customer", "对。")])[0]
    assert not cue([offer, ("agent", "喂？"), ("agent", "您好？"), ("agent", "还在吗？"), ("customer", "好的。")])[0]
    assert cue([("agent", "您有兴趣的话我可以安排专人给您介绍一下。您看可以吗？"), ("customer", "可以。")])[0]
    assert cue([("agent", "我安排专人给您处理。另外有兴趣的话可以安排专属顾问给您介绍一下我们的重疾险。"),
                ("customer", "可以。")])[0]
    for errand in ("我这边安排同事给您回个电话确认一下。", "我安排业务员明天给您把保单送过去。",
                   "我可以安排专人联系您，手机号还是尾号1234那个吗？"):
        assert not cue([("agent", errand), ("customer", "好的。")])[0], errand
    for said in ("好的，我特别感兴趣。", "可以，你让人打给我，我想比较一下跟别家的区别。"):
        assert cue([offer, ("customer", said)])[0], said
    got = score_intent([*service, offer, ("customer", "可以。")], intent_lex, LEX)
    assert "offer:给您详细介绍@3" in got.cues and got.evidence_turn == 3
    # goodbye is no yes, but a yes that asks to be called and then says goodbye is one (the session-35 review)
    for said in ("好，再见。", "好的，先这样吧。", "行，拜拜。"):
        assert not cue([offer, ("customer", said)])[0], said
    for said in ("可以，让他明天打给我吧，再见。", "好的，你叫顾问晚上联系我，先这样，拜拜。"):
        assert cue([offer, ("customer", said)])[0], said
    # ... and a complaint or a refusal in the words of a request is none (the review of that change)
    for said in ("我没让你们打给我啊，先挂了。", "谁让你们打给我的？拜拜。", "请勿打给我，再见。",
                 "谁叫你们打给我的？"):
        assert not cue([offer, ("customer", said)])[0], said
    # assent with no offer before it is an answer to something else
    assert score_intent([*service, ("customer", "可以，那你让人打给我。")], intent_lex, LEX).score == \
        score_intent([*service, ("customer", "那你让人打给我。")], intent_lex, LEX).score

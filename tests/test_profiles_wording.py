"""Profiles read wording the development calls never used: a maintained gazetteer for places, ages from any
stated number, occupations said in any construction (nlp/profiles/, nlp/places.py). Pure functions."""

from __future__ import annotations

from callintel.nlp.places import city_names, find_places
from callintel.nlp.profiles import cn_amount, extract
from callintel.nlp.profiles import lexicon_from_settings as profile_lexicon
from callintel.settings import load_settings

LEX = profile_lexicon(load_settings())


def facts(*turns: tuple[str, str]) -> dict[str, str]:
    return {f.field: f.value for f in extract(list(turns), LEX) if f.field != "existing_policies"}


def test_gazetteer_names_every_prefecture_and_maps_districts():
    names = city_names()
    assert len({v for v in names.values()}) > 600  # prefecture cities and county-level cities, not a hand list
    assert names["延边朝鲜族自治州"] == names["延边"] == "延边"  # nationality words dropped
    assert names["南关区"] == "长春" and names["渝中区"] == "重庆"  # a district names its city
    assert "朝阳区" not in names  # in Beijing and in Changchun: says no city
    assert names["昆山"] == "昆山" and "吉林" in names and "广东" not in names  # provinces are not cities
    assert [c for _, _, c in find_places("我在丽江住，老家是延边朝鲜族自治州的")] == ["丽江", "延边"]


def test_the_northern_word_for_father_is_someone_else():
    """爹 (the North's and the Southwest's word for father) after the caller is another person, as 爸 is: his age and
    his policy are not the caller's; the caller saying they are someone's 爹 is a man."""
    assert "age" not in facts(("customer", "俺爹今年七十九了，腿脚不好。"))
    assert facts(("customer", "我今年五十二，俺爹八十了。"))["age"] == "52"
    assert facts(("customer", "俺是他爹。"))["gender"] == "男"


def test_a_county_said_without_its_suffix():
    """A county named bare (安溪, 乐东 of 乐东黎族自治县) is recorded as said, like a county-level city, when no
    other county shares the name and jieba's dictionary tags it a place (its prefecture city when the turn names
    that too); a county's bare name that is an everyday word (公安 of 公安县, 平和) is none."""
    names = city_names()
    assert names["安溪"] == "安溪" and names["乐东"] == "乐东" and names["安溪县"] == "泉州"
    assert "公安" not in names and "平和" not in names
    assert facts(("customer", "你好，我这边是安溪的，做茶的。"))["city"] == "安溪"
    assert facts(("customer", "我系乐东嘅，种芒果嘅。"))["city"] == "乐东"
    # the turn names the county's prefecture city too: the city, as for a county said with its suffix
    assert facts(("customer", "我是郸城那边，就是周口郸城县的。"))["city"] == "周口"
    assert "city" not in facts(("customer", "公安来了以后我就报了案。"))


def test_cities_the_old_hand_list_lacked():
    assert facts(("customer", "俺就住长春南关区这边。"))["city"] == "长春"
    assert facts(("customer", "我住渝中区，离你们网点远不远？"))["city"] == "重庆"
    assert facts(("customer", "我现在在丽江开客栈。"))["city"] == "丽江"


def test_a_city_said_after_its_province():
    """The cue that places the caller stands before the province (我在河南周口, 是江苏南通的), and a province that is
    also a city's name (吉林) before another city is that city's province."""
    assert facts(("customer", "俺家在河南周口，种了几亩地。"))["city"] == "周口"
    assert facts(("customer", "我们这边是江苏南通的。"))["city"] == "南通"
    assert facts(("customer", "我在江苏省南京市上班。"))["city"] == "南京"
    assert facts(("customer", "我在广西南宁。"))["city"] == "南宁"
    assert facts(("customer", "我在吉林长春。"))["city"] == "长春"
    assert facts(("customer", "我在吉林。"))["city"] == "吉林"
    assert "city" not in facts(("customer", "我去河南郑州出差了一趟。"))   # a visit, province or not


def test_city_here_and_we():
    assert facts(("customer", "社保的话杭州这边能交，下个月就续上。"))["city"] == "杭州"
    assert facts(("customer", "我跟我老公在重庆那边开了个店。"))["city"] == "重庆"
    assert facts(("customer", "我跟老伴儿从天津去海南住了两个月。"))["city"] == "天津"
    assert "city" not in facts(("customer", "我老公在重庆上班，我在老家带孩子。"))
    assert "city" not in facts(("customer", "我住老城区，离你们网点远不远？"))  # a part of any town


def test_city_of_the_callers_home_and_after_a_stay_with_someone():
    """我家 + a city is the caller's home (not 老家, where they come from, nor a relative's 家); a relative followed by
    a word of place (女儿家, 我妈那儿) is where the caller stayed, so the clause after it is still the caller's."""
    assert facts(("customer", "我家沈阳皇姑区那个房子的保险，今年没扣上。"))["city"] == "沈阳"
    assert facts(("customer", "我们家杭州那套房子。"))["city"] == "杭州"
    assert "city" not in facts(("customer", "我女儿家上海的，我过去住过。"))
    assert "city" not in facts(("customer", "我老家河南周口的。"))
    assert facts(("customer", "前段时间去上海女儿家住了半个多月，昨天才回扬州。"))["city"] == "扬州"
    assert "city" not in facts(("customer", "我女儿前段时间去上海出差，昨天才回扬州。"))


def test_city_part_then_here_and_the_insurers_office():
    """A part of the city (浦东, 光谷) may stand between the city and the word for here; a place the addressee has
    (你们北京这边有网点吗) is the insurer's office, and the home town before here (北京老家这边) is not where the
    caller lives."""
    assert facts(("customer", "上海浦东这边能办吗？"))["city"] == "上海"
    assert facts(("customer", "武汉光谷这边，鲁巷那个大超市。"))["city"] == "武汉"
    assert "city" not in facts(("customer", "北京老家这边还有个房子。"))
    assert "city" not in facts(("customer", "你们北京这边有网点吗？"))
    assert facts(("customer", "我在你们北京那个网点办的，我住天津。"))["city"] == "天津"


def test_occupation_said_in_any_construction():
    said = {
        "俺今年都七十二了，在一汽当了一辈子钳工。": "钳工",
        "我当了三十多年小学老师。": "小学老师",
        "我在苏州工业园区上班，做外贸跟单的。": "外贸跟单",
        "俺白天得出车，跑物流的。": "物流", "我是一个跑物流的。": "物流",
        "我在单位是管人事工资这块的。": "人事工资",
        "我自己是护士，在儿童医院上班。": "护士",
        "我以前在棉纺厂当挡车工。": "挡车工",
        "我刚毕业，在广州做新媒体运营。": "新媒体运营",
        "我在无锡做了二十年财务。": "财务",
        "我在设计院干了一辈子工程师。": "工程师",
        "我是做UI设计的，天天加班。": "UI设计",
        "我在我们县里的砖厂上班。": "工人",
        "我以前是中学会计，现在在家带孙子。": "中学会计",
        "俺是开大车的。": "货车司机",
        "我在工地上干活，搞装修的。": "装修",              # the work said wins over the kind of place
        "我在厂里干活，当电工。": "电工",
        "我在厂里上班，一个月四千多。": "工人",            # ... which still says it when nothing else does
    }
    for text, job in said.items():
        assert facts(("customer", text)).get("occupation") == job, text


def test_occupation_said_with_the_digits_speech_recognition_writes():
    """Whisper writes 30多年 where a person writes 三十多年, and jieba then fuses 当了 into one word."""
    said = {"我当了30多年小学老师。": "小学老师", "我在无锡做了20年财务。": "财务",
            "我在设计院干了30年工程师。": "工程师", "我当过10年质检员。": "质检员"}
    for text, job in said.items():
        assert facts(("customer", text)).get("occupation") == job, text


def test_occupation_words_that_are_not_one():
    for text in ("当地医生的意思是要么放支架。", "我上周在医院做了个手术。", "我这几天在外地跑工程。",
                 "我儿子是做程序员的。", "当时那个人一个字都没提。",
                 "我这个岁数还能不能再买一个管看病报销的？"):  # a 的-phrase bought, not the caller's work
        assert "occupation" not in facts(("customer", text)), text


def test_marital_constructions():
    assert facts(("customer", "俺老伴儿前年走了，就俺一个人在家。"))["marital_status"] == "丧偶"
    assert facts(("customer", "我一个人在杭州上班，男朋友都没有。"))["marital_status"] == "未婚"
    assert facts(("customer", "俺腿脚不利索，老头子也七十多了。"))["marital_status"] == "已婚"
    assert "marital_status" not in facts(("customer", "我儿子今年五一他结婚了，想把受益人改成他媳妇。"))
    assert "marital_status" not in facts(("customer", "业务员去忽悠一个七十八岁的老头子。"))


def test_a_spouse_word_that_described_someone_is_that_someone_when_said_again():
    """老头子 names the caller's husband said bare, unless the caller used it for someone described before
    (一个七十八岁的老头子): then a bare 老头子 later is that person again. A possessive still makes it the caller's."""
    about_father = [("customer", "业务员跑到我爸家里去忽悠一个七十八岁的老头子。"), ("agent", "您说的情况我记下了。"),
                    ("customer", "老头子眼睛都花了，合同他看得清吗？")]
    assert "marital_status" not in facts(*about_father)
    assert facts(*about_father, ("customer", "我家老头子也说这事得管。"))["marital_status"] == "已婚"
    # the description coming only later does not undo the caller's spouse said before it
    assert facts(("customer", "老头子也七十多了，腿脚不利索。"),
                 ("customer", "楼下有一个八十岁的老头子也被骗了。"))["marital_status"] == "已婚"
    assert facts(*about_father[:2], ("customer", "老头子去年走了。")).get("marital_status") != "丧偶"
    # 一个 that does not describe the spouse word: a span of time, a count of people
    assert facts(("customer", "一个多月前老伴查出来高血压。"), ("customer", "老伴现在还能买医疗险吗？"))[
        "marital_status"] == "已婚"
    assert facts(("customer", "就我一个人照顾老伴。"))["marital_status"] == "已婚"


def test_contact_time_clock_past_and_someone_else():
    assert facts(("customer", "你们回电的话下午四点以后打，我上课手机静音的。"))["preferred_contact_time"] == "下午"
    assert "preferred_contact_time" not in facts(("customer", "他今天出差，晚上我给他打电话说说。"))
    assert "preferred_contact_time" not in facts(("agent", "请问是什么时间打的电话？"),
                                                 ("customer", "上周四下午吧，三点多。"))


def test_gender_from_words_that_address_the_caller():
    got = facts(("agent", "女士您好，听到您父亲的情况我也很难过，希望叔叔治疗顺利。"))
    assert got["gender"] == "女"  # 叔叔 is spoken of, not addressed
    assert facts(("agent", "好的刘先生。您名下有一份保单。"))["gender"] == "男"


def policies(*turns: tuple[str, str]) -> set[str]:
    """The policies the caller says they hold (existing_policies)."""
    return {f.value for f in extract(list(turns), LEX) if f.field == "existing_policies"}


def on_file(*turns: tuple[str, str]) -> set[str]:
    """The policies the agent read from the caller's record (policies_on_file)."""
    return {f.value for f in extract(list(turns), LEX) if f.field == "policies_on_file"}


def test_policies_held_in_other_words():
    assert policies(("customer", "意外险我有，之前在别家买的，还有车险。")) == {"意外险", "车险"}
    assert policies(("customer", "我自己单位有团体的医疗险，宝宝就什么都还没有。")) == {"医疗险"}
    assert on_file(("agent", "好的钱阿姨，查到了。您在我们这儿有一份康顺重疾险。")) == {"重疾险"}
    assert on_file(("agent", "许女士您好，您在二〇二〇年投保了一份守护重疾险。")) == {"重疾险"}
    assert not policies(("customer", "我看网上说有的医疗险是一年一买。"))
    assert not policies(("customer", "我想给孩子买个重疾险。"))
    assert not policies(("customer", "我和我老公都没给自己买过重疾险。"))
    assert not policies(("customer", "买了这个医疗险，以后开车出点啥事也能报吗？"))  # the one on offer
    assert policies(("customer", "我这个医疗险能报门诊吗？")) == {"医疗险"}


def test_age_answer_is_the_first_clause_of_the_next_turn():
    got = facts(("agent", "方便问一下您今年多大吗？目前还有社保吗？"),
                ("customer", "二十九。社保……离职以后我打算按灵活就业自己接着交。"))
    assert got["age"] == "29"
    got = facts(("agent", "方便问一下您今年多大吗？"), ("customer", "29。社保离职以后我打算自己接着交。"))
    assert got["age"] == "29"  # as speech recognition writes it ("29.社保", normalised)


def test_income_bounds_and_ranges():
    assert cn_amount("三四万") == 30000 and cn_amount("五六千") == 5000
    got = facts(("customer", "现在两个人打零工，一个月加起来都不到五千。"))
    assert got["income_band"] == "<5000"
    assert facts(("customer", "厂里今年生意一般，一个月纯落个三四万吧。"))["income_band"] == ">20000"


def test_product_names_from_the_insurers_catalogue():
    """A brand name without a type word is typed from [products] names, which an insurer fills in."""
    import dataclasses

    data = {**LEX.data, "products": {**LEX.data["products"], "names": [["好医保", "医疗险"], ["达尔文", "重疾险"]]}}
    lex = dataclasses.replace(LEX, data=data)
    turns = [("customer", "我去年买了个好医保，还有达尔文。")]
    assert {f.value for f in extract(turns, lex) if f.field == "existing_policies"} == {"医疗险", "重疾险"}
    assert not policies(*turns)  # the shipped lexicon knows no brand names
    assert policies(("customer", "我有交强险。")) == {"车险"}


def test_other_voices():
    """Wording of neither development set (a motor line, a soldier, a stall keeper)."""
    assert facts(("customer", "我们俩是去年刚领的证，还没要孩子。")) == {"marital_status": "已婚", "children": "0"}
    assert facts(("customer", "我是当兵的，常年在部队，周末打给我吧。"))["occupation"] == "军人"
    assert facts(("customer", "我开了个修车铺，晚上八点以后有空。"))["occupation"] == "修车铺老板"
    assert facts(("customer", "我是外卖小哥，天天在路上跑。"))["occupation"] == "外卖小哥"
    assert facts(("customer", "我老家是四川的，现在在东莞打工，厂里上班。"))["occupation"] == "工人"
    got = facts(("customer", "我是个体户，在义乌做小商品批发的，一个月也就挣个七八千。"))
    assert got["income_band"] == "5000-10000" and got["city"] == "义乌"


def test_a_birth_year_is_the_callers_age_only_when_said_of_the_caller():
    """The masked turn keeps who the year was said of (我是[出生日期]的 / 我老公是[出生日期]的): the age read before
    masking (utterances.stated_age) is the caller's only in the first."""
    def age(text: str) -> str | None:
        got = extract([("agent", "您好"), ("customer", text)], LEX, stated_ages={1: 38})
        return next((f.value for f in got if f.field == "age"), None)
    assert age("我是[出生日期]的，现在买贵不贵。") == "38"
    assert age("我[出生日期]的，还没结婚。") == "38"
    assert age("我老公是[出生日期]的，想给他买。") is None
    assert age("我闺女是[出生日期]的。") is None


def test_gender_from_what_the_caller_is_to_someone():
    """A relative calling says what they are (我是他妈妈): a kinship term of one sex; calling on someone's behalf
    (我是给我妈问的) says nothing of the caller."""
    assert facts(("customer", "我是他妈妈，给他问问。"))["gender"] == "女"
    assert facts(("customer", "俺是孩子他爸。"))["gender"] == "男"
    assert facts(("customer", "我是被保险人的母亲。"))["gender"] == "女"
    for text in ("我是给我妈问的。", "我是替我爸打的电话。", "我是说我妈那份。", "我是在医院照顾老婆。", "我是陪老婆。",
                 "我是来看妈妈。"):
        assert "gender" not in facts(("customer", text)), text


def test_a_spouse_named_by_a_form_of_address_or_after_the_household():
    """我先生 / 我和先生 / 我家先生 name the caller's husband, 我太太 a wife; 先生 after 和 alone or ending an answer
    addresses the agent, and 俺家媳妇 is often a daughter-in-law."""
    assert "marital_status" not in facts(("customer", "俺家媳妇刚生了个孙子。"))
    for text in ("我和我先生都想买。", "我和先生都想买。", "我家先生在外地。"):
        assert facts(("customer", text)) == {"gender": "女", "marital_status": "已婚"}, text
    assert facts(("customer", "我太太身体不好。")) == {"gender": "男", "marital_status": "已婚"}
    for text in ("跟先生您说一下。", "是我，先生。", "好的先生。"):
        assert "marital_status" not in facts(("customer", text)), text


def test_children_none_and_colloquial_sons():
    assert facts(("customer", "孩子都没要。"))["children"] == "0"
    assert facts(("customer", "孩子还没生呢，刚结婚。"))["children"] == "0"
    assert facts(("customer", "俺家俩小子，都上学了。"))["children"] == "2"
    # goes on; an object; someone else's; 没有 of cover (answering whether the child has any); 二 an ordinal
    for text in ("孩子没事吧？", "我儿子没有医保。", "他们家孩子都没有。", "我女儿还没有呢，想给她买。",
                 "俺家二小子在外地打工。"):
        assert "children" not in facts(("customer", text)), text


def test_birth_decade_is_an_age_band():
    from datetime import date

    got = {f.field: f.value for f in extract([("customer", "我是80后，上有老下有小。")], LEX, date(2026, 11, 20))}
    assert got["age"] == "37-46"
    got = {f.field: f.value for f in extract([("customer", "俺闺女是九零后。")], LEX, date(2026, 11, 20))}
    assert "age" not in got  # someone else's


def test_occupation_compound_roles_and_self_description():
    # a role noun after a listed one makes one compound; 我是做 is stripped whole, not left as a qualifier
    assert facts(("customer", "我是做市场经理的，经常出差。")).get("occupation") == "市场经理"
    assert facts(("customer", "我是做项目经理的，白天开会多。")).get("occupation") == "项目经理"
    # 我一个退休的老头子: the caller describing himself, so what follows is still about him
    got = facts(("customer", "我这个退休的老头子，在纺织厂干了三十年。"))
    assert got.get("occupation") == "工人"
    assert "occupation" not in facts(("customer", "我老公一个人在纺织厂干了三十年。"))


def test_spouse_of_the_caller_is_a_construction():
    # first person (+ 和/跟 + first person) + a spouse word, however it is spelt out
    got = facts(("customer", "俺跟俺媳妇在县城开了个小饭馆。"))
    assert got.get("marital_status") == "已婚" and got.get("gender") == "男"
    got = facts(("customer", "这事我得回去和我丈夫商量。"))
    assert got.get("marital_status") == "已婚" and got.get("gender") == "女"
    assert "marital_status" not in facts(("customer", "我邻居跟她老公天天吵架。"))


def test_a_spouse_word_opening_a_clause_is_the_callers_own():
    """Mandarin drops the possessor the speaker means: a spouse word that opens the caller's clause with nobody
    named before it (…，老公在外地跑车) is the caller's spouse; one owned by another (她老公, 你老公) is not."""
    got = facts(("customer", "我这边开销大，老公在外地跑车，一个月回来一趟。"))
    assert got.get("marital_status") == "已婚" and got.get("gender") == "女"
    got = facts(("customer", "家里开销大，老婆在家带孩子，我一个人挣钱。"))
    assert got.get("marital_status") == "已婚" and got.get("gender") == "男"
    for said in ("她老公在外地跑车。", "你老公的保单也能查吗？", "人家老婆都说这个险好。"):
        assert "marital_status" not in facts(("customer", said)), said


def test_a_child_told_by_age_or_school_stage():
    """A child of the caller's placed by age or school stage (我儿子三岁, …，儿子才上小学一年级, 娃儿十二岁): one at
    least. The child noun follows the caller or opens the clause (the possessor Mandarin drops is the speaker's; the
    caller's spouse said before leaves it theirs); never another's child, a grandchild, nor a supposition."""
    for said in ("我儿子三岁。", "我今年三十八，女儿才上小学。", "老公工资也不高，儿子才上小学一年级，开销蛮大的。",
                 "婆娘四十三，娃儿十二岁，读初一。", "俺闺女今年上初三。"):
        assert facts(("customer", said)).get("children") == "1", said
    for said in ("我姐在北京，儿子上初中。", "她儿子上初中了，能买吗？", "孩子上大学的话保险还管吗？",
                 "孙子上小学，我天天接送。", "要是孩子上了大学，还能续吗？"):
        assert "children" not in facts(("customer", said)), said


def test_children_told_apart_by_birth_order():
    """Two or more birth-order terms, each opening a clause: as many children as the last says."""
    assert facts(("customer", "我家老大八岁，老二三岁。"))["children"] == "2"
    assert facts(("customer", "我家老大上班了，老二上大学，老三还在读初中。"))["children"] == "3"
    assert facts(("customer", "我俩孩子，大的上高中，小的上初中。"))["children"] == "2"
    assert facts(("customer", "俺家大的上高中，小的上初中，开销大。"))["children"] == "2"
    assert "children" not in facts(("customer", "我是老二，上面还有个哥哥。"))      # the caller's own place
    assert "children" not in facts(("customer", "他家老大八岁，老二三岁。"))        # someone else's household
    assert "children" not in facts(("customer", "大的保额不要，小的那个留着。"))    # sizes, not children


def test_facts_said_of_someone_else_are_not_the_callers():
    """A sex, an income or children said of a relative or of the insurer's staff, and a call already made."""
    assert "gender" not in facts(("customer", "我帮我妈问一下，她一个女的六十多了还能买吗"))
    assert "gender" not in facts(("customer", "你们那个男的业务员上次说可以退"))
    assert facts(("customer", "我一个女的，带俩孩子。"))["gender"] == "女"
    assert facts(("customer", "我当兵退伍下来的，一个大老爷们，不太懂这些。"))["gender"] == "男"   # a noun for a man
    assert "gender" not in facts(("customer", "他一个大男人还怕打针"))
    assert "income_band" not in facts(("customer", "我老公一个月挣两万多，家里主要靠他。"))
    # a cost in another clause is not what the amount is
    assert facts(("customer", "我月薪12000，房贷要还五千。"))["income_band"] == "10000-20000"
    assert "children" not in facts(("customer", "我姐家有三个孩子，她想问问能不能一起保。"))
    assert "preferred_contact_time" not in facts(("customer", "我上午已经打过一次了，一直没人接。"))
    assert facts(("customer", "明天晚上给我打过来。"))["preferred_contact_time"] == "晚上"   # 过来: a direction


def test_more_ways_to_say_a_fact():
    assert facts(("customer", "我怀孕五个多月了，想给自己买个保险还来得及不"))["gender"] == "女"
    assert "gender" not in facts(("customer", "她怀孕了能买吗"))
    assert facts(("customer", "我前妻那边把娃的保单停掉了"))["gender"] == "男"
    assert facts(("customer", "我就一个独生女，在读大学"))["children"] == "1"
    assert facts(("customer", "我屋里两个伢，大的都读初中了"))["children"] == "2"
    assert facts(("customer", "中午十二点到一点我休息，那时候打。"))["preferred_contact_time"] == "中午"
    assert facts(("customer", "礼拜六礼拜天都在屋里，那两天打我电话。"))["preferred_contact_time"] == "周末"
    assert "preferred_contact_time" not in facts(("customer", "上午都在开会，那会儿别打。"))

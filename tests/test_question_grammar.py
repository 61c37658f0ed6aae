"""Question detection reads interrogatives by their grammar (nlp/questions.py): an indefinite or approximate use
is no question, an asking one is. Hand-written sentences, pure functions."""

from __future__ import annotations

import pytest

from callintel.nlp.questions import load_cues, question_cue
from callintel.settings import load_settings


@pytest.fixture(scope="module")
def cues():
    return load_cues(load_settings())


@pytest.mark.parametrize("text", [
    "身体没啥大问题，就是有点胖。",        # negation before: "no ... to speak of"
    "我不是来买什么东西的，就是核对一下。",  # negation within the window
    "几点都行，我一天都在家。",              # universal 都 after
    "我交了二十几年了。",                    # 几 after a numeral: approximate
    "单子我都收着呢。",                      # durative 着呢 asserts
    "这不是明摆着的事嘛。",                  # 嘛 asserts the obvious
    "家里电视冰箱啥的都是我买的。",          # 啥的: "and so on"
    "金海花园三座102不对不对，是1202房。",    # a "no" said twice is no A-not-A question
    "看不看都一样，反正要交。",              # any verb's A-not-A before 都: "either way"
    "我爱买不买，反正不急。",                # after a concessive word: "whichever"
    "不管报不报我都要交。",
    "贵不贵的无所谓，能报就行。",            # ... or before a word closing "either way"
    "信不信由你。",
    "要钱没钱要人没人。",                    # 没 with a noun: not an A-not-A question
    "这不这个月又扣了。",                    # a pronoun in the shape
    "他动不动就给我打电话。",                # an adverb made of the form: "at every turn"
])
def test_indefinite_and_assertive_forms_are_not_questions(cues, text):
    assert question_cue(text, cues) is None


@pytest.mark.parametrize("text,cue", [
    ("这个要交几年", "interrogative"), ("什么时候能到账", "interrogative"), ("为什么没有扣款成功", "interrogative"),
    ("你们能不能不打了", "interrogative"), ("我那个保单还有效吗", "particle"), ("干嘛要重新交材料", "interrogative"),
    # unpunctuated, as Whisper often writes it: an A-not-A form asks whatever 都 follows it
    ("那以后是不是每年都得涨", "interrogative"), ("以后每年是不是都从这张卡上扣", "interrogative"),
    ("有没有都一样要交吗", "interrogative"),
    # any verb in the A-not-A form, unpunctuated as recognised speech writes it (能报不能报, 买没买, 喜不喜欢)
    ("俺那个医疗保险能报不能报", "interrogative"), ("这个险你买没买", "interrogative"),
    ("你喜不喜欢这个产品", "interrogative"), ("你们这个报不报销门诊", "interrogative"),
    ("你们领导在不在", "interrogative"), ("你到底赔不赔嘛", "interrogative"),
])
def test_asking_forms_still_ask(cues, text, cue):
    assert question_cue(text, cues) == cue


@pytest.mark.parametrize("text", [
    "那你给我改改吧。",            # the agent asked to act for the caller (benefactive 给)
    "你教我弄一下吧。",            # ... teaching 教
    "那你让主管中午打。",          # ... causative 让: whom to call back, when
    "您帮他们登记一下。",
    "电话也改一下，以前那个座机不用了。",  # a verb + 一下 closing its clause, no first person: "just do X"
    "我想约个体检。",              # what the caller wants done: first person + a modal of desire + a verb
    "俺想换张卡。",
    "你们给我改一下吧。",
    "你叫他给我回电话。",          # a prepositional phrase before the verb
    "那赶紧给我改过来吧。",        # the benefactive opening the clause: an imperative without 你
    "我换了号码，你改一下。",      # the agent addressed again: the caller is no longer the subject
    "把我的手机号改一下。",        # a first person as an object or possessor is not the subject
    "我的卡丢了，改一下。",        # ... in a clause before the request too (the same test, however it is reached)
    "地址改一下哈。",
    "把受益人换成我儿子。",        # the disposal construction opening and ending the clause: what the agent is to do
    "那就把钱退给我。",
    "把那个自动扣款取消掉。",
    "把它删了吧。",                # 了 closed by 吧: asked, not done
    "改个手机号。",                # a bare verb + classifier + noun as the whole clause
    "开个发票吧。",
    "你们给个说法吧。",            # ... 给 "give" before a measure word (jieba tags it a preposition there)
    "给个准话。",
    "寄一份纸质合同给我。",        # ... a noun of two words, the numeral, and whom it is for closing it
    "发个电子保单给我们吧。",
    "那你让他给俺打电话。",          # an idiom a verb opens (打电话) is the act asked for
    "你让他晚上八点以后打给我。",    # a clock time and a localiser before it
    "有事的话你们晚上打给我。",      # whom it is for after the verb, after a condition
    "你发个报价短信给我看看。",
    "麻烦发个短信给我。",            # 麻烦 + a verb or a disposal: the request without its pronoun
    "麻烦把材料清单发我微信上。",
    "让你们经理接电话。",            # "your" manager is who is to act; an idiom is the act
    "叫你们领导来跟我说。",
    "明天上午给我回个电话。",        # time words before the opening benefactive verb
    "你把客户经理的电话给我。",      # 把 + what + 给 + whom: 给 is the verb
    "有消息的话你们第一时间通知我",  # a verb of contacting the caller, ending the clause
    "你赶紧联系我",
    "你现在直接给我退了吧。",        # you, then when and how, before the benefactive; 了 closed by 吧
    "查勘员最好下午打过来。",        # an adverb of advice before a verb the caller does not do
    "他最好上午打给我，下午我忙。",
])
def test_requests_put_to_the_agent_without_an_opener(cues, text):
    assert question_cue(text, cues) == "request"


@pytest.mark.parametrize("text", [
    "我考虑一下吧。",                      # the caller's own act, not a request
    "我回去跟家里商量一下。",
    "一个月的收入一下就没了。",            # 一下就: "at once", an adverb
    "他给我打过好几次电话。",              # a third person acting, not the agent asked
    "你们这服务还挺周到。",
    "哦，我想起来了，当时是这么说的。",    # a complement makes 想 the verb: "I remember"
    "我想通了，不退了。",
    "我想应该不会吧。",                    # 想 as "think": a modal follows
    "我要上班了。",                        # bare 要: "about to"
    "我想先看看。",                        # putting off: an adverb, not a verb, follows
    "你给我寄的单子收到了。",              # a report: 的 after the verb
    "你给我打过电话。",                    # ... 过
    "你让我想想。",                        # 让我: "let me"
    "你打给我的那个电话没人接。",          # a report: 的 after whom it was for
    "你们上次打给我了。",                  # ... 了, and a past time word
    "你们昨天打给我说材料不全。",
    "这手续太麻烦了。",                    # 麻烦 as "troublesome"
    "麻烦死了。",
    "一点用都没有啊。",                    # 没有 after an adverb: a statement
    "貌似没有吧。",                        # 没有吧: a guess
    "给你钱还有名额限制。",                # 给 + the addressee: no one else to act
    "你们骗我。",                          # not a verb of contacting: an accusation
    "你们也没通知我。",                    # a negation before it: what was not done
    "你们通知我了。",
    "你让我很失望。",
    "那就让它自动扣吧。",                  # 它 is no person to ask
    "我晚上回家拿到卡，再给你们打过来吧。",  # the caller, the subject kept, acts
    "医生说要观察一下。",                  # reported speech
    "我换了号码，改一下。",                # the caller, the subject of the clause before, does it
    "我把钱交了。",                        # the caller disposes: the subject before 把
    "把鞋寄回去了。",                      # done: 了 last, no 吧
    "已经把号码过户了。",
    "把卡插到另外的手机也上不了网。",      # a narrative that goes on after the verb
    "买个保险还这么麻烦。",                # verb + classifier + noun that goes on
    "打个比方。",                          # an idiom jieba knows
    "我问个事。",                          # the caller as subject
    "要是把保单退掉，就亏大了。",          # a condition
    "如果把钱取出来，利息就没了。",
    "每天先把孩子送到学校，再去上班。",    # a habit
    "看个病，花了两万。",                  # verb + classifier + noun narrating: not the sentence's last clause
    "结婚了，有一个女儿。",                # the numeral without whom it is for: a description
    "是一份意外险。",
    "寄了一份合同给我。",                  # done
    "他寄一份合同给我。",                  # a third person as the subject
    "又发现一个小问题！",                  # a size, not a kind of thing asked for
    "你昨天给我打了三次。",                # a report: 了 with no 吧 after it
    "医生说最好去大医院看看。",            # advice reported
    "最好是下午。",                        # "preferably", no verb after it
])
def test_own_acts_and_adverbs_are_not_requests(cues, text):
    assert question_cue(text, cues) is None


@pytest.mark.parametrize("text", [
    "他问我要不要再加一份附加险",          # someone else's question, reported
    "我朋友问我这个保险划不划算",
    "他老是问我什么时候方便见面",
    "业务员问我有没有病",
    "好嘞，麻烦你了，再见",                # thanks
    "你们服务不怎么样",                    # 不怎么样: "not much good"
    "无论怎么样都不可能再装下了",          # "no matter how"
])
def test_reported_questions_and_thanks_are_not_questions(cues, text):
    assert question_cue(text, cues) is None


@pytest.mark.parametrize("text", [
    "他问我要不要加，我该怎么回他",        # the caller's own question after the reported one
    "你们那个APP登不进去怎么办",            # the negation is the caller's situation: 怎么办 still asks
    "那我要是现在不交了会怎么样",
    "么子时候可以把钱退给我",              # 么子: "what" in Hunan and Hubei Mandarin
    "我份保单乜嘢时候到期啊",              # Cantonese 乜嘢 "what"; 几时 "when"
    "几时能派人过来",
    "那个赔款打到卡上没有啊",              # a verb phrase + 没有, a particle after it
    "请把理赔结果的通知书寄给我",
    "请你把保单条款发到我邮箱里",
])
def test_questions_the_caller_asks_in_these_ways(cues, text):
    assert question_cue(text, cues) is not None

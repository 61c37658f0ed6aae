"""Names masked wherever they stand (speech/names.py): spelled out, answering the identity check, after a role
or a relative; and a name found once in a call is masked in all its turns."""

from __future__ import annotations

import pytest

from callintel.settings import load_settings
from callintel.speech.redact import mask_pii
from callintel.speech.text import transcript_from_turns


@pytest.mark.parametrize("text, masked", [
    # spelled out after the name: the spelling gives the name back, so it goes too
    ("雷振江，打雷的雷，振作的振，长江的江，后四位是0415。", "[姓名]，[姓名]，[姓名]，[姓名]，后四位是[尾号]。"),
    ("林可欣，双木林，可以的可，欣欣向荣的欣。", "[姓名]，[姓名]，[姓名]，[姓名]。"),
    ("我叫谭小琴，谭是言字旁加个西早那个谭，小是大小的小。", "我叫[姓名]，[姓名]，[姓名]。"),
    ("我姓钱，钱币的钱。", "我姓[姓名]，[姓名]。"),
    ("保单是我爸的，彭振华，振兴的振，中华的华。", "保单是我爸的，[姓名]，[姓名]，[姓名]。"),
    # a bare name answering the identity check, and the tail after it
    ("赵德胜，6618。", "[姓名]，[尾号]。"),
    ("杜晓燕。2265。", "[姓名]。[尾号]。"),
    # after a role or a relative, where the tagger reads a person
    ("车主叫王建国，他是我舅舅", "车主叫[姓名]，他是我舅舅"),
    ("问我爸孙国强那个理赔", "问我爸[姓名]那个理赔"),
    ("我是他爸爸胡建平。", "我是他爸爸[姓名]。"),
    ("俺是他老婆王秀兰。", "俺是他老婆[姓名]。"),
    ("被保险人是张伟，", "被保险人是[姓名]，"),
    ("驾驶员叫周海波", "驾驶员叫[姓名]"),
    ("是我本人，吴建军。", "是我本人，[姓名]。"),
    ("名字，刘德明，车牌粤B·7K", "名字，[姓名]，车牌[车牌]"),
    # a relative of anyone (您女儿, 俺闺女, 他哥), and a name before what it is (是我前妻) or before its romanisation
    ("这份保单是您女儿赵丽娜投保的", "这份保单是您女儿[姓名]投保的"),
    ("俺闺女王芳说能报", "俺闺女[姓名]说能报"),
    ("老伴马国平的保单", "老伴[姓名]的保单"),
    ("刘晓燕是我前妻，我们去年离了", "[姓名]是我前妻，我们去年离了"),
    ("邮箱是我自己的，林浩宇的拼音", "邮箱是我自己的，[姓名]的拼音"),
    # before what they are (是/的 + a role or relative, 本人), after a role said with how it is filled in
    ("张浩是被保险人", "[姓名]是被保险人"),
    ("我是李秀英的儿子", "我是[姓名]的儿子"),
    ("您是张建华本人吗", "您是[姓名]本人吗"),
    ("投保人写的是王建国", "投保人写的是[姓名]"),
    ("我找一下你们的业务员孙丽", "我找一下你们的业务员[姓名]"),
    ("用王阿姨本人的身份证", "用[姓名]阿姨本人的身份证"),   # a title stays for the caller's gender
])
def test_names_without_a_cue_word(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "车主叫车过来拖的", "我爸高血压十年了", "名字写错了怎么改", "好的，1234这个我记下了", "长短的长不对",
    "我老婆说不买了", "被保险人是我自己", "叫车过来", "叫什么名字", "他们都叫我老王", "谢谢，再见。",
    "华为手机的问题，2500块买的", "他哥们说能退", "女儿高血压", "我姐姐说不用", "保单是我爸的", "他就是我儿子",
    "这个拼音是什么", "医生说要观察", "这个是本人的", "客户的名字写错了", "我是客户本人", "高血压的家属",
    "支付宝的客服已经发给我", "支付宝的客户", "支付宝的名字",   # jieba's dictionary tags 支付宝 a person
])
def test_words_in_name_positions_stay(text):
    assert mask_pii(text) == text


@pytest.mark.parametrize("text, masked", [
    # speech recognition writes a surname's sound in other characters (谭 -> 潭, 赵 -> 照): after a self-introduction
    ("我叫潭小琴，潭是言字庞家各西藏那个潭，小是大小的小。", "我叫[姓名]，[姓名]，[姓名]。"),
    # or followed by the spelling of that surname
    ("恢复得还行，按照照福贵，照钱私里那个照，福气的福。", "恢复得还行，按照[姓名]，[姓名]，[姓名]。"),
    # a set spelling misheard (耳东陈 -> 二东城) between a name and its spelling: it goes too, and so does the rest
    ("陈美华，二东城，美丽的美，猪华的华。", "[姓名]，[姓名]，[姓名]，[姓名]。"),
    # after a self-introduction, up to a pause or a reply cue
    ("我叫潭琴手机号13800138000", "我叫[姓名]手机号[手机号]"),
    # a surname read otherwise than usual (曾 zeng, not ceng) is heard by that reading
    ("我叫增小明，身份证后四位1234", "我叫[姓名]，身份证后四位[尾号]"),
    # a set spelling heard by its sound (口天吴 -> 口天五) spells the surname heard the same way
    ("五海头，口天五，大海的海，波头的头，后六位是123478。", "[姓名]，[姓名]，[姓名]，[姓名]，后六位是[尾号]。"),
])
def test_names_heard_in_other_characters(text, masked):
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    # a surname's sound (行 xing, 月 yue) before a clause that happens to end in 之处 / 个月: no spelling of it
    "一旦到货会及时进行处理，目前给您带来的不便之处，还请谅解。",
    "要花一个月时间，维修说半个月，结果没修好。",
    "叫做现金价值，你记一下。",
    # after a self-introduction cue words that run on are no name (no pause after them)
    "我叫客服帮我查一下", "我叫人帮我办的", "我叫过两次救护车了", "我叫滴滴过去的", "姓名是必填的吗", "名字是写错了吗",
    # a filler clause after a name is no misheard spelling: what follows stays
    "钱扣到哪张卡，嗯，卡是我老婆的", "那就按照高标准，好吧，高是高了点",
])
def test_sounds_of_surnames_in_ordinary_text_stay(text):
    assert mask_pii(text) == text


def test_a_name_found_once_is_masked_in_every_turn_of_the_call():
    turns = [{"speaker": "customer", "text": "你好，我是周敏，昨天打过电话换扣款卡的。"},
             {"speaker": "agent", "text": "好的，户名是周敏对吧。"},
             {"speaker": "customer", "text": "发我邮箱，周敏的拼音就行。"}]
    t = transcript_from_turns("C1", turns, load_settings())
    assert not any("周敏" in u.text for u in t.utterances), [u.text for u in t.utterances]


def test_only_names_spread_to_the_other_turns():
    """Spelling clauses and words a title rule took (谢谢 before 阿姨) are masked where they stand, not call-wide."""
    turns = [{"speaker": "customer", "text": "孩子叫杜子航，杜甫的杜，孩子的子，航空的航。"},
             {"speaker": "agent", "text": "好的，谢谢阿姨。"},
             {"speaker": "customer", "text": "杜甫的诗我也喜欢，谢谢你，孩子的事就拜托了。"}]
    t = transcript_from_turns("C2", turns, load_settings())
    assert t.utterances[2].text == "杜甫的诗我也喜欢，谢谢你，孩子的事就拜托了。", t.utterances[2].text

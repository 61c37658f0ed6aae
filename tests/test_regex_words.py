"""Word lists become regex alternations one way (callintel/regex_words.py): escaped, longest first, and a list an
analyst emptied matches nothing instead of everywhere."""

from __future__ import annotations

import re

from callintel.regex_words import NEVER, alternation
from callintel.settings import load_settings
from callintel.speech.redact import RedactionRules, mask_pii


def test_words_are_literal_and_the_longest_is_tried_first():
    pattern = re.compile(alternation(["不用", "不用了", "a.b", "a+"]))
    assert pattern.match("不用了吧").group() == "不用了"     # not its prefix 不用
    assert pattern.fullmatch("a.b") and not pattern.fullmatch("axb")   # the dot is a dot
    assert pattern.fullmatch("a+") and not pattern.fullmatch("aa")


def test_the_same_words_give_the_same_pattern_in_any_order_or_container():
    words = ["乙", "甲甲", "甲"]
    assert alternation(words) == alternation(("甲", "甲甲", "乙", "甲")) == alternation(set(words))
    assert alternation(w for w in ["甲", "乙"]) == alternation(["乙", "甲"])


def test_no_words_match_nothing_even_inside_an_optional_group():
    assert alternation([]) == NEVER
    assert alternation(["", "后四位"]) == "后四位" and alternation([""]) == NEVER   # an empty word is no word
    assert re.search(alternation([]), "任何文字") is None
    assert re.fullmatch(rf"我(?:{alternation([])})?想", "我想")   # an emptied optional list lets the rest match


def test_emptied_cue_lists_of_the_masking_switch_their_rule_off():
    """An empty alternation matched everywhere: with no reply cues a clause-opening word with a surname's character
    (周末, 李子) was read as a name answering the identity check, and with no tail cues every 3-6 digit run as the
    tail of a number. An analyst's empty list must switch the rule off, not turn it on for every word."""
    texts = ["周末，你们上班吗", "李子，我家种的", "我的单号123456，是这个"]
    for cues in ([], [""], ["后四位", ""], ["后四位"]):
        rules = RedactionRules.from_settings(load_settings(overrides={"speech": {"redact": {
            "reply_cues": cues, "tail_cues": cues}}}))
        assert [mask_pii(t, rules) for t in texts] == texts

"""Derived text (topic names, key phrases, labels, script-library reasons) holds no mask and no number."""

from __future__ import annotations

from callintel.nlp.labels import UNNAMED, ctfidf_keywords, is_topic_name, topic_name
from callintel.nlp.tokenize import tokenizer_from_settings
from callintel.privacy import clean_label, label_is_clean
from callintel.settings import load_settings


def test_the_check_and_the_cleaner():
    for ok in ("扣款失败", "APP/官网登录与电子保单", "VIP客户续保"):
        assert label_is_clean(ok) and clean_label(ok) == ok
    for bad, cleaned in (("车牌A5M27X", "车牌"), ("车牌浙A", "车牌浙"), ("[姓名]的保单", "的保单"),
                         ("尾号5671", "尾号"), ("理赔R2026进度", "理赔进度")):
        assert not label_is_clean(bad) and clean_label(bad) == cleaned and label_is_clean(cleaned)


def test_a_topic_is_never_named_after_what_its_questions_held():
    """Key phrases come from callers' words: a plate or a claim number said in every question of a cluster
    would otherwise be its best c-TF-IDF word and its name."""
    tok = tokenizer_from_settings(load_settings())
    cluster = ["我的车牌A5M27X被扣分了怎么办", "车牌A5M27X违章扣分能处理吗", "A5M27X这个车牌扣分的事"]
    other = ["保费扣款失败怎么办", "银行卡扣款没成功"]
    keywords = ctfidf_keywords([[tok.tokens(q) for q in cluster], [tok.tokens(q) for q in other]], 5)
    assert keywords[0] and all(label_is_clean(w) for ws in keywords for w, _ in ws), keywords
    label = topic_name(keywords[0], cluster[0], tok.flag)
    assert label and label_is_clean(label), label
    assert label == UNNAMED or is_topic_name(label, tok.flag, tok.tokens), label
    assert topic_name([], "报案号R2026031500123查一下", tok.flag) == UNNAMED


def test_a_string_no_dictionary_knows_names_no_topic():
    """jieba's HMM glues unknown characters into one 'word' and guesses it a noun: a verb with a dialect particle
    (办嘛), the tail of one word and the head of the next. Such a fragment is no word to name a topic by; a word
    jieba's dictionary or the insurance terms know still is."""
    tok = tokenizer_from_settings(load_settings())
    glued = [w for q in ("这个事情咋个办嘛", "那到底咋办嘛") for w in tok.words(q) if len(w) > 1 and w not in tok.terms]
    fragments = [w for w in glued if not tok.known(w)]
    assert fragments, glued   # the HMM made a word no dictionary holds
    for w in fragments:
        assert tok.flag(w) == "x" and not is_topic_name(w, tok.flag, tok.tokens)
    for known in ("修理厂", "行驶证", "团险", "犹豫期"):   # jieba's words and an insurance term
        assert is_topic_name(known, tok.flag, tok.tokens), known
    assert topic_name([(fragments[0], 1.0), ("修理厂", 0.5)], "修理厂咋办嘛", tok.flag) == "修理厂"

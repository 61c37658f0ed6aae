"""jieba's default dictionary, the general-language one: word frequencies and part-of-speech tags.

Why one place: the masking rules (is a candidate name a common word, speech/names.py and speech/personal.py), the
term restorer (is a span a word of its own, speech/terms.py), the learned name tagger's second opinions
(speech/name_tagger.py) and eval pii's name count read jieba's default dictionary, not the insurance one of
nlp/tokenize.py. It is loaded once per process, and quietly: jieba logs its loading on stderr, which a filter such
as `callintel mask` must keep to its own messages.
"""

from __future__ import annotations

import logging
from functools import lru_cache


@lru_cache(maxsize=1)
def default_jieba():
    """jieba's default tokenizer (jieba.dt), its dictionary loaded, its loading messages kept off stderr."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.initialize()
    return jieba.dt


def frequency() -> dict[str, int]:
    """word -> frequency in jieba's general dictionary (0 or absent: not a word of it)."""
    return default_jieba().FREQ


def total() -> int:
    """The sum of those frequencies (the unigram model's denominator)."""
    return int(default_jieba().total)


def pos_tagger():
    """jieba's default part-of-speech tagger (jieba.posseg.dt) over that dictionary: `cut(text)` gives
    (word, flag) pairs; `word_tag_tab` is the dictionary's tag of each word."""
    default_jieba()
    import jieba.posseg

    return jieba.posseg.dt


def is_common(word: str, at_least: int) -> bool:
    """The word is an everyday word: jieba's dictionary counts it `at_least` times (高血压, 和平: not a name)."""
    return (frequency().get(word) or 0) >= at_least

"""jieba words with the insurance dictionary, for topic labels and keyword vectors.

A private `jieba.Tokenizer` per dictionary (not jieba's global one), so loading the insurance
terms never changes how another stage segments, and two settings can coexist in one process.
Without the dictionary jieba splits 犹豫期 / 现金价值 / 重疾险 into pieces that make poor labels.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

import jieba
import jieba.posseg

from callintel.files import read_lines

_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_MASK = re.compile(r"\[[^\]]{1,12}\]")  # [手机号], [身份证号]: masks are not topic words


class Tokenizer:
    """`tokens(text)` -> content words (stop words, punctuation, numbers and masks removed)."""

    def __init__(self, dictionary: str | Path | None, stopwords: str | Path | None, default_freq: int = 2000):
        jieba.setLogLevel(logging.WARNING)   # before loading: jieba logs its loading on stderr
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        self.terms: list[str] = []
        if dictionary:
            for line in read_lines(Path(dictionary)):
                parts = line.split()
                freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else default_freq
                tag = parts[2] if len(parts) > 2 else None
                self._jieba.add_word(parts[0], freq, tag)
                self.terms.append(parts[0])
        self.stopwords = frozenset(read_lines(Path(stopwords))) if stopwords else frozenset()
        self._pos = jieba.posseg.POSTokenizer(self._jieba)

    def words(self, text: str) -> list[str]:
        """All jieba words, nothing removed."""
        return self._jieba.lcut(_MASK.sub(" ", text))

    def flag(self, word: str) -> str:
        """jieba's part of speech of `word` said alone: what topic names are checked against (nouns, not person or
        place names, not times or numerals). "x" when jieba splits it, and when no dictionary (jieba's, the
        insurance terms) knows it: a string jieba's HMM glued together from unknown characters (a dialect particle
        with a verb, 办嘛; the tail of one word and the head of the next, 人带) gets a guessed noun tag, but it is a
        fragment of speech, never a word to name a topic by."""
        tagged = self._pos.lcut(word)
        return tagged[0].flag if len(tagged) == 1 and self.known(word) else "x"

    def known(self, word: str) -> bool:
        """Whether jieba's dictionary or the insurance terms hold `word` (jieba keeps every word's prefixes in
        the same table at count 0: those are no words)."""
        return bool(self._jieba.FREQ.get(word))

    def pos(self, text: str) -> list[tuple[str, str]]:
        """(word, jieba part of speech) of every word, masks removed: topical words are nouns, not names."""
        return [(p.word, p.flag) for p in self._pos.lcut(_MASK.sub(" ", text)) if p.word.strip()]

    def tokens(self, text: str) -> list[str]:
        return [w for w in self.words(text)
                if w.strip() and _WORD.search(w) and w not in self.stopwords and not w.isdigit()]


@lru_cache(maxsize=4)
def load_tokenizer(dictionary: str, stopwords: str, default_freq: int = 2000) -> Tokenizer:
    """One tokenizer per (dictionary, stop words): building one reads jieba's 5 MB dictionary."""
    return Tokenizer(dictionary or None, stopwords or None, default_freq)


def tokenizer_from_settings(settings) -> Tokenizer:
    cfg = settings["topics"]
    return load_tokenizer(str(settings.config_file(cfg["dictionary"])) if cfg.get("dictionary") else "",
                          str(settings.config_file(cfg["stopwords"])) if cfg.get("stopwords") else "",
                          int(cfg["dict_default_freq"]))

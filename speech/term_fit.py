"""How near two syllables sound, and whether a rewrite makes a sentence a better word sequence.

The sound-based term repair (speech/terms.py) rewrites a span to a term when their toneless pinyin match.
Whisper on telephone audio also gets one syllable of a long term slightly wrong: a nasal coda added or
dropped (宽限期 heard as 宽陷清, qi/qing), a retroflex or an aspirate confused (续不上 as 去不上, xu/qu),
a medial changed (全额 as 钱额, quan/qian). Such near syllables are what `Confusions` describes (initials
and finals that sound alike, from [speech.terms]); a span one near syllable off a long term is only a
candidate. Whether it is rewritten is decided by `WordModel`: jieba's dictionary frequencies as a unigram
language model (the domain's terms given at least a domain frequency), the best segmentation of the
sentence with the rewrite must score higher than without it. Correct text is made of words, so a rewrite
there breaks words and scores lower; a misheard term is a run of characters no word covers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

_INITIALS = ("zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r", "z", "c",
             "s", "y", "w")


@lru_cache(maxsize=1 << 14)
def split_syllable(syllable: str) -> tuple[str, str]:
    """(initial, final) of a toneless syllable: zhuang -> (zh, uang), an -> ("", an)."""
    for initial in _INITIALS:
        if syllable.startswith(initial) and len(syllable) > len(initial):
            return initial, syllable[len(initial):]
    return "", syllable


@dataclass(frozen=True)
class Confusions:
    """Initials and finals that sound alike (pairs, either way), whether a nasal coda (-n, -ng) may be
    added or dropped (qi/qin/qing), and the whole syllables the recogniser was seen to hear as others
    (`learned`: (said, heard) pairs, one way; speech/confusions.py)."""

    initials: frozenset[frozenset[str]]
    finals: frozenset[frozenset[str]]
    nasal_coda: bool
    learned: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_pairs(cls, initials: list[list[str]], finals: list[list[str]], nasal_coda: bool,
                   learned: frozenset[tuple[str, str]] = frozenset()) -> Confusions:
        return cls(frozenset(frozenset(p) for p in initials), frozenset(frozenset(p) for p in finals), nasal_coda,
                   learned)

    def heard_as(self, said: str, heard: str) -> bool:
        """True when `said` was seen recognised as `heard` often enough to be a candidate (the learned table)."""
        return (said, heard) in self.learned

    def _near_final(self, a: str, b: str) -> bool:
        if frozenset((a, b)) in self.finals:
            return True
        return self.nasal_coda and _oral(a) == _oral(b) and bool(_oral(a))

    def near(self, a: str, b: str) -> bool:
        """True when syllables `a` and `b` differ in their initial or their final (not both), by a pair that
        sounds alike."""
        if a == b:
            return True
        (ia, fa), (ib, fb) = split_syllable(a), split_syllable(b)
        if ia == ib:
            return self._near_final(fa, fb)
        return fa == fb and frozenset((ia, ib)) in self.initials


def _oral(final: str) -> str:
    """A final without its nasal coda: ing -> i, ang -> a, in -> i."""
    for coda in ("ng", "n"):
        if final.endswith(coda):
            return final[: -len(coda)]
    return final


@dataclass
class WordModel:
    """Unigram word model: jieba's dictionary frequencies and the term lists' own (insurance_dict.txt: the words
    the analytics' tokenizer adds to jieba), the route jieba's cut takes; a character no word covers counts as a
    word seen once.
    """

    freq: dict[str, int]
    total: int
    extra: dict[str, int]
    max_len: int = 8
    context: int = 64

    def _logp(self, word: str) -> float | None:
        f = max(self.freq.get(word, 0), self.extra.get(word, 0))
        if f <= 0:
            return -math.log(self.total) if len(word) == 1 else None
        return math.log(f) - math.log(self.total)

    def segment(self, text: str) -> tuple[float, list[str]]:
        """(log-probability, words) of the best segmentation of `text`."""
        best: list[tuple[float, int]] = [(0.0, 0)] + [(-math.inf, 0)] * len(text)
        for end in range(1, len(text) + 1):
            for start in range(max(0, end - self.max_len), end):
                if best[start][0] == -math.inf:
                    continue
                lp = self._logp(text[start:end])
                if lp is not None and best[start][0] + lp > best[end][0]:
                    best[end] = (best[start][0] + lp, start)
        words, end = [], len(text)
        while end > 0:
            words.append(text[best[end][1]:end])
            end = best[end][1]
        return best[-1][0], words[::-1]

    def prefers(self, text: str, start: int, end: int, term: str, margin: float, common: frozenset[str]) -> bool:
        """True when `text` with [start, end) replaced by `term` reads better: the span holds a character that no
        word of `text`'s segmentation covers and that is not a `common` one-character word (是, 了, 的: said
        as such), and the segmentation with the term scores more than `margin` above the one without. Only the
        `context` characters either side are read: a word's reading depends on its neighbours, and segmenting a
        whole long turn once per candidate made a turn's cleaning grow with the square of its length."""
        lo = max(0, start - self.context)
        text, start, end = text[lo:end + self.context], start - lo, end - lo
        before, words = self.segment(text)
        pos, orphan = 0, False
        for word in words:
            if len(word) == 1 and start <= pos < end and word not in common:
                orphan = True
            pos += len(word)
        return orphan and self.segment(text[:start] + term + text[end:])[0] > before + margin

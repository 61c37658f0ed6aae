"""Insurance terms put back where Whisper heard their sound but wrote other characters.

Whisper base on 8 kHz calls gets the syllables of domain words right and the characters wrong:
理赔 -> 立陪, 保单 -> 宝丹, 受益人 -> 售议人, 重疾险 -> 中级线, 高血压 -> 高学压. Everything
downstream (questions, topics, resolution cues, analysts' searches) reads characters, so a span
whose toneless pinyin is exactly a term's is rewritten to the term. A vocabulary prompt could
not do this (it hurt the shared clips, see [speech] vocabulary_mode).

Guards, because a sound match can also be a real word that is meant (报废 sounds like 保费,
生肖 like 生效): a span that is itself a word of jieba's general dictionary (frequency at least
`keep_word_freq`: 重置 is not 中止) is left alone, and so is a span that would cut a dictionary word of its
sentence in two (建议保 in 建议保留 is not 医保; 体健 in 身体健康 is not 体检), and spans across
punctuation or digits. Spans in `keep` are never rewritten (一年一保 is not 医保). Fuzzy sounds
(zh/z, -ing/-in, xu/xi, ...) are used only for terms of at least `fuzzy_min_syllables`. Longest term
first, left to right; each change is counted so its effect is visible (transcript warnings).

Besides the term lists, the words the analytics match on are terms (`analytics_vocabulary`;
speech/domain_terms.py: taxonomy phrases, products, occupations, cities): a fact the analytics look for is a
word to get right. Of the taxonomy's phrases only those naming a thing (a jieba noun): cue fragments rewrote true
text (药什么 -> 要什么); the profile lexicons' occupations and product types are things by their kind (jieba tags
会计 a verb, 合同 an adjective).
Lexicon words from `analytics_min_chars` long, cities from `city_min_chars`: two-syllable place names are
hundreds of proper names whose sounds everyday speech makes all the time (卡是 -> 喀什, 将有 -> 江油). A
two-character span is rewritten toward a lexicon word of the analytics (会计, 余额, 合同) only when none of its
characters is one of jieba's `short_common_chars` most frequent one-character words (是, 的, 了, 着, 到, ...):
Whisper's misspellings of a domain word are content characters (快剂, 鱼鹅, 和同 is kept), whereas the everyday
phrases sounding like one lean on a particle or copula (急着 is not 记者, 老是 is not 老师). A span that is
itself a term is kept as said, even when another term sounds the same (能报吗, 能保吗). A span overlapping a
name cue of [speech.redact] (我叫, 我姓, 我是) is kept too: the masking that follows finds names by those cues
(我叫钱秀英 must not become 我交钱秀英, leaving the name unmasked).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from callintel.pinyin import Fuzzy, fuzz, syllables
from callintel.settings import Settings, options
from callintel.speech.domain_terms import analytics_parts

_HAN = re.compile(r"^[\u3400-\u9fff]+$")


@dataclass(frozen=True)
class TermSettings:
    """[speech.terms] in configs/callintel.toml (every key documented there)."""

    enabled: bool
    files: tuple[str, ...]
    analytics_vocabulary: bool
    analytics_min_chars: int
    city_min_chars: int
    short_common_chars: int
    min_chars: int
    keep_word_freq: int
    fuzzy_min_syllables: int
    fuzzy: Fuzzy
    keep: frozenset[str]

    @classmethod
    def from_settings(cls, speech: dict) -> TermSettings:
        raw = speech["terms"]
        return options(cls, raw, "speech.terms", enabled=bool(raw["enabled"]), files=tuple(raw["files"]),
                       fuzzy=tuple(tuple(p) for p in raw["fuzzy"]), keep=frozenset(raw["keep"]))


def read_terms(path: Path) -> list[str]:
    """Terms of a word list: the first field of each line; # starts a comment (jieba dictionaries work)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line.split()[0])
    return out


@lru_cache(maxsize=1)
def _general_frequency() -> dict[str, int]:
    import jieba

    jieba.setLogLevel(60)
    jieba.dt.initialize()
    return jieba.dt.FREQ


@lru_cache(maxsize=4)
def common_chars(n: int) -> frozenset[str]:
    """jieba's `n` most frequent one-character words: particles, copulas, pronouns (了是在和有他不我的...)."""
    freq = _general_frequency()
    return frozenset(sorted((w for w, f in freq.items() if len(w) == 1 and f), key=lambda w: -freq[w])[:n])


def _inside_words(text: str, freq: dict[str, int]) -> set[int]:
    """Positions strictly inside a dictionary word of the sentence's segmentation (身体健康: rare, a word)."""
    import jieba

    inside, pos = set(), 0
    for word in jieba.cut(text, HMM=False):
        if len(word) > 1 and freq.get(word, 0) > 0:
            inside.update(range(pos + 1, pos + len(word)))
        pos += len(word)
    return inside


def names_a_thing(term: str) -> bool:
    """True when jieba tags a word of `term` as a noun (n*, vn): 理赔款, 程序员, 杭州 name things; the
    taxonomy's cue fragments (要什么, 怎么样了) do not, and repairing toward them rewrote other words."""
    import jieba.posseg

    return any(flag.startswith("n") or flag == "vn" for _, flag in jieba.posseg.lcut(term, HMM=False))


@dataclass
class TermCorrector:
    """Rewrites spans that sound like a term (see the module docstring)."""

    settings: TermSettings
    terms: list[str]
    short: frozenset[str] = frozenset()  # two-character analytics words: rewritten toward only from content characters
    cues: tuple[str, ...] = ()  # the masking's name cues: never rewritten
    _by_sound: dict[int, dict[tuple[str, ...], str]] = field(default_factory=dict, repr=False)
    _terms: frozenset[str] = field(default=frozenset(), repr=False)

    def __post_init__(self) -> None:
        self.terms = sorted({t for t in self.terms if _HAN.match(t) and len(t) >= self.settings.min_chars},
                            key=lambda t: (-len(t), t))
        self._terms = frozenset(self.terms)
        for term in self.terms:
            self._by_sound.setdefault(len(term), {}).setdefault(self._key(term), term)

    @classmethod
    def from_settings(cls, settings: Settings) -> TermCorrector:
        opts = TermSettings.from_settings(settings["speech"])
        terms = [t for name in opts.files for t in read_terms(settings.config_file(name))] if opts.enabled else []
        listed = set(terms)
        if opts.enabled and opts.analytics_vocabulary:
            parts = analytics_parts(settings)
            terms += [t for t in parts["taxonomy"] if len(t) >= opts.analytics_min_chars and names_a_thing(t)]
            terms += [t for t in parts["profiles"] if len(t) >= opts.analytics_min_chars]
            terms += [t for t in parts["cities"] if len(t) >= opts.city_min_chars]
        short = frozenset(t for t in terms if len(t) == 2 and t not in listed)
        redact = settings["speech"]["redact"]
        return cls(opts, terms, short, tuple(redact["name_cues"]) + tuple(redact["weak_name_cues"]))

    def _key(self, text: str) -> tuple[str, ...]:
        fuzzy = self.settings.fuzzy if len(text) >= self.settings.fuzzy_min_syllables else ()
        return syllables(text, fuzzy)

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """(text with terms put back, [(what was written, the term)])."""
        if not self._by_sound or not text:
            return text, []
        freq = _general_frequency()
        plain = syllables(text)
        if len(plain) != len(text):  # one token per character is what the spans rely on
            return text, []
        fuzzy = tuple(fuzz(x, self.settings.fuzzy) for x in plain)
        cut = _inside_words(text, freq)
        keep = self.settings.keep_word_freq
        common = common_chars(self.settings.short_common_chars)
        cued = {k for cue in self.cues for m in re.finditer(re.escape(cue), text) for k in range(m.start(), m.end())}
        out, changes, i = [], [], 0
        while i < len(text):
            for n, table in self._by_sound.items():  # longest first
                span = text[i:i + n]
                if len(span) < n or not _HAN.match(span):
                    continue
                term = table.get((fuzzy if n >= self.settings.fuzzy_min_syllables else plain)[i:i + n])
                if term is None or (term != span and (freq.get(span, 0) >= keep or i in cut or i + n in cut
                                                      or span in self.settings.keep
                                                      or not cued.isdisjoint(range(i, i + n))
                                                      or (term in self.short and not common.isdisjoint(span)))):
                    continue
                if span in self._terms:  # a term that sounds like another (能报吗, 能保吗) is meant as said
                    term = span
                out.append(term)
                if term != span:
                    changes.append((span, term))
                i += n  # a term already right is kept whole, so no shorter term matches inside it
                break
            else:
                out.append(text[i])
                i += 1
        return "".join(out), changes

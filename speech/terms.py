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

Long terms (`fuzzy_min_syllables` and more; not the gazetteer's cities) are also taken back one syllable off, a
near syllable of [speech.terms] near_* (宽陷清 -> 宽限期, 年轻鲜 -> 年金险), and an exact-sound span of one that cuts
a word is weighed instead of kept (有限金价值 -> 有现金价值): both only when the words read better with the term
(speech/term_fit.py: a character of the span no word covers, and a better segmentation under jieba's frequencies).
Near also counts a syllable this recogniser was seen to hear as another (speech/confusions.py, learned from
transcripts and their truth: 投保严 -> 投保人, ren heard as yan).
A word the analytics look for, as written, is never cut by another's repair (年交保费 keeps 交保费, not 年缴).
The taxonomy's names of procedures and acts (`names_a_procedure`: 生存认证, 停售, 作废), tagged verbs, are matched by
their exact sound only, and the shortest (`toned_max_chars`) by their tones as well: Whisper writes what it heard
with characters of the same tones (停受 for 停售), while everyday words that merely share the toneless syllables
differ in tone (报障 is not 保障, 拒保 is not 举报).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from callintel.general_words import default_jieba, frequency, pos_tagger, total
from callintel.pinyin import Fuzzy, fuzz, same_tones, syllables
from callintel.settings import Settings, options
from callintel.speech import confusions
from callintel.speech.domain_terms import analytics_parts
from callintel.speech.term_fit import Confusions, WordModel

_HAN = re.compile(r"^[\u3400-\u9fff]+$")


@dataclass(frozen=True)
class TermSettings:
    """[speech.terms] in configs/callintel.toml (every key documented there)."""

    enabled: bool
    files: tuple[str, ...]
    analytics_vocabulary: bool
    analytics_min_chars: int
    compound_min_chars: int
    toned_max_chars: int
    city_min_chars: int
    short_common_chars: int
    min_chars: int
    keep_word_freq: int
    fuzzy_min_syllables: int
    fuzzy: Fuzzy
    keep: frozenset[str]
    near_initials: tuple[tuple[str, str], ...]
    near_finals: tuple[tuple[str, str], ...]
    near_nasal_coda: bool
    lm_term_freq: int
    lm_margin: float
    confusions_model: str
    confusions_min_count: int
    confusions_min_rate: float

    @classmethod
    def from_settings(cls, speech: dict) -> TermSettings:
        raw = speech["terms"]
        return options(cls, raw, "speech.terms", enabled=bool(raw["enabled"]), files=tuple(raw["files"]),
                       fuzzy=tuple(tuple(p) for p in raw["fuzzy"]), keep=frozenset(raw["keep"]),
                       near_initials=tuple(tuple(p) for p in raw["near_initials"]),
                       near_finals=tuple(tuple(p) for p in raw["near_finals"]),
                       lm_margin=float(raw["lm_margin"]),
                       confusions_min_rate=float(raw["confusions_min_rate"]))


def read_term_freqs(path: Path, default: int) -> dict[str, int]:
    """Each term of a word list with the frequency its line gives (jieba's "term freq tag"), else `default`."""
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if fields:
            out[fields[0]] = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else default
    return out


def read_terms(path: Path) -> list[str]:
    """Terms of a word list: the first field of each line; # starts a comment (jieba dictionaries work)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            out.append(line.split()[0])
    return out


def repair_files(settings: Settings) -> dict[str, Path]:
    """Every file the repair reads, by name: its term lists (read for the Whisper vocabulary too, so listed even
    when the repair is off), and when it is on the analytics' word lists and the learned confusions. Cache keys
    of repaired text hash these (speech.stage.cache_key, speech.transcripts.text_settings_digest)."""
    opts = TermSettings.from_settings(settings["speech"])
    files = {f"terms:{name}": settings.config_file(name) for name in opts.files}
    if opts.enabled and opts.analytics_vocabulary:  # the analytics' word lists are terms too (domain_terms.py)
        files |= {f"terms:{name}": settings.config_file(name) for name in
                  (settings["topics"]["taxonomy"], settings["profiles"]["patterns"])}
    if opts.enabled and opts.confusions_model:  # the syllables the repair takes as near (speech/confusions.py)
        files["terms:confusions"] = settings.config_file(opts.confusions_model)
    return files


def _open(key: tuple[str, ...], k: int) -> tuple[str, ...]:
    """`key` with syllable `k` left open ("*"): the index of terms one syllable off."""
    return (*key[:k], "*", *key[k + 1:])


@lru_cache(maxsize=4)
def common_chars(n: int) -> frozenset[str]:
    """jieba's `n` most frequent one-character words: particles, copulas, pronouns (了是在和有他不我的...)."""
    freq = frequency()
    return frozenset(sorted((w for w, f in freq.items() if len(w) == 1 and f), key=lambda w: -freq[w])[:n])


def _inside_words(text: str, freq: dict[str, int]) -> set[int]:
    """Positions strictly inside a dictionary word of the sentence's segmentation (身体健康: rare, a word)."""
    inside, pos = set(), 0
    for word in default_jieba().cut(text, HMM=False):
        if len(word) > 1 and freq.get(word, 0) > 0:
            inside.update(range(pos + 1, pos + len(word)))
        pos += len(word)
    return inside


# jieba tags of words that make a phrase a fragment of a sentence, not a name: pronouns and question words (r),
# adverbs (d), prepositions (p), numerals and measures (m, q), conjunctions (c), particles (u*, y), negations
_FUNCTION_TAGS = ("r", "d", "p", "m", "q", "c", "u", "y", "e", "o", "x")


def names_a_procedure(term: str, min_chars: int) -> bool:
    """True for a phrase of `min_chars` or more made only of content words of two or more characters (生存认证 =
    生存 + 认证, 健康告知, 申请理赔, 联系方式; from 2, one such word: 停售, 作废): the domain's names of procedures
    and acts, which jieba tags as verbs, unlike the taxonomy's cue fragments (怎么样了, 到哪一步, 能不能买).
    0 = none."""
    if min_chars <= 0 or len(term) < min_chars:
        return False
    words = pos_tagger().lcut(term, HMM=False)
    return all(len(w) >= 2 and not f.startswith(_FUNCTION_TAGS) for w, f in words)


def names_a_thing(term: str) -> bool:
    """True when jieba tags a word of `term` as a noun (n*, vn): 理赔款, 程序员, 杭州 name things; the
    taxonomy's cue fragments (要什么, 怎么样了) do not, and repairing toward them rewrote other words."""
    return any(flag.startswith("n") or flag == "vn" for _, flag in pos_tagger().lcut(term, HMM=False))


@dataclass
class TermCorrector:
    """Rewrites spans that sound like a term (see the module docstring)."""

    settings: TermSettings
    terms: list[str]
    short: frozenset[str] = frozenset()  # two-character analytics words: rewritten toward only from content characters
    cues: tuple[str, ...] = ()  # the masking's name cues: never rewritten
    listed: dict[str, int] = field(default_factory=dict)  # the term lists' words and frequencies (the word model)
    # the gazetteer's cities and the taxonomy's procedure names (names_a_procedure): matched by their exact sound only
    exact_only: frozenset[str] = frozenset()
    vocabulary: frozenset[str] = frozenset()  # every word the analytics look for: as written, never cut by a rewrite
    learned: frozenset[tuple[str, str]] = frozenset()  # (said, heard) syllables this recogniser confuses
    # exact-only terms so short (toned_max_chars) that their tones must agree too: 宝障 is 保障, 报障 is not
    toned: frozenset[str] = field(default=frozenset(), init=False, repr=False)
    _by_sound: dict[int, dict[tuple[str, ...], str]] = field(default_factory=dict, repr=False)
    # terms one syllable off, by their key with that syllable open: (term, the syllable fuzzy, plain)
    _near: dict[int, dict[tuple[str, ...], list[tuple[str, str, str]]]] = field(default_factory=dict, repr=False)
    _terms: frozenset[str] = field(default=frozenset(), repr=False)
    _lengths: list[int] = field(default_factory=list, repr=False)
    _confusions: Confusions | None = field(default=None, repr=False)
    _model: WordModel | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.terms = sorted({t for t in self.terms if _HAN.match(t) and len(t) >= self.settings.min_chars},
                            key=lambda t: (-len(t), t))
        self._terms = frozenset(self.terms)
        self.toned = frozenset(t for t in self.exact_only if len(t) <= self.settings.toned_max_chars)
        self.vocabulary = frozenset(t for t in self.vocabulary | self._terms if _HAN.match(t))
        self._lengths = sorted({len(t) for t in self.vocabulary}, reverse=True)
        opts = self.settings
        self._confusions = Confusions.from_pairs(list(opts.near_initials), list(opts.near_finals),
                                                 opts.near_nasal_coda, self.learned)
        for term in self.terms:
            key = self._key(term)
            self._by_sound.setdefault(len(term), {}).setdefault(key, term)
            if len(term) >= opts.fuzzy_min_syllables and term not in self.exact_only:  # one syllable off
                plain = syllables(term)
                for k in range(len(term)):
                    self._near.setdefault(len(term), {}).setdefault(_open(key, k), []).append((term, key[k], plain[k]))

    def _word_model(self) -> WordModel:
        if self._model is None:
            self._model = WordModel(frequency(), total(), self.listed,
                                    max(8, max((len(t) for t in self.terms), default=0)))
        return self._model

    @classmethod
    def from_settings(cls, settings: Settings) -> TermCorrector:
        opts = TermSettings.from_settings(settings["speech"])
        places: list[str] = []
        procedures: list[str] = []
        vocabulary: set[str] = set()
        listed = {t: f for name in opts.files for t, f in
                  read_term_freqs(settings.config_file(name), opts.lm_term_freq).items()} if opts.enabled else {}
        terms = list(listed)
        if opts.enabled and opts.analytics_vocabulary:
            parts = analytics_parts(settings)
            vocabulary = {t for part in parts.values() for t in part}
            things = {t for t in parts["taxonomy"] if names_a_thing(t)}
            terms += [t for t in parts["taxonomy"] if len(t) >= opts.analytics_min_chars and t in things]
            procedures = [t for t in parts["taxonomy"] if t not in things
                          and names_a_procedure(t, opts.compound_min_chars)]
            terms += [t for t in parts["profiles"] if len(t) >= opts.analytics_min_chars]
            places = [t for t in parts["cities"] if len(t) >= opts.city_min_chars]
            terms += places + procedures
        short = frozenset(t for t in terms if len(t) == 2 and t not in listed)
        redact = settings["speech"]["redact"]
        learned = (confusions.load(settings.config_file(opts.confusions_model), opts.confusions_min_count,
                                   opts.confusions_min_rate) if opts.enabled and opts.confusions_model else frozenset())
        return cls(opts, terms, short, tuple(redact["name_cues"]) + tuple(redact["weak_name_cues"]), listed,
                   frozenset(places + procedures) - set(listed), frozenset(vocabulary), learned=learned)

    def _key(self, text: str) -> tuple[str, ...]:
        fuzzy = self.settings.fuzzy if len(text) >= self.settings.fuzzy_min_syllables else ()
        return syllables(text, fuzzy)

    def _near_term(self, heard: tuple[str, ...], plain: tuple[str, ...], n: int) -> str | None:
        """The one term of `n` syllables that `heard` (fuzzy syllables; `plain`: the same without the fuzzy merges,
        which can take a syllable away from its near one: xu -> xi, then qu is not near) is one near syllable off
        (None: none, or several: the sound does not say which)."""
        table, found = self._near.get(n), set()
        if not table or self._confusions is None:
            return None
        for k in range(n):
            for term, fuzzy, said in table.get(_open(heard, k), ()):
                if (self._confusions.near(heard[k], fuzzy) or self._confusions.near(plain[k], said)
                        or self._confusions.heard_as(said, plain[k])):
                    found.add(term)
        return found.pop() if len(found) == 1 else None

    def _written_terms(self, text: str) -> list[tuple[int, int]]:
        """Spans of `text` that already are a term or another word of the analytics (longest first, left to right):
        what was said as written."""
        out, i = [], 0
        while i < len(text):
            n = next((n for n in self._lengths if text[i:i + n] in self.vocabulary), 0)
            if n:
                out.append((i, i + n))
            i += n or 1
        return out

    def correct(self, text: str) -> tuple[str, list[tuple[str, str]]]:
        """(text with terms put back, [(what was written, the term)])."""
        if not self._by_sound or not text:
            return text, []
        freq = frequency()
        plain = syllables(text)
        if len(plain) != len(text):  # one token per character is what the spans rely on
            return text, []
        opts = self.settings
        fuzzy = tuple(fuzz(x, opts.fuzzy) for x in plain)
        cut = _inside_words(text, freq)
        common = common_chars(opts.short_common_chars)
        cued = {k for cue in self.cues for m in re.finditer(re.escape(cue), text) for k in range(m.start(), m.end())}
        written = self._written_terms(text)

        def blocked(i: int, n: int, term: str, long: bool) -> bool:
            """The guards of the module docstring; a long term's span that cuts a word is weighed instead."""
            span = text[i:i + n]
            if (freq.get(span, 0) >= opts.keep_word_freq or span in opts.keep
                    or not cued.isdisjoint(range(i, i + n))
                    or (term in self.short and not common.isdisjoint(span))
                    or any(a < i + n and i < b and not (i <= a and b <= i + n) for a, b in written)):
                return True
            if i in cut or i + n in cut:
                return not long or not self._word_model().prefers(text, i, i + n, term, opts.lm_margin, common)
            return False

        out, changes, i = [], [], 0
        while i < len(text):
            for n, table in self._by_sound.items():  # longest first
                span = text[i:i + n]
                if len(span) < n or not _HAN.match(span):
                    continue
                long = n >= opts.fuzzy_min_syllables
                term = table.get((fuzzy if long else plain)[i:i + n])
                if term is not None and term != span and (
                        blocked(i, n, term, long)
                        or (term in self.toned and span not in self._terms and not same_tones(span, term))):
                    continue
                if term is None and long:  # one syllable near, kept only when the words read better with it
                    term = self._near_term(fuzzy[i:i + n], plain[i:i + n], n)
                    if term is None or blocked(i, n, term, long) or (
                            not self._word_model().prefers(text, i, i + n, term, opts.lm_margin, common)):
                        continue
                if term is None:
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

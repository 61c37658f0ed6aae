"""What every field's reader shares: the facts, the lexicon (configs/profile_patterns.toml), numbers said in words
(cn2an), clauses, and whether a clause speaks of the caller or of someone else (`ProfileReader.about_caller`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cn2an

from callintel.general_words import default_jieba, frequency, pos_tagger
from callintel.lexicon_files import read_lexicon
from callintel.mandarin import SENTENCE_ENDS
from callintel.nlp.places import find_places, places_by_sound, province_names
from callintel.regex_words import alternation
from callintel.settings import Settings

FIELDS = ("gender", "age", "city", "occupation", "marital_status", "children", "existing_policies",
          "income_band", "preferred_contact_time", "health_condition", "budget_concern", "insured_person",
          "policies_on_file")
MULTI_FIELDS = ("existing_policies", "health_condition", "policies_on_file")   # one fact per item, not per call
# The caller giving their name (我姓[姓名], 我叫李建国; not 我叫了个网约车): the readers see the warehouse's text,
# where a name is masked ([姓名], "[姓名]*明"), so the name is any run of up to eight characters but a space or a break.
NAME_GIVEN = r"(?:姓|叫(?![了过着]))[^\s，,。！!？?；;]{1,8}"


_CLAUSE = re.compile(r"[^，,。！!？?；;：:…\n]+")


@dataclass(frozen=True)
class Fact:
    """One profile fact of a call: field, normalised value, confidence, and the utterance that says it."""

    field: str
    value: str
    confidence: float
    turn: int  # utterance index (seq) in the call
    evidence: str  # the utterance text (masked in the warehouse)
    source: str  # customer (own words) or agent (the agent confirms it to the caller)


@dataclass(frozen=True)
class ProfileLexicon:
    data: dict[str, Any]
    source: str

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def places(self, text: str) -> list[tuple[int, str, str]]:
        """(position, name as said, city) of each place in `text`: the gazetteer (nlp/places.py) less
        [city] not_places, then [city] outside_gazetteer, then a city heard in other characters (航舟: by sound,
        [city] by_sound_min_syllables)."""
        found = [f for f in find_places(text) if f[1] not in self.data["city"]["not_places"]]
        if found:
            words = [(w.word, w.flag) for w in pos_tagger().cut(text)]
            found = [f for f in found if _whole_words(words, text, f[0], f[0] + len(f[1]))]
        for name in self.data["city"]["outside_gazetteer"]:
            j = text.find(name)
            if j >= 0 and not any(a <= j < a + len(n) for a, n, _ in found):
                found.append((j, name, name))
        least = self.data["city"]["by_sound_min_syllables"]
        if least:  # a city heard in other characters (航舟 for 杭州), where no found name is
            found += [f for f in places_by_sound(text, least, cut, in_dictionary)
                      if not any(a < f[0] + len(f[1]) and f[0] < a + len(n) for a, n, _ in found)]
        return sorted(found)


def _whole_words(words: list[tuple[str, str]], text: str, start: int, end: int) -> bool:
    """The span of `text` is not inside another jieba word (`words`, the text's, cut once): a name of the gazetteer
    that a word holds or a word before it runs into is not said (合作 of 合作社, 安顺 of 平安顺利), unless that word is
    a place to jieba (长春市) or the name with its province (吉林长春), an administrative word or 人 (长沙人). A word
    that starts inside the name and runs past it (原种 of 太原种玉米) leaves the name said."""
    at = 0
    for w, flag in words:
        a, at = at, at + len(w)
        if (a < start < at or a < end < at) and not flag.startswith("ns"):
            if start < a < end < at:
                continue   # a word from inside the name on past its end: jieba joined its last character to the
                # next word (太原 + 原种 of 在太原种玉米, 青岛市 + 市南区), the name is still said
            # a word holding the name: the rest of it; a word from before the name into it (平安 of 平安顺利): itself
            rest = w.replace(text[start:end], "", 1) if a <= start and end <= at else w
            if rest not in province_names() and not rest.startswith(_GOES_ON):
                return False
        if a >= end:
            break
    return True


_GOES_ON = ("市", "县", "区", "省", "州", "盟", "旗", "人")   # after a place name: its administrative words, 人


@lru_cache(maxsize=8)
def load_lexicon(patterns: str) -> ProfileLexicon:
    return ProfileLexicon(read_lexicon(patterns, "profile_patterns.toml", "[profiles] patterns"), str(patterns))


def lexicon_from_settings(settings: Settings) -> ProfileLexicon:
    return load_lexicon(str(settings.config_file(settings["profiles"]["patterns"])))


def cn_number(text: str) -> int | None:
    """三十五 -> 35, 七十六 -> 76, 十 -> 10, 41 -> 41 (cn2an); None when it is not a whole number below 1000."""
    if not text or len(text) > 4:
        return None
    try:
        value = cn2an.cn2an(text, "smart")
    except (ValueError, KeyError):
        return None
    return int(value) if float(value).is_integer() and 0 <= value < 1000 else None


def cn_amount(text: str) -> float | None:
    """Yuan in 一万五, 四千来块, 一万出头, 8000, 1.5万, 八千六, 三四万 (None when not an amount)."""
    m = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)(万|千)?", text)
    if m:
        return float(m.group(1)) * {"万": 10000, "千": 1000, None: 1}[m.group(2)]
    text = re.sub(r"(?<=[一二两三四五六七八九十])[来多几](?=[万千])", "", text)  # 一万来 / 四千多: about that
    text = re.sub(r"^([一二三四五六七八])[二三四五六七八九](?=[万千])", r"\1", text)  # 三四万: a range, its lower end
    if not re.fullmatch(r"[一二两三四五六七八九十]{1,3}[万千][一二两三四五六七八九]?", text):
        return None
    try:
        return float(cn2an.cn2an(text, "smart"))  # 一万五 -> 15000, 八千六 -> 8600
    except (ValueError, KeyError):
        return None


def text_clauses(text: str) -> list[tuple[int, str]]:
    """(start, clause) for each clause of `text` (shared with nlp/intent.py)."""
    return [(m.start(), m.group()) for m in _CLAUSE.finditer(text)]


def clause_at(text: str, pos: int) -> tuple[int, str]:
    """(start, clause) of the clause of `text` that holds `pos`; (0, text) when none does (punctuation there)."""
    return next(((a, c) for a, c in text_clauses(text) if a <= pos < a + len(c)), (0, text))


class ProfileReader:
    """Helpers over one lexicon: is a clause position about the caller, product types, cities."""

    def __init__(self, lex: ProfileLexicon):
        self.lex = lex
        p = lex["person"]
        self.self_words = tuple(p["self"])
        self.subject_words = tuple(w for w in p["self"] if w not in p["reflexive"])   # a clause's subject: not 自己
        # the two as regex alternations, built once per lexicon rather than at every clause
        self.me, self.subject = alternation(self.self_words), alternation(self.subject_words)
        self.relation = tuple(p["relation_after_self"])
        self.third = tuple(p["third_party"])
        self.caller_sex: str | None = None
        self.together = tuple(p["together"])
        self.place_of = tuple(p["place_of"])
        self.apposition = re.compile(rf"(?:{self.me})(?:[^。！!？?你您他她]{{0,12}}[，,])?"
                                     rf"(?:{alternation(p['apposition'])})[^，,。！!？?]{{0,6}}$")

    def caller_is(self, sex: str) -> None:
        """The caller's sex, once read: person nouns of that sex ([person] sex_of: 我这老头子 said by a man) are the
        caller describing themself, no longer someone else."""
        self.caller_sex = sex
        self.third = tuple(w for w in self.lex["person"]["third_party"] if self.lex["person"]["sex_of"].get(w) != sex)

    def own_sex_word(self, word: str) -> bool:
        """A person noun of the caller's own sex (老头子 said by a man): the caller, not a spouse."""
        return self.caller_sex is not None and self.lex["person"]["sex_of"].get(word) == self.caller_sex

    def _last_third(self, text: str) -> int:
        """Where the last third-party word of `text` starts, -1 if none; one in apposition to the caller
        (我一个退休的老头子, 俺这个老太婆, or a clause of its own after the caller's: 我都七十五了，一个老头子) is the
        caller describing themself, and one followed by a word of place
        (女儿家, 我妈那儿) is where the caller went: neither is someone else as a subject."""
        return max((i for w in self.third for i in [text.rfind(w)] if i >= 0 and not self.apposition.search(text[:i])
                    and not text[i + len(w):].startswith(self.place_of)), default=-1)

    def about_caller(self, clause: str, pos: int, speaker: str, prefix: str = "") -> bool:
        """The words before `pos` in this clause do not make someone else the subject. A clause without a
        subject takes it from the sentence before it (`prefix`): 他今年七十了，在老家种地 is about him."""
        before = clause[:pos]
        if prefix and speaker == "customer" and not any(w in before for w in self.self_words) \
                and not any(w in before for w in self.third):
            last_third = self._last_third(prefix)
            last_self = max((i for w in self.self_words for i in [prefix.rfind(w)]
                             if i >= 0 and not prefix[i + len(w):].startswith(self.relation)), default=-1)
            if last_third > last_self:
                return False
        if speaker == "agent":
            return "您" in before or "你" in before or not any(w in before for w in self.third)
        last_self = -1
        for w in self.self_words:
            i = before.rfind(w)
            while i >= 0:
                rest = before[i + len(w):] + clause[pos:pos + 3] if i + len(w) >= len(before) else before[i + len(w):]
                if not rest.startswith(self.relation) and not (w == "我" and rest.startswith("们家")):
                    last_self = max(last_self, i)
                    break
                i = before.rfind(w, 0, i)
        tail = before[last_self + 1:] if last_self >= 0 else before
        if last_self >= 0:  # 我跟我老公在重庆: "we", the caller included
            tail = re.sub(rf"^(?:{alternation(self.together)})(?:{self.me})?"
                          rf"(?:{alternation(self.relation)})儿?", "", tail)
        for t in self.third:
            j = tail.find(t)
            if j >= 0:
                # "我老公" itself contains 老公: a third-party word right after a first-person word counts
                return False
        if last_self < 0:
            # no subject: still the caller's own statement unless a relation noun is around
            return not any(w in before for w in self.third)
        return True

    def product_type(self, name: str) -> str | None:
        for key, value in self.lex["products"]["names"] + self.lex["products"]["types"]:
            if key in name:
                return value
        return None

    def product_names(self, clause: str) -> list[tuple[int, int, str]]:
        """(start, end, name) of each product said by a name of its own that holds no type keyword (三者险, 年度旅行险,
        车上人员责任险, 碎屏险): jieba's content words right before 险 or a word ending in 险 ([products] name_flags),
        as Mandarin names a line of cover. Not a word ending in an everyday 险 word (风险, 保险, 五险: `not_names`;
        平安保险, 高风险), nor one of two characters (团险, 财险: a line of business), nor what holds a proper noun."""
        if "险" not in clause:
            return []
        cfg = self.lex["products"]
        not_names = tuple(cfg["not_names"])
        words = [(w.word, w.flag) for w in pos_tagger().cut(clause)]
        out, at = [], 0
        ends = [at := at + len(w) for w, _ in words]
        flags = set(cfg["name_flags"])
        for k, (word, flag) in enumerate(words):
            if not word.endswith("险") or word.endswith(not_names) or (len(word) > 1 and flag not in flags):
                continue  # 保险, 风险, 好险 (a relief) and words ending so (平安保险, 高风险, 交五险): no product
            j = k
            # a one-character adjective joins only what follows it (碎 + 屏险), never 险 alone (好 + 险)
            while j > 0 and len("".join(w for w, _ in words[j - 1:k + 1])) <= cfg["name_max_chars"] and (
                    words[j - 1][1] in flags or (
                    len(words[j - 1][0]) == 1 and words[j - 1][1] == "a" and (j < k or len(word) > 1))):
                j -= 1
            while j < k and (words[j][0][:1] in cfg["name_not_first"] or (
                    len(words[j][0]) == 2 and words[j][0][0] == words[j][0][1])):
                j += 1   # 个学平险, 问问家财险: a classifier or a reduplicated verb jieba tagged as a noun
            name = "".join(w for w, _ in words[j:k + 1])
            if len(name) < cfg["name_min_chars"] or self.product_type(name):
                continue  # 险 alone, a line (团险, 财险); a name with a type keyword is read by its type
            out.append((ends[k] - len(name), ends[k], name))
        return out


def clause_prefix(text: str, start: int) -> str:
    """The sentence before the clause starting at `start` (from the last 。！？ before it)."""
    cut = max(text.rfind(ch, 0, start) for ch in SENTENCE_ENDS)
    return text[cut + 1:start]


def add_fact(out: list[Fact], field_: str, value: str, conf: float, turn: int, text: str, speaker: str) -> None:
    out.append(Fact(field_, value, round(conf, 3), turn, text, speaker))


def cut(text: str) -> list[str]:
    """jieba's words of `text` (unknown characters joined by its HMM), loaded on first use."""
    return list(default_jieba().cut(text))


def in_dictionary(word: str) -> bool:
    """A word of jieba's dictionary (loaded on first use)."""
    return bool(frequency().get(word))


def spouse_of_caller(spouse: Sequence[str], r: ProfileReader, titles: Sequence[str] = ()) -> re.Pattern[str]:
    """我老公, 俺媳妇, 我跟我爱人, 和老婆: a first-person word (or 和/跟), then a spouse word; or a spouse word opening
    the clause, whose dropped possessor is the speaker (…，老公在外地跑车: another's is said, 她老公). `titles` name a
    spouse only right after a first-person word (我先生, 我家先生, 我和先生): after 和 alone, 先生 may be the agent
    addressed. (俺家媳妇 is often a daughter-in-law: 家 stands only before a title.)"""
    me, together = r.me, alternation(r.together)
    words = alternation(spouse)
    one = "".join(w for w in r.self_words if len(w) == 1)
    if titles and one:
        joined = "".join(w for w in r.together if len(w) == 1)
        after = [f"(?<=[{one}])家?"] + ([f"(?<=[{one}][{joined}])"] if joined else [])
        # not after inclusive 咱 (咱男人说话算话), nor a title that goes on into another word (女人家, 男人缘, 男人婆)
        goes_on = "".join(r.lex["person"]["title_goes_on"])
        regional = [t for t in titles if t in r.lex["person"]["regional_spouse_titles"]]
        plain = [t for t in titles if t not in regional]
        words += rf"|(?:{'|'.join(after)})(?:{alternation(plain)})" if plain else ""   # after: lookbehinds
        if regional:
            words += rf"|(?<!咱)(?:{'|'.join(after)})(?:{alternation(regional)})(?![{goes_on}])"
    return re.compile(rf"(?:(?:{me})(?:(?:{together})(?:{me})?)?|(?:{together})|^\s*)({words})")

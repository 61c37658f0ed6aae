"""PII that is not a long number: names, birth dates, street addresses, e-mail, licence plates, card tails.

Numbers (phone, ID-card, bank-card) are speech.redact's; this module finds the rest, by cue and
shape, in normalised text (digits already Arabic). Each kind has its own token ([speech.redact.tokens]).

Names: a Chinese name is a surname from configs/surnames.txt plus one or two given characters,
taken only where something says a name is there: a self-introduction (我叫…, 我姓…, 我是…/本人…
when followed by a pause), a name answered to the agent's check (杨军，后四位…), a name with a
title (刘建国先生), a name spelled out (木子李, 长短的长). A bare surname + 先生/女士 keeps its
title ("[姓名]先生"): the surname alone identifies no one once the given name is gone, and the
profile extractor reads the caller's gender from 先生/女士 (samples' truth: gender from 马先生).
Candidates that are common words (jieba frequency >= name_max_word_freq: 高血压, 和平) are not names
where the cue is weak (我是…, a bare reply). Names found by where they stand without these cue words
(spelled out after the name, a bare name answering the identity check with a card tail, after 车主/我爸…)
are speech.names', and the digits right after such an answer are its ID tail (赵德胜，6618。).

Birth dates: a date (1976年5月, 1976年5月3日, 76年) before 出生/生的/生人, or after 出生日期/生日/
出生年月; and a year said as what a person is (我是88年的, 我老公是1985年的, 她92年的: Mandarin's usual way of
saying the year one was born), where 的 ends the clause; the cue words stay, the date goes. Ages stay (a profile
fact, not an identifier).

Addresses: the street part goes, the city and district stay (the profile keeps the caller's city):
a road with a house number (季华五路22号), a housing estate followed by building/unit/room
numbers (金海花园3座1202房), building/unit/room chains (3号楼2单元502室), and after an address cue
(地址是, 住在, 搬到) the road named there (东风中路), and a road or estate right after a district of the
gazetteer (某某区某某路某某小区, 某某区某某苑: an address read out or back with no number): whoever's it is, an
office's too (客服中心在历下区泺源大街), the cost of never leaving a caller's.

Card tails (尾号8842, 后四位3517): masked. Call centres use 姓名 + 身份证后四位 as the caller's
identity check (every shared call does), so a tail next to a name is a credential, and no analytic
reads it; a digit run of 3-6 within `tail_window` characters after a tail cue, in the same sentence,
that is not an amount (元, 岁, 号...).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from callintel.general_words import is_common
from callintel.mandarin import SENTENCE_ENDS, clause_end, linking_adverb
from callintel.pinyin import syllables
from callintel.regex_words import alternation
from callintel.speech.names import NameRules, find_names, is_heard_name, surname_sounds

_CJK = r"\u4e00-\u9fff"
_NUM = "0-9０-９零〇一二两三四五六七八九十百"
_STOP_SENTENCE = "。？！?!\n"
_BOUNDARY = re.compile(rf"[^{_CJK}A-Za-z0-9]|$")


@dataclass(frozen=True)
class PersonalRules:
    """[speech.redact] personal-data settings (see configs/callintel.toml for why each is set so)."""

    tokens: dict[str, str]
    surnames: frozenset[str]
    name_cues: tuple[str, ...]          # a name follows directly (我叫, 我姓, 姓名是)
    weak_name_cues: tuple[str, ...]     # a name follows only if a pause follows it (我是, 本人)
    reply_cues: tuple[str, ...]         # a bare name before these is an identity-check answer
    titles: tuple[str, ...]
    spelled_surnames: tuple[str, ...]
    name_stop_chars: str
    name_max_word_freq: int
    standalone_names: bool
    birth_cues: tuple[str, ...]
    birth_after: tuple[str, ...]
    address_cues: tuple[str, ...]
    address_window: int
    tail_cues: tuple[str, ...]
    tail_window: int
    tail_not_before: str
    role_cues: tuple[str, ...] = ()
    kin_cues: tuple[str, ...] = ()
    person_words: tuple[str, ...] = ()        # who a year is said of (我, 她, 我老公): the birth-year form
    naming_cues: tuple[str, ...] = ()         # after a kinship or role cue, these name (我老公叫…, 被保险人叫…)
    birth_asked: tuple[str, ...] = ()         # the agent asked the caller's birth date: the next answer's year is one
    heard_surname_cues: tuple[str, ...] = ()  # after these a surname may be heard in other characters (潭 for 谭)
    email_cues: tuple[str, ...] = ()          # after these, lower-case Latin words are parts of an address
    cue_links: tuple[str, ...] = ()           # between a role or kinship cue and the name: 写的是, 叫
    after_cues: tuple[str, ...] = ()          # a name just before these: 林浩宇的拼音
    tagger: bool = False                      # the learned tagger reads dates the patterns miss (name_tagger) ...
    tagger_threads: int = 1                   # ... with this many ONNX threads (the names' session: one model loaded)

    @property
    def names(self) -> NameRules:
        return NameRules(self.surnames, self.role_cues, self.kin_cues, self.spelled_surnames, self.name_stop_chars,
                         self.name_max_word_freq, surname_sounds(self.surnames), self.after_cues, self.cue_links,
                         self.titles)

    @classmethod
    def from_section(cls, redact: dict, surnames_file: Path) -> PersonalRules:
        """[speech.redact] with its surnames file already found (settings.config_file: a user's list wins)."""
        surnames = read_surnames(str(surnames_file))
        loose = set(redact["heard_surname_cues"]) - set(redact["name_cues"])
        if loose:
            raise ValueError(f"[speech.redact] heard_surname_cues must be name_cues too: {', '.join(sorted(loose))}")
        return cls(dict(redact["tokens"]), surnames,
                   tuple(redact["name_cues"]), tuple(redact["weak_name_cues"]), tuple(redact["reply_cues"]),
                   tuple(redact["titles"]), tuple(redact["spelled_surnames"]), redact["name_stop_chars"],
                   int(redact["name_max_word_freq"]), bool(redact["standalone_names"]), tuple(redact["birth_cues"]), tuple(redact["birth_after"]),  # noqa: E501
                   tuple(redact["address_cues"]), int(redact["address_window"]), tuple(redact["tail_cues"]),
                   int(redact["tail_window"]), redact["tail_not_before"],
                   role_cues=tuple(redact["name_role_cues"]),
                   kin_cues=kin_cues(redact["name_kin_possessors"], redact["name_kin_terms"]),
                   person_words=person_words(redact["name_kin_possessors"], redact["name_kin_terms"]),
                   naming_cues=tuple(redact["name_naming_cues"]), birth_asked=tuple(redact["birth_asked"]),
                   heard_surname_cues=tuple(redact["heard_surname_cues"]), email_cues=tuple(redact["email_cues"]),
                   cue_links=tuple(redact["name_cue_links"]), after_cues=tuple(redact["name_after_cues"]),
                   tagger=bool(redact["name_tagger"]), tagger_threads=int(redact["name_tagger_threads"]))


def person_words(possessors: list[str], terms: list[str]) -> tuple[str, ...]:
    """The words that say one person, longest first: the kinship cues and the singular pronouns among the
    possessors (我们 is several people; 我家 a household)."""
    singular = [p for p in possessors if len(p) == 1]
    return tuple(sorted(set(kin_cues(possessors, terms)) | set(singular), key=len, reverse=True))


def kin_cues(possessors: list[str], terms: list[str]) -> tuple[str, ...]:
    """Every kinship term after every possessor (我女儿, 您女儿, 他哥), and the terms of two or more characters alone
    (女儿, 老伴): one character alone (哥, 姐) is too often part of another word (哥们, 姐妹)."""
    return tuple(dict.fromkeys([p + t for p in possessors for t in terms] + [t for t in terms if len(t) > 1]))


@lru_cache(maxsize=8)
def read_surnames(path: str) -> frozenset[str]:
    names = set()
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        names.update(line.split())
    return frozenset(names)


def _name_at(text: str, i: int, rules: PersonalRules, given_max: int = 2) -> int:
    """End of a name (surname + up to `given_max` given characters) starting at i, or i when none."""
    for n in (2, 1):
        surname = text[i:i + n]
        if len(surname) == n and surname in rules.surnames:
            j = i + n
            while j < len(text) and j - i - n < given_max and re.match(f"[{_CJK}]", text[j]) \
                    and text[j] not in rules.name_stop_chars and not text.startswith(rules.titles, j):
                j += 1
            return j
    return i


def _pause_after(text: str, j: int, rules: PersonalRules) -> bool:
    """What ends a name said on its own: a pause (punctuation, the text's end), a title or a reply cue."""
    return bool(_BOUNDARY.match(text, j)) or text.startswith(rules.titles, j) or text.startswith(rules.reply_cues, j)


@lru_cache(maxsize=8)
def _naming_pattern(kin_cues: tuple[str, ...], role_cues: tuple[str, ...],
                    naming_cues: tuple[str, ...]) -> re.Pattern[str]:
    """A kinship or role cue, then a naming verb (built once per rules: the kinship cues are some 800 words)."""
    who = alternation((set(kin_cues) | set(role_cues)) - set(naming_cues))
    verbs = alternation(naming_cues)
    return re.compile(rf"(?:{who})(?:{verbs})")


_YEAR = r"(?:19|20)?[0-9]{2}年"                     # a year, its century said or not (1979年, 79年)
_MONTH_DAY = r"[0-9]{1,2}月(?:[0-9]{1,2}[日号])?"   # a month, and its day when said: after a year or alone
_ANSWERED_YEAR = re.compile(rf"^(?:[嗯哦啊噢][，,\s]*)?(?:我|俺|本人)?(?:是)?({_YEAR}(?:{_MONTH_DAY})?)"
                            r"(?=的|出生|生|[，。,.！!？?\s]|$)")


_DATE_PART = re.compile(rf"{_YEAR}|{_MONTH_DAY}|[0-9]{{1,2}}[日号]")


def answered_birth_date(text: str) -> list[tuple[int, int]]:
    """The spans of the date parts of a caller's answer to the agent's question about their birth, when a year opens
    it (您是哪年出生的？ 七九年的。 / 一九五零年……三月，三月八号): a birth date with no birth word of its own, which
    only the question shows; the month and day said after a pause are part of it."""
    if not _ANSWERED_YEAR.match(text):
        return []
    spans: list[tuple[int, int]] = []
    for m in _DATE_PART.finditer(text):
        if spans and spans[-1][1] == m.start():   # 1979年 + 3月5号: one date, one mask
            spans[-1] = (spans[-1][0], m.end())
        else:
            spans.append(m.span())
    return spans


def _acts(span: str) -> bool:
    """jieba reads a verb or an adverb in `span` said alone: 叫 was "have someone do" or the passive (医生叫查血,
    我老公叫车撞伤, 医生叫常复查), not "be named" (常胜 and 金星 read as names and nouns)."""
    from callintel.general_words import pos_tagger

    return any(flag.startswith(("v", "d")) for _, flag in pos_tagger().lcut(span))


def _heard_name_at(text: str, i: int, rules: PersonalRules) -> int:
    """End of a name at i whose surname may be written in other characters of its sound (speech.names
    `is_heard_name`: 潭小琴 for 谭小琴), followed by a pause, a title or a reply cue (我叫客服帮我查, 姓名是必填的
    are no names); i when none."""
    for n in (3, 2):
        if is_heard_name(text[i:i + n], rules.names) and _pause_after(text, i + n, rules):
            return i + n
    return i


_SPELL_PART = re.compile(rf"[{_CJK}]{{1,4}}的([{_CJK}])")


def _spelled_after(text: str, rules: PersonalRules) -> list[tuple[int, int]]:
    """A word of a surname and one or two more characters, then each of them spelled in a clause of its own (万里，
    一万两万的万，公里的里; 赵福贵，福气的福，富贵的贵: the given name alone may be spelled): a name, whatever else the
    word means. Nobody spells an everyday word character by character."""
    spans = []
    spelling = rf"((?:[，,、\s]+[{_CJK}]{{1,4}}的[{_CJK}]){{2,4}})(?=[，,、。！!？?\s…]|$)"
    for m in re.finditer(rf"([{_CJK}]{{2,4}}){spelling}", text):
        word, parts = m.group(1), [p for p in re.split(r"[，,、\s]+", m.group(2)) if p]
        spelled = "".join(s.group(1) for p in parts if (s := _SPELL_PART.fullmatch(p)))
        for n in (3, 2):   # the name is the word's last 2-3 characters (我叫万里: 叫 is no part of it)
            name = word[-n:]
            surname = name[:2] in rules.surnames or name[:1] in rules.surnames
            if len(name) == n and surname and len(spelled) >= 2 and spelled in (name, name[1:]):
                spans.append((m.start(1) + len(word) - n, m.start(1) + len(word)))
                break
    return spans


def _spans_names(text: str, rules: PersonalRules) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for cue in rules.name_cues:
        for m in re.finditer(re.escape(cue), text):
            i = m.end()
            j = _name_at(text, i, rules, 0 if cue.endswith("姓") else 2)
            if j == i and cue in rules.heard_surname_cues:
                j = _heard_name_at(text, i, rules)
            if j > i:
                spans.append((i, j))
    # a relative or a role then a naming verb (我老公叫常胜, 被保险人叫金星): named as surely as by 我叫, so a name
    # that is also a word is one here; it ends in a pause, a title or a reply cue (我老公叫车来接 names no one)
    if rules.naming_cues:
        for m in _naming_pattern(rules.kin_cues, rules.role_cues, rules.naming_cues).finditer(text):
            i = m.end()
            j = _name_at(text, i, rules)
            if j - i >= 2 and _pause_after(text, j, rules) and not _acts(text[i:j]):
                spans.append((i, j))
    for cue in rules.weak_name_cues:
        for m in re.finditer(re.escape(cue), text):
            i = m.end()
            j = _name_at(text, i, rules)
            if j - i >= 2 and _pause_after(text, j, rules) and not is_common(text[i:j], rules.name_max_word_freq):
                spans.append((i, j))
    # a bare name answering the identity check: "杨军，后四位0619"
    replies = alternation(rules.reply_cues)
    for m in re.finditer(rf"(?:^|(?<=[，,。？！?!\s…]))([{_CJK}]{{2,4}}?)[，,\s]?(?={replies})", text):
        i = m.start(1)
        j = _name_at(text, i, rules)
        # at the start of a turn ("和平，手机号…", Whisper's 何平) even a word is taken for the name
        if j == m.end(1) and j - i >= 2 and (i == 0 or not is_common(text[i:j], rules.name_max_word_freq)):
            spans.append((i, j))
    # a clause that is only a name: "，吴海涛。"
    if rules.standalone_names:
        for m in re.finditer(rf"(?<=[，,])([{_CJK}]{{3}})(?=[。！!…]|$)", text):
            i, j = m.span(1)
            if _name_at(text, i, rules) == j and not any(
                    is_common(text[a:b], rules.name_max_word_freq) for a, b in ((i, j), (i, i + 2), (i + 1, j))):
                spans.append((i, j))
    # a name with a title: 刘建国先生, 李先生 (the title stays: gender)
    for title in rules.titles:
        for m in re.finditer(re.escape(title), text):
            t = m.start()
            for n in (4, 3, 2, 1):
                i = t - n
                if i < 0:
                    continue
                if _name_at(text, i, rules, 3) >= t and all(c not in rules.name_stop_chars for c in text[i:t]) \
                        and re.fullmatch(f"[{_CJK}]+", text[i:t]) and (n >= 2 or text[i] in rules.surnames):
                    spans.append((i, t))
                    break
                # a misheard surname opening a clause: "核先生，查到了" (Whisper's 何先生)
                if n == 1 and (i == 0 or not re.match(f"[{_CJK}]", text[i - 1])) and \
                        re.match(f"[{_CJK}]", text[i]) and text[i] not in rules.name_stop_chars:
                    spans.append((i, t))
                    break
    spans += _spelled_after(text, rules)
    # spelled out: 木子李, 弓长张; and "X的Y" clauses whose Y is a character of X (长短的长, 福气的福)
    for spelled in rules.spelled_surnames:
        for m in re.finditer(re.escape(spelled), text):
            spans.append((m.start(), m.end()))
    for m in re.finditer(rf"(?:^|(?<=[，,、\s…]))([{_CJK}]{{2}})的([{_CJK}])(?=[，,、。\s…]|$)", text):
        if m.group(2) in m.group(1) and spans:
            spans.append((m.start(), m.end()))  # only in a text that names someone already
    return spans + find_names(text, rules.names, spans)


_DATE = rf"(?:{_YEAR}(?:{_MONTH_DAY})?|(?:19|20)[0-9]{{2}}[-./][0-9]{{1,2}}(?:[-./][0-9]{{1,2}})?)"


_LINK = r"(?:是|为|:|：|\s|就是)*"   # between a birth cue and its date: 生日是, 出生日期：


@lru_cache(maxsize=8)
def _link(cue_links: tuple[str, ...]) -> str:
    """What stands between a birth cue and its date: _LINK, or how a form's field is filled in, the cue links that
    end in 的 (出生年月填的是1990.06.23, 生日登记的是…); built once per rules, not per text."""
    filled = [re.escape(c) for c in sorted(cue_links, key=len, reverse=True) if c.endswith(("的", "的是"))]
    return rf"(?:{'|'.join(filled)})?{_LINK}" if filled else _LINK


_CLAUSE_END = clause_end()   # a particle at most, then the clause ends
# A year a caller was born in, said as what they are: four digits, or two of an adult's cohort (88年, 05年), not a
# recent year that is a policy's (我是10年的, 20年的: bought or started then)
_BIRTH_YEAR = r"(?:(?:19|20)[0-9]{2}|[3-9][0-9]|0[0-9])"


def _spans_birth(text: str, rules: PersonalRules) -> list[tuple[int, int]]:
    spans = []
    after = alternation(rules.birth_after)
    for m in re.finditer(rf"({_DATE}|[0-9]{{1,2}}月[0-9]{{1,2}}[日号])(?:的)?(?={after})", text):
        spans.append(m.span(1))
    cues = alternation(rules.birth_cues)
    date_or_md = rf"(?:{_DATE}|[0-9]{{1,2}}月[0-9]{{1,2}}[日号]?|(?:19|20)[0-9]{{6}})"
    for m in re.finditer(rf"(?:{cues}){_link(rules.cue_links)}({date_or_md})", text):
        spans.append(m.span(1))
    if rules.person_words:   # 我是88年的, 她92年的: a year as what a person is, 的 closing the clause
        who = alternation(rules.person_words)
        for m in re.finditer(rf"(?:{who}){linking_adverb()}是?({_BIRTH_YEAR}年(?:{_MONTH_DAY})?)的"
                             rf"{_CLAUSE_END}", text):
            if m.span(1) not in spans:
                spans.append(m.span(1))
    if rules.tagger and re.search(f"{cues}|{after}", text):
        spans += [s for s in _tagged_dates(text, rules.tagger_threads)
                  if s not in spans and _beside_birth_cue(text, *s, cues, after, _link(rules.cue_links))]
    return spans + _more_of_the_birthday(text, spans)


# a month and day said after a birth date in the same sentence, in either calendar (农历10月初八, 阳历11月十三)
_CALENDARS = ("农历", "阴历", "阳历", "公历", "新历", "旧历")
_CALENDAR_DAY = re.compile(rf"(?:{'|'.join(_CALENDARS)})?(?:[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}}|正|腊|冬)月"
                           r"(?:[0-9]{1,2}|初[一二三四五六七八九十]|[一二三]?十[一二三四五六七八九]?|廿[一二三四五六七八九]?"
                           r"|[一二三四五六七八九])[日号]?")


def _more_of_the_birthday(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The rest of a birthday said in parts: once a birth date is found, a month and day later in its sentence (我
    出生是72年，农历10月初八，身份证上写的是阳历11月十三) belong to it."""
    if not spans:
        return []
    start = last = max(b for _, b in spans)
    stop = min((i for i in (text.find(ch, start) for ch in SENTENCE_ENDS) if i >= 0), default=len(text))
    out = []
    for m in _CALENDAR_DAY.finditer(text, start, stop):
        # a calendar named (农历, 阳历), or right after the birth date with only a pause between: not a policy's date
        # later in the sentence (生日是1980年3月5号，那个保单10月1号到期)
        joined = re.fullmatch(r"的?[，,、\s]*", text[last:m.start()]) is not None
        if joined or m.group().startswith(_CALENDARS):
            out.append(m.span())
            last = m.end()
    return out


# A month or a numbered year (腊月二十三, 八五年), not 去年 or 下周三.
_DATE_WORD = re.compile(r"月|[0-9〇零一二三四五六七八九十两]年")


def _tagged_dates(text: str, threads: int = 1) -> list[tuple[int, int]]:
    """Dates the learned tagger reads (LAC's TIME, consecutive ones joined: 八五年 三月) that name a month or a
    numbered year: how a date is said varies past what a pattern lists (3月十二, 9月初三, 腊月二十三)."""
    from callintel.speech.name_tagger import tag

    spans: list[tuple[int, int]] = []
    at = 0
    for word, label in tag([text], threads)[0]:
        start, at = at, at + len(word)
        if label != "TIME":
            continue
        if spans and spans[-1][1] == start:
            spans[-1] = (spans[-1][0], at)
        else:
            spans.append((start, at))
    return [(a, b) for a, b in spans if _DATE_WORD.search(text[a:b])]


def _beside_birth_cue(text: str, start: int, end: int, cues: str, after: str, link: str) -> bool:
    """The date is a birth date: a birth cue just before it (生日是…) or a birth word just after it (…出生的)."""
    return re.search(rf"(?:{cues}){link}$", text[:start]) is not None \
        or re.match(rf"的?(?:{after})", text[end:]) is not None


_ROAD = r"(?:大道|大街|路|街|巷|弄|胡同)"
_ESTATE = r"(?:小区|花园|家园|公寓|新村|大厦|苑|庄园|社区|宿舍|家属院|大院)"   # 宿舍, 家属院: work-unit housing
_VILLAGE = r"(?:村|屯)"   # a village, and after it its group or team and house numbers (李庄村三组, 新桥村五组28号)
_VILLAGE_PART = r"(?:组|队|社|号)"
_UNIT = r"(?:号楼|号院|栋|幢|座|单元|层|楼|室|房|号)"
_ADMIN = r"(?:省|市|区|县|镇|乡|街道)"
_CHAIN = rf"(?:[，,\s]?[{_NUM}A-Za-z]+[-—]?{_UNIT})"   # one link of a building chain (3号楼, 2单元, 502室)


def _spans_address(text: str, rules: PersonalRules) -> list[tuple[int, int]]:
    stop = re.escape(rules.name_stop_chars)
    name = rf"[{_CJK}0-9一二三四五六七八九十]"
    spans = []
    # a road with a house number, then whatever estate/building follows
    for m in re.finditer(rf"((?:(?![{stop}]){name}){{1,6}}?{_ROAD}[{_NUM}]+号(?:院)?"
                         rf"(?:(?:(?![{stop}]){name}){{2,6}}?{_ESTATE})?{_CHAIN}*)", text):
        spans.append(_after_admin(text, *m.span(1)))
    # an estate with building/unit/room numbers after it (its name may hold a character names stop at: 某和小区)
    street_stop = re.escape("".join(ch for ch in rules.name_stop_chars if ch not in _IN_PLACE_NAMES))
    for m in re.finditer(rf"((?:(?![{street_stop}]){name}){{2,6}}?{_ESTATE}{_CHAIN}+)", text):
        spans.append(_after_admin(text, *m.span(1)))
    # a village with its group (and house) number: where a rural caller lives, as a street and number is in a town
    for m in re.finditer(rf"((?:(?![{stop}]){name}){{1,6}}?{_VILLAGE}(?:[{_NUM}]+{_VILLAGE_PART})+)", text):
        spans.append(_after_admin(text, *m.span(1)))
    # building chains alone: 3号楼2单元502室, 1202房 (a room number of 3+ digits)
    for m in re.finditer(rf"(?:[0-9]+(?:号楼|栋|幢|单元)|[{_NUM}]+(?:号楼|单元)){_CHAIN}*|[0-9]{{3,5}}(?:室|房)", text):
        spans.append(m.span())
    # a road or estate named right after a district of the gazetteer (某某区和平路某某小区, 某某区某某苑): an address
    # read out or back, whatever number follows or not
    for m in _district_street(name, street_stop).finditer(text) if any(c in text for c in "区县旗") else ():
        if _is_district(m.group(1)):
            spans.append(m.span(2))
    # after an address cue, the road (and estate) named there, whatever follows
    cues = alternation(rules.address_cues)
    for m in re.finditer(cues, text):
        window = text[m.end():m.end() + rules.address_window]
        r = re.search(rf"((?:(?![{stop}]){name}){{1,8}}?(?:{_ROAD}|{_ESTATE}))", window)
        if r:
            spans.append(_after_admin(text, m.end() + r.start(1), m.end() + r.end(1)))
    return spans


# Place names hold characters a person's name never ends at (和平路, 某和小区, 上海路, 和平里, 前进路, 老街): a
# street's or an estate's name stops only at the rest of the name stop characters.
_IN_PLACE_NAMES = "和上下里前后老好会来"


@lru_cache(maxsize=4)
def _district_street(name: str, stop: str) -> re.Pattern[str]:
    """A word ending like a district (…区, …县, …旗), then the road or estate after it (and an estate, a number and a
    building chain after that road): group 1 the district candidate, group 2 the street part (`_is_district` decides
    the first: the district stays, the profile keeps the caller's city)."""
    part = rf"(?:(?![{stop}]){name}){{1,8}}?(?:{_ROAD}|{_ESTATE})"
    return re.compile(rf"([{_CJK}]{{1,6}}?[区县旗])({part}(?:[{_NUM}]+号)?(?:{part})?{_CHAIN}*)")


@lru_cache(maxsize=1)
def _districts() -> frozenset[str]:
    from callintel.nlp.places import district_names

    return frozenset(district_names())


def _is_district(word: str) -> bool:
    """`word` ends with a district, county or banner of the gazetteer (济南市历下区, 松江区)."""
    return any(word[-k:] in _districts() for k in range(2, min(len(word), 8) + 1))


def _after_admin(text: str, start: int, end: int) -> tuple[int, int]:
    """Keep province, city and district in front of a street (the caller's city is a profile fact)."""
    piece = text[start:end]
    cut = 0
    for m in re.finditer(_ADMIN, piece):
        rest = piece[m.end():]
        if re.match(rf"[{_CJK}]", rest[:1]) and not re.match(rf"[{_NUM}]", rest[:1]):
            cut = m.end()
    return start + cut, end


_SAID_DIGITS = "零〇幺一二两三四五六七八九"
# at most 64 characters before the @, as an address's local part allows: unbounded, every digit of a long run of
# digits (an ASR loop, an imported turn of numbers) started a scan to the run's end, the square of its length
_LOCAL = rf"[A-Za-z0-9{_SAID_DIGITS}](?:[A-Za-z0-9{_SAID_DIGITS}._%+\-]|(?:\s|点|下划线)(?=[A-Za-z0-9])){{0,63}}"
_EMAIL = re.compile(rf"{_LOCAL}\s*(?:@|＠|艾特|at)\s*[A-Za-z0-9{_SAID_DIGITS}\-]+"
                    rf"(?:\s*(?:\.|点)\s*[A-Za-z0-9\-]+)*\s*(?:\.|点)\s*(?:com|cn|net|org|edu|gov|COM|CN|NET|ORG)"
                    r"(?![A-Za-z0-9])")
# Part of an address said again or spelled: lower-case Latin words joined by a spoken dot, underscore or hyphen
# (haoyu点lin97) or letters spelled one by one (y-o-u-t-o-n-g), or one right after such a joint (下划线，hr). Plain
# words (app, bug, foxmail) are no address.
_JOIN = r"(?:点|下划线|杠)"
_EMAIL_PART = re.compile(rf"(?<![A-Za-z0-9])[a-z][a-z0-9]*(?:\s*{_JOIN}\s*[a-z0-9]+)+(?![A-Za-z0-9])"
                         r"|(?<![A-Za-z0-9])[a-z0-9](?:[-.][a-z0-9]){2,}(?![A-Za-z0-9])"
                         r"|(?:(?<=点)|(?<=下划线)|(?<=杠))[，,、\s]{0,2}[a-z][a-z0-9]*(?![A-Za-z0-9])")


def _spans_email(text: str, rules: PersonalRules) -> list[tuple[int, int]]:
    """Addresses, whole (written or read out), and after an e-mail cue in the same sentence the parts of one said
    again or spelled."""
    spans = [m.span() for m in _EMAIL.finditer(text)]
    cued = [(i, i + len(c)) for c in rules.email_cues if (i := text.find(c)) >= 0]
    if cued:
        at = min(cued)[1]   # after the first cue (e-mail is a cue, not an address)
        end = next((i for i in range(at, len(text)) if text[i] in _STOP_SENTENCE), len(text))
        for m in _EMAIL_PART.finditer(text[at:end]):
            lead = len(m.group()) - len(m.group().lstrip("，,、 \t"))
            spans.append((at + m.start() + lead, at + m.end()))
    return spans


# A plate, whole or in part (浙A·3B: the rest of it was said in another sentence or misheard): province,
# city letter, then letters and digits.
_PLATE = re.compile(r"[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Za-hj-np-z][·•\s]?"
                    r"[A-HJ-NP-Za-hj-np-z0-9]{1,6}[挂学警]?(?![A-Za-z0-9])")


def _tail_cue_ends(text: str, cues: tuple[str, ...]) -> list[int]:
    """Where a tail cue ends, written or only heard: Whisper writes the cue's sound in other characters
    (尾号 -> 委号, 尾数 -> 为数) and the digits after it would leave unmasked, so cues also match by
    toneless pinyin. Only text holding a 3-6 digit run is read by sound (nothing else can hold a tail)."""
    ends = {m.end() for m in re.finditer(alternation(cues), text)}
    if re.search(r"[0-9]{3,6}", text):
        heard = syllables(text)
        for cue in filter(None, cues):   # an empty cue would end everywhere
            said = syllables(cue)
            n = len(said)
            ends |= {i + n for i in range(len(heard) - n + 1) if heard[i:i + n] == said}
    return sorted(ends)


def _spans_tail(text: str, rules: PersonalRules) -> list[tuple[int, int]]:
    spans = []
    for end in _tail_cue_ends(text, rules.tail_cues):
        window = text[end:end + rules.tail_window]
        cut = min((window.find(c) for c in _STOP_SENTENCE if c in window), default=len(window))
        for d in re.finditer(r"(?<![0-9A-Za-z])[0-9]{3,6}[Xx]?(?![0-9])", window[:cut]):
            follow = window[d.end():d.end() + 1]
            if follow and follow in rules.tail_not_before:
                continue
            spans.append((end + d.start(), end + d.end()))
            break
    return spans


def find_personal(text: str, rules: PersonalRules) -> list[tuple[int, int, str]]:
    """(start, end, kind) of the personal data in `text`, not overlapping, in order."""
    found: list[tuple[int, int, str]] = []
    found += [(a, b, "email") for a, b in _spans_email(text, rules)]
    found += [(*m.span(), "plate") for m in _PLATE.finditer(text)]
    found += [(a, b, "tail") for a, b in _spans_tail(text, rules)]
    found += [(a, b, "birth_date") for a, b in _spans_birth(text, rules)]
    found += [(a, b, "address") for a, b in _spans_address(text, rules)]
    names = _spans_names(text, rules)
    found += [(a, b, "name") for a, b in names]
    # the digits right after a name answering the identity check are its ID tail: 赵德胜，6618。
    found += [(e + m.start(1), e + m.end(1), "tail") for _, e in names
              if (m := re.match(r"[，,。.\s]{0,2}([0-9]{3,6}[Xx]?)(?![0-9])", text[e:]))]
    found = [(*_glue(text, a, b), kind) for a, b, kind in found if b > a]
    return _longest_first(found)


def _longest_first(found: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Where spans overlap the longest wins; the kept spans, in order. Kept spans never overlap, so each new one
    is checked against its two neighbours only: a long turn holds thousands of spans (a name said over and over)."""
    chosen: list[tuple[int, int, str]] = []
    starts: list[int] = []
    for span in sorted(found, key=lambda s: (-(s[1] - s[0]), s[0])):
        i = bisect.bisect_right(starts, span[0])
        if (i and chosen[i - 1][1] > span[0]) or (i < len(chosen) and chosen[i][0] < span[1]):
            continue
        chosen.insert(i, span)
        starts.insert(i, span[0])
    return chosen


def _glue(text: str, start: int, end: int) -> tuple[int, int]:
    """Letters and digits touching a mask belong to it (金海花园3座102 -> [地址], not [地址]102)."""
    while start > 0 and re.match(r"[0-9A-Za-z]", text[start - 1]):
        start -= 1
    while end < len(text) and re.match(r"[0-9A-Za-z]", text[end]):
        end += 1
    return start, end

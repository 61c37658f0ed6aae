"""Person names found by where they stand, not only after the cue words speech.personal knows.

A caller says a name in a few set places, and each place is evidence enough with the surname list:
- spelled out after it (雷振江，打雷的雷，振作的振…; 谭是言字旁加个西早那个谭): a clause that explains a
  character of the name just before it. The name and every spelling clause are masked, since the
  spelling gives the name back;
- as a bare answer to the identity check: a clause that opens the sentence and is followed by a card
  tail or an ID number (赵德胜，6618。 杜晓燕。2265。);
- after a role that asks for a name (车主叫…, 被保险人：…, 名字…) or a relative (我爸孙国强, 我是他爸爸胡建平).
  Here a candidate is taken only when jieba's part-of-speech tagger reads it as a person (nr) in its
  sentence and it is not a common word: jieba alone tags 谢谢 and 华为 as nr (7% of STC-3 texts), the
  position alone would take 车主叫车 for a name.
The tagger runs only on texts where a role or relative cue stands, so ordinary text costs a regex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from callintel.general_words import is_common, pos_tagger
from callintel.mandarin import CLAUSE_PUNCT
from callintel.pinyin import readings, syllables
from callintel.regex_words import alternation

_CJK = "\u4e00-\u9fff"
_SEP = "，,、。？！?!；;：:\\s…“”\"'‘’「」《》（）()"
_CLAUSE = re.compile(rf"[^{_SEP}]+")
_SENTENCE_END = "。？！?!"


@dataclass(frozen=True)
class NameRules:
    """[speech.redact] settings of the position-based recogniser (configs/callintel.toml says why)."""

    surnames: frozenset[str]
    role_cues: tuple[str, ...]      # a name follows: 车主, 被保险人, 名字 (then 叫/是/：)
    kin_cues: tuple[str, ...]       # a relative named right after: 我爸, 我老婆
    spelled_surnames: tuple[str, ...]
    stop_chars: str
    max_word_freq: int
    surname_sounds: frozenset[str] = frozenset()  # toneless syllables of the one-character surnames
    after_cues: tuple[str, ...] = ()  # a name just before these: 林浩宇的拼音 (and 是 + a kinship cue: 刘晓燕是我前妻)
    cue_links: tuple[str, ...] = ("叫做", "叫", "是", "为")  # between a cue and its name: 投保人写的是王建国
    titles: tuple[str, ...] = ()      # a surname + one of these is a way of address, masked by the title rule


def common_word(word: str, rules: NameRules) -> bool:
    return is_common(word, rules.max_word_freq)


def _surname_len(word: str, rules: NameRules) -> int:
    for n in (2, 1):
        if len(word) > n and word[:n] in rules.surnames:
            return n
    return 0


def _is_name(word: str, rules: NameRules) -> bool:
    """Surname + one or two given characters, Chinese only, no pronoun or particle inside."""
    n = _surname_len(word, rules)
    return bool(n) and 1 <= len(word) - n <= 2 and re.fullmatch(f"[{_CJK}]+", word) is not None \
        and not any(c in rules.stop_chars for c in word[n:])


def is_heard_name(word: str, rules: NameRules) -> bool:
    """A name whose surname may be written in other characters of its sound (潭小琴, 照福贵: speech recognition
    writes the sound): `_is_name`, or 2-3 characters, the first sounding like a listed surname, no stop character,
    and neither it nor a two-character given name a common word (月时间: 时间). Its callers take it only where more
    says a name is there (a self-introduction, the surname's spelling)."""
    if _is_name(word, rules):
        return True
    sound = syllables(word[:1])
    return 2 <= len(word) <= 3 and bool(sound) and sound[0] in rules.surname_sounds \
        and re.fullmatch(f"[{_CJK}]+", word) is not None and not any(c in rules.stop_chars for c in word) \
        and not common_word(word, rules) and not (len(word) == 3 and common_word(word[1:], rules))


@lru_cache(maxsize=8)
def surname_sounds(surnames: frozenset[str]) -> frozenset[str]:
    """Every reading of every one-character surname (曾 zeng, 单 shan, 区 ou, 查 zha: a surname reads otherwise)."""
    return frozenset(r for n in surnames if len(n) == 1 for r in readings(n))


def looks_like_name(text: str, rules: NameRules) -> bool:
    """A whole value that is a Chinese name (surname + 1-2 characters, not a common word)."""
    return _is_name(text, rules) and not common_word(text, rules)


@lru_cache(maxsize=4)
def _spelled_sounds(spelled: tuple[str, ...]) -> frozenset[tuple[str, ...]]:
    return frozenset(syllables(s) for s in spelled)


def _spells(clause: str, chars: str, rules: NameRules) -> bool:
    """A clause that explains one of `chars`: 打雷的雷, 赵钱孙李那个赵, 琴是钢琴的琴, 双木林."""
    if clause in rules.spelled_surnames:
        return any(c in clause for c in chars)
    if len(clause) == 3 and syllables(clause) in _spelled_sounds(rules.spelled_surnames):
        # a set spelling heard in other characters (口天五 for 口天吴): it spells the character of its last sound
        return syllables(clause[-1]) in {syllables(c) for c in chars}
    if len(clause) > 14:
        return False
    m = re.fullmatch(rf"(?:不是)?([{_CJK}]{{1,12}}?)(?:的|那个|这个|一个|个|之)([{_CJK}])", clause)
    if m and m.group(2) in chars:
        return True
    m = re.fullmatch(rf"([{_CJK}])是[{_CJK}]{{2,12}}", clause)
    return bool(m and m.group(1) in chars)


def _clauses(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _CLAUSE.finditer(text)]


def _misheard_spelling(clause: str, rules: NameRules) -> bool:
    """Three characters that sound like a set spelling in two syllables of three (二东城 for 耳东陈)."""
    heard = syllables(clause)
    return len(clause) == 3 and len(heard) == 3 and clause not in rules.spelled_surnames and any(
        sum(a == b for a, b in zip(heard, want, strict=True)) >= 2 for want in _spelled_sounds(rules.spelled_surnames))


def _same_sentence(text: str, a: int, b: int) -> bool:
    return not any(c in _SENTENCE_END for c in text[a:b])


def spelled_names(text: str, rules: NameRules) -> list[tuple[int, int]]:
    """Names followed by their spelling, and a misheard set spelling between them (陈美华，二东城，美丽的美)."""
    clauses = _clauses(text)
    spans: list[tuple[int, int]] = []
    for k in range(len(clauses) - 1):
        a, b = clauses[k]
        following = [clauses[k + 1]]
        c, d = clauses[k + 1]
        if _misheard_spelling(text[c:d], rules) and k + 2 < len(clauses) and _same_sentence(text, d, clauses[k + 2][0]):
            following.append(clauses[k + 2])
        texts = [text[c:d] for c, d in following]
        # the name closes its clause: 雷振江 / 我叫谭小琴 / 保单是我爸的，彭振华
        for n in (3, 2, 4):
            word = text[max(a, b - n):b]
            # a surname heard in other characters: its own spelling must follow at once (照福贵，照钱孙李那个照)
            if len(word) == n and ((_is_name(word, rules) and any(_spells(f, word, rules) for f in texts)) or (
                    is_heard_name(word, rules) and _spells(texts[0], word[0], rules))):
                spans.append((b - n, b))
                break
    return spans


def spelling_after(text: str, names: list[tuple[int, int]], rules: NameRules) -> list[tuple[int, int]]:
    """The clauses after each name that spell it out (each one gives a character of the name back), and a set
    spelling misheard among them (二东城), which gives the surname back as well."""
    clauses = _clauses(text)
    spans = []
    for start, end in names:
        chars = text[start:end]
        for a, b in clauses:
            if a < end:
                continue
            if not _spells(text[a:b], chars, rules) and not (
                    _misheard_spelling(text[a:b], rules) and _same_sentence(text, end, a)):
                break
            spans.append((a, b))
            end = b
    return spans


_TAIL = re.compile(r"[，,。.\s]*(?:[0-9]{3,6}[Xx]?|[0-9]{15,17}[0-9Xx])(?![0-9])")


def identity_answers(text: str, rules: NameRules) -> list[tuple[int, int]]:
    """A clause opening a sentence that is only a name, followed by a card tail or an ID number."""
    spans = []
    for m in re.finditer(rf"(?:^|(?<=[。？！?!\s]))([{_CJK}]{{2,4}})(?=[，,。.\s])", text):
        word = m.group(1)
        if _is_name(word, rules) and _TAIL.match(text, m.end()) and not common_word(word, rules):
            spans.append(m.span(1))
    return spans


def _tokens(text: str) -> list[tuple[int, int, str]]:
    spans, i = [], 0
    for pair in pos_tagger().cut(text):
        spans.append((i, i + len(pair.word), pair.flag))
        i += len(pair.word)
    return spans


@lru_cache(maxsize=8)
def _placed_patterns(rules: NameRules) -> tuple[re.Pattern, re.Pattern | None] | None:
    """The cue patterns `placed_names` reads, built once per rules (the kinship cues alone are some 800 words):
    a cue a name follows, and what a name stands before; None without role or kinship cues."""
    if not (rules.role_cues or rules.kin_cues):
        return None
    cues = alternation(rules.role_cues + rules.kin_cues)
    links = alternation(rules.cue_links)
    after = alternation(rules.after_cues)
    kin = alternation(rules.kin_cues)
    # 是 + a role or relative says who a name is (张浩是被保险人); 的 + a relative only: an organisation has customers
    # and staff too (支付宝的客户, which jieba's dictionary tags a person), not sons and wives (李秀英的儿子)
    before = "|".join(x for x in (rf"(?:就是|是)(?:{cues})", kin and rf"的(?:{kin})", after) if x)
    return (re.compile(rf"(?:{cues})(?:的名字|名字|姓名)?(?:{links}|：|:|，|,|\s)*"),
            re.compile(rf"(?:{before})") if before else None)


def placed_names(text: str, rules: NameRules) -> list[tuple[int, int]]:
    """Names after a role (车主叫…, 投保人写的是…) or a relative (我爸…, 您女儿…), or before what says they are one
    (刘晓燕是我前妻, 张浩是被保险人, 李秀英的儿子, 林浩宇的拼音), confirmed by the tagger and the word list."""
    patterns = _placed_patterns(rules)
    if patterns is None:
        return []
    follows, precedes = patterns

    def candidate(word: str, n: int) -> bool:
        return len(word) == n and _is_name(word, rules) and not common_word(word, rules)

    candidates: dict[int, list[int]] = {}   # start -> possible ends
    for m in follows.finditer(text):
        for n in (4, 3, 2):
            if candidate(text[m.end():m.end() + n], n):
                candidates.setdefault(m.end(), []).append(m.end() + n)
    for m in precedes.finditer(text) if precedes else ():
        for n in (4, 3, 2):
            word = text[max(0, m.start() - n):m.start()]
            # 王阿姨本人: a surname and a title (or a kinship term), which keeps its title for the caller's gender
            addressed = any(word.endswith(t) for t in rules.titles + rules.kin_cues if len(word) > len(t))
            if candidate(word, n) and not addressed:
                candidates.setdefault(m.start() - n, []).append(m.start())
    if not candidates:
        return []
    tokens = _tokens(text)
    ends = {b for _, b, _ in tokens}
    spans = []
    after_cue = {m.end() for m in follows.finditer(text)}
    for a, bs in candidates.items():
        # a role or relative, then a name by the surname list with a pause right after it (投保人马国庆，被保险人
        # 马天乐，): the place says it is a name, whatever jieba reads in it (马/国庆: a surname it tags a noun)
        paused = [b for b in bs if b - a <= 3 and (b == len(text) or text[b] in CLAUSE_PUNCT)
                  and a in after_cue
                  and not text[a:b].endswith(rules.titles + rules.kin_cues)   # 王先生: the title stays
                  and text[a] not in rules.stop_chars   # 驾驶员和乘客: a conjunction, not the surname 和
                  and not any(f.startswith(("v", "d", "c", "p")) for x, y, f in tokens if a <= x < b)]   # 医生叫查血
        if paused:
            spans.append((a, max(paused)))
    paused_at = {a for a, _ in spans}
    for a, b, flag in tokens:
        if flag not in ("nr", "nrfg") or a not in candidates or a in paused_at:
            continue   # a person: Chinese (nr) or other (nrfg) names
        if b - a >= 2 and b in candidates[a]:
            spans.append((a, b))  # the tagger's person: 王秀兰
        elif b - a == 1:  # a surname alone tagged nr, the given name read as a word (胡/建平): up to a token end
            end = next((e for e in candidates[a] if e in ends), None)
            if end:
                spans.append((a, end))
    return spans


def find_names(text: str, rules: NameRules, known: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Name spans by position and their spelling clauses; `known` (names found by cue) get theirs too."""
    names = spelled_names(text, rules) + identity_answers(text, rules) + placed_names(text, rules)
    return names + spelling_after(text, sorted(set(names) | set(known)), rules)

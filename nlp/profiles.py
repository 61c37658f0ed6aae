"""Customer profiles (客户画像): facts the caller states about themself, with the sentence that says so.

Read from the customer's own words and from agent turns that address the caller (好的刘先生, 您名下有一份…),
never from what either side says about a third person: a cue in a clause whose subject is 他/我老公/孩子 is
skipped. Patterns are generic Mandarin; the lexicons live in configs/profile_patterns.toml, and cities come
from a maintained gazetteer (nlp/places.py, cpca's division table). Text in, facts out: no DuckDB here.

Masked input: the warehouse text has names as [姓名] (titles kept: "[姓名]先生") and ID/birth dates masked.
Gender still comes from the title. Age from an ID card or a spoken birth date comes from the age the text
path read before masking (utterances.stated_age, callintel/ages.py): only the age, never the date, and only
when the turn's words make it the caller's. Text still holding the digits is read directly.

Merging across calls (`merge_facts`): per caller and field the newest call wins; a different value from
an older call is kept as a conflict with its own call and sentence, so nothing is silently overwritten.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import cn2an

from callintel.ages import age_from_birth, age_from_id
from callintel.general_words import default_jieba, frequency, pos_tagger
from callintel.nlp.places import find_places, places_by_sound
from callintel.settings import Settings

FIELDS = ("gender", "age", "city", "occupation", "marital_status", "children", "existing_policies",
          "income_band", "preferred_contact_time", "health_condition", "budget_concern", "insured_person")
_CLAUSE = re.compile(r"[^，,。！!？?；;：:…\n]+")
_CLAUSE_END = re.compile(r"[，,。！!？?；;：:…\s~]")
# 那啥……医疗险 (normalised to 那啥。.....医疗险): a pause inside a clause, the speaker searching for a word
_HESITATION = re.compile(r"(?<=[\u4e00-\u9fff])[。，,]?(?:…+|\.{2,})(?=[\u4e00-\u9fff])")
_NUM = r"(?:[0-9]{1,3}|[一二两三四五六七八九十]{1,3})"


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
        for name in self.data["city"]["outside_gazetteer"]:
            j = text.find(name)
            if j >= 0 and not any(a <= j < a + len(n) for a, n, _ in found):
                found.append((j, name, name))
        least = self.data["city"]["by_sound_min_syllables"]
        if least:  # a city heard in other characters (航舟 for 杭州), where no found name is
            found += [f for f in places_by_sound(text, least, _cut, _in_dictionary)
                      if not any(a < f[0] + len(f[1]) and f[0] < a + len(n) for a, n, _ in found)]
        return sorted(found)


@lru_cache(maxsize=8)
def load_lexicon(patterns: str) -> ProfileLexicon:
    return ProfileLexicon(tomllib.loads(Path(patterns).read_text(encoding="utf-8")), str(patterns))


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


class ProfileReader:
    """Helpers over one lexicon: is a clause position about the caller, product types, cities."""

    def __init__(self, lex: ProfileLexicon):
        self.lex = lex
        p = lex["person"]
        self.self_words = tuple(p["self"])
        self.relation = tuple(p["relation_after_self"])
        self.third = tuple(p["third_party"])
        self.together = tuple(p["together"])
        self.apposition = re.compile(rf"(?:{'|'.join(self.self_words)})(?:{'|'.join(p['apposition'])})"
                                     r"[^，,。！!？?]{0,6}$")

    def _last_third(self, text: str) -> int:
        """Where the last third-party word of `text` starts, -1 if none; one in apposition to the caller
        (我一个退休的老头子, 俺这个老太婆) is the caller describing themself, not someone else."""
        return max((i for w in self.third for i in [text.rfind(w)] if i >= 0 and not self.apposition.search(text[:i])),
                   default=-1)

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
            tail = re.sub(rf"^(?:{'|'.join(self.together)})(?:{'|'.join(self.self_words)})?"
                          rf"(?:{'|'.join(self.relation)})儿?", "", tail)
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


def _prefix(text: str, start: int) -> str:
    """The sentence before the clause starting at `start` (from the last 。！？ before it)."""
    cut = max(text.rfind(ch, 0, start) for ch in "。！!？?")
    return text[cut + 1:start]


def _add(out: list[Fact], field_: str, value: str, conf: float, turn: int, text: str, speaker: str) -> None:
    out.append(Fact(field_, value, round(conf, 3), turn, text, speaker))


def _vocative(text: str, start: int, end: int, after_words: Sequence[str]) -> bool:
    """An address word used to address (刘先生，/ 先生您好 / 好的阿姨。), not to speak of someone: it ends its
    clause, or what follows is a word that goes on talking to the caller."""
    after = text[end:]
    return not after or bool(_CLAUSE_END.match(after)) or after.startswith(tuple(after_words))


def _spouse_of_caller(spouse: Sequence[str], r: ProfileReader) -> re.Pattern[str]:
    """我老公, 俺媳妇, 我跟我爱人, 和老婆: a first-person word (or 和/跟), then a spouse word."""
    me, together = "|".join(r.self_words), "|".join(r.together)
    return re.compile(rf"(?:(?:{me})(?:(?:{together})(?:{me})?)?|(?:{together}))({'|'.join(spouse)})")


def _gender(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    p = r.lex["person"]
    not_after = tuple(p["address_not_after"])
    for i, (speaker, text) in enumerate(turns):
        if speaker == "agent":
            for value, words in (("男", p["male_address"]), ("女", p["female_address"])):
                for w in words:
                    for m in re.finditer(re.escape(w), text):
                        before = text[:m.start()]
                        if before.endswith(not_after) and not before.endswith("]"):
                            continue
                        if not _vocative(text, m.start(), m.end(), p["vocative_after"]):
                            continue  # 希望叔叔治疗顺利: a person spoken of, not the caller addressed
                        _add(out, "gender", value, 0.9, i, text, "agent")
                        break
        elif speaker == "customer":
            for value, words in (("男", p["male_self"]), ("女", p["female_self"])):
                if any(re.search(rf"(?<![妇男女]){re.escape(w)}", text) for w in words):
                    _add(out, "gender", value, 0.95, i, text, "customer")
            for value, words in (("男", p["wife"]), ("女", p["husband"])):
                if _spouse_of_caller(words, r).search(text):
                    _add(out, "gender", value, 0.6, i, text, "customer")


def _address_by_sound(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    """The agent's address word misheard (女士您好 -> 你是您好, 好的陈女士 -> 好的陈理师): in an address slot (the
    turn's start, or 好的 + a surname, before 您/，; or before the first clause's 您好: 这位女士您好 -> 就为你是您好),
    a span jieba does not know as a word that sounds one syllable off exactly one two-character address word. Weaker
    than an address heard right, and read only when the call has no other gender evidence (a slip is one word; the
    other words of the call outvote it)."""
    from callintel.pinyin import syllables

    p = r.lex["person"]
    words = [(w, value) for value, ws in (("男", p["male_address"]), ("女", p["female_address"])) for w in ws
             if len(w) == 2]
    slot = re.compile(r"(?:^|^好的[\u4e00-\u9fff]?)([\u4e00-\u9fff]{2})(?=您|，|,)")
    greeted = re.compile(r"^[^，,。！!？?]*?([\u4e00-\u9fff]{2})(?=您好)")  # 这位女士您好 -> 就为你是您好
    for i, (speaker, text) in enumerate(turns):
        m = (slot.match(text) or greeted.match(text)) if speaker == "agent" else None
        if not m or _in_dictionary(m.group(1)):
            continue
        heard = syllables(m.group(1))
        near = {value for w, value in words if sum(a != b for a, b in zip(syllables(w), heard, strict=True)) == 1}
        if len(near) == 1:
            _add(out, "gender", near.pop(), p["address_by_sound_confidence"], i, text, "agent")


def _age(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact], on: date | None) -> None:
    cfg = r.lex["age"]
    filler = "|".join(sorted(map(re.escape, cfg["filler"]), key=len, reverse=True))
    vague = "|".join(map(re.escape, cfg["vague_suffix"]))
    lo, hi = cfg["min_age"], cfg["max_age"]
    # after 我 + the number, any word but a unit (我今年六十六文: 了 misheard still ends an age; 三十多年 is a span)
    unit = "|".join(map(re.escape, cfg["units"]))
    other = rf"(?=[\u4e00-\u9fff])(?!{unit}|{vague})"
    own = re.compile(rf"(?:我|俺|本人)(?:(?:{filler}))*({_NUM})(岁|周岁|了|，|,|。|$|{vague}|{other})")
    agent = re.compile(rf"您(?:(?:{filler}))*({_NUM})(岁|周岁)")
    band = re.compile(rf"({_NUM})(?:{vague})(?!{unit})")
    lead = re.compile(rf"(?:今年|现在|已经)(?:(?:{filler}))*({_NUM})(?:岁|周岁|了|$)")  # 今年五一他结婚了: a date
    asked = False
    for i, (speaker, text) in enumerate(turns):
        found = False
        if speaker == "customer" and asked:
            # the answer is the turn's first clause (二十九。社保……): a number and nothing else in it
            # ... or a space: recognised speech joins two pieces without punctuation (29 社保…)
            m = re.match(rf"(?:我|俺)?(?:(?:{filler}))*({_NUM})(?:岁|周岁)?(?:了)?(?:[。，,！!\s]|$)", text.strip())
            n = cn_number(m.group(1)) if m else None
            if n is not None and lo <= n <= hi:
                _add(out, "age", str(n), 0.85, i, text, speaker)
                asked = False
                continue
        asked = speaker == "agent" and any(w in text for w in cfg["agent_asks"])
        pattern = own if speaker == "customer" else agent if speaker == "agent" else None
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            n = cn_number(m.group(1))
            if n is None or not lo <= n <= hi:
                continue
            rest = re.sub(r"^(?:岁|周岁)", "", text[m.end(1):])
            if rest.startswith(tuple(cfg["when_after"])) or (rest.startswith("的") and rest[1:].startswith(
                    tuple(r.lex["children"]["nouns"]))):
                continue  # 我25岁的时候 (when), 我16岁的儿子 (someone else)
            suffix = m.group(2)
            if suffix in cfg["vague_suffix"] or text[m.end(1):m.end(1) + 2] in cfg["vague_suffix"]:
                decade = n // 10 * 10
                _add(out, "age", f"{decade}-{decade + 9}", 0.7, i, text, speaker)
            else:
                _add(out, "age", str(n), 0.9 if speaker == "customer" else 0.85, i, text, speaker)
            found = True
            break
        if found or speaker != "customer":
            continue
        for start, clause in text_clauses(text):
            m = lead.match(clause.strip())
            n = cn_number(m.group(1)) if m else None
            if n is not None and lo <= n <= hi and r.about_caller(clause, 0, speaker, _prefix(text, start)):
                _add(out, "age", str(n), 0.85, i, text, speaker)
                found = True
                break
        if found:
            continue
        for start, clause in text_clauses(text):
            m = band.search(clause)
            if m and ("的人" in clause or any(w in _prefix(text, start) + clause[:m.start()] for w in r.self_words)) \
                    and r.about_caller(clause, m.start(), speaker, _prefix(text, start)):
                n = cn_number(m.group(1))
                if n is not None and lo <= n <= hi and n % 10 == 0:
                    _add(out, "age", f"{n}-{n + 9}", 0.65, i, text, speaker)
                    found = True
                    break
        if found or on is None:
            continue
        # 我是80后 / 俺九零后: the decade of birth, an age band on the call's date
        for start, clause in text_clauses(text):
            m = re.search(r"([0-9]0|[五六七八九零]零)后", clause)
            if m and any(w in _prefix(text, start) + clause[:m.start()] for w in r.self_words) \
                    and r.about_caller(clause, m.start(), speaker, _prefix(text, start)):
                decade = int(m.group(1).translate(str.maketrans("五六七八九零", "567890")))
                born = (1900 if decade >= on.year % 100 else 2000) + decade
                if lo <= on.year - born - 9 and on.year - born <= hi:
                    _add(out, "age", f"{on.year - born - 9}-{on.year - born}", 0.65, i, text, speaker)
                    found = True
                    break
        if found:
            continue
        # Digits still present (text before masking): an ID number or a spoken birth date.
        for m in re.finditer(r"(?<!\d)(\d{17}[\dXx])(?!\d)", text):
            age = age_from_id(m.group(1), on)
            if age is not None and lo <= age <= hi:
                _add(out, "age", str(age), 0.95, i, text, speaker)
                found = True
                break
        if found:
            continue
        m = re.search(r"(19\d{2}|20[0-2]\d)年(?:(\d{1,2})月)?(?:(\d{1,2})[日号])?(?:出生|生的|生人)", text)
        if m:
            month = int(m.group(2)) if m.group(2) else None
            day = int(m.group(3)) if m.group(3) else None
            age = age_from_birth(int(m.group(1)), month, day, on)
            if age is not None and lo <= age <= hi:
                _add(out, "age", str(age), 0.9, i, text, speaker)


_STATED_MASKS = ("[身份证号]", "[出生日期]")


def _stated_ages(turns: Sequence[tuple[str, str]], ages: dict[int, int], r: ProfileReader, out: list[Fact]) -> None:
    """The caller's age from an ID number or birth date they said (utterances.stated_age, read before masking).

    The masked turn still shows where the number was: it is the caller's when that clause is about the caller
    and the agent's request before it did not ask for someone else's (您父亲的身份证号码).
    """
    cfg = r.lex["age"]
    lo, hi = cfg["min_age"], cfg["max_age"]
    for i, age in sorted(ages.items()):
        if i >= len(turns) or not lo <= age <= hi:
            continue
        speaker, text = turns[i]
        if speaker != "customer":
            continue
        where = min((j for j in (text.find(m) for m in _STATED_MASKS) if j >= 0), default=-1)
        start, clause = next(((a, c) for a, c in text_clauses(text) if a <= where < a + len(c)), (0, text))
        if where >= 0 and not r.about_caller(clause, where - start, speaker, _prefix(text, start)):
            continue
        asked = next((t for sp, t in reversed(turns[:i]) if sp == "agent"), "")
        request = "".join(c for _, c in text_clauses(asked) if any(w in c for w in cfg["asks_number"]))
        for w in cfg["policy_roles"]:
            request = request.replace(w, "")
        if any(w in request for w in r.third):
            continue  # 您父亲的身份证号码: the number said next is his
        _add(out, "age", str(age), 0.9, i, text, speaker)


def _city(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        for start, clause in text_clauses(text):
            for j, said, city in r.lex.places(clause):
                after = clause[j + len(said):j + len(said) + 2]
                if after.startswith(tuple(r.lex["city"]["name_goes_on"])):
                    continue  # 人民路, 南京大学, 北京银行: a street or an institution, not where the caller is
                if "老家" in clause and "我" not in clause[:j].replace("我爸", "").replace("我妈", ""):
                    continue
                cfg = r.lex["city"]
                lead = clause[:j]
                here = clause[j + len(said):].startswith(tuple(cfg["here_after"]))
                if not _ends_like(lead, cfg["before"], cfg["before_by_sound"]) and not here:
                    continue  # a city named in passing (我在北京的医院看的病 is caught below)
                visit = any(w in clause[j:j + len(said) + 8] for w in cfg["visit"])
                if visit and not _ends_like(lead, cfg["ours"], cfg["before_by_sound"]):
                    continue
                if r.about_caller(clause, j, speaker, _prefix(text, start)):
                    _add(out, "city", city, 0.8, i, text, speaker)
                    break


def _occupation(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["occupation"]
    nouns = sorted(cfg["nouns"], key=len, reverse=True)
    noun_re = "|".join(map(re.escape, nouns))
    business = "|".join(map(re.escape, sorted(cfg["business"], key=len, reverse=True)))
    generic = re.compile(rf"(?:我是|我就是|是做|做|干)(?:个|一个|一名|名)?\S{{0,6}}?({noun_re})")
    # 开了个小超市, 开了个修车铺: a business the caller runs
    own_biz = re.compile(rf"开(?:了)?(?:个|一家|一个|家)?(?:小)?([\u4e00-\u9fff]{{0,4}}?(?:{business}))")
    places = "|".join(map(re.escape, (p for p, _ in cfg["workplaces"])))
    work = "|".join(map(re.escape, cfg["work_verbs"]))
    workplace = re.compile(rf"(?:在[\u4e00-\u9fff]{{0,6}}?|^)({places})(?:里|上|上面)?(?:{work})")
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        done = False
        for start, clause in text_clauses(text):
            prefix = _prefix(text, start)
            for phrase, value in cfg["phrases"]:
                j = clause.find(phrase)
                if j >= 0 and r.about_caller(clause, j, speaker, prefix):
                    _add(out, "occupation", value, 0.8, i, text, speaker)
                    done = True
                    break
            if done:
                break
            m = workplace.search(clause)
            if m and r.about_caller(clause, m.start(), speaker, prefix):
                _add(out, "occupation", dict(cfg["workplaces"])[m.group(1)], 0.75, i, text, speaker)
                done = True
                break
            m = own_biz.search(clause)
            if m and r.about_caller(clause, m.start(), speaker, prefix) and any(
                    w in prefix + clause for w in r.self_words):
                _add(out, "occupation", m.group(1) + "老板", 0.75, i, text, speaker)
                done = True
                break
            m = generic.search(clause)
            if m and r.about_caller(clause, m.start(), speaker, prefix):
                # a role noun right after it makes one compound (销售 + 经理, 公交 + 司机)
                value = m.group(1) + next((n for n in nouns if clause.startswith(n, m.end(1))), "")
                prefix = clause[m.start():m.start(1)]
                # keep a qualifier said with it: 小学老师, 产品经理 (not 我是做 / 的)
                q = re.sub(r"^(?:(?:我是|我就是|是做|做|干)(?:个|一个|一名|名)?)+", "", prefix)
                if 0 < len(q) <= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", q) and q not in ("做", "干", "跑", "在") \
                        and _known_word(q):
                    value = q + value
                if value not in cfg["not_occupation"]:
                    _add(out, "occupation", value, 0.8, i, text, speaker)
                    done = True
                    break
        if not done:
            done = _occupation_said(text, i, speaker, cfg, r, out)
        if not done:
            _occupation_pos(text, i, speaker, cfg, r, out)


def _known_word(word: str) -> bool:
    """A qualifier jieba's dictionary knows (小学, 产品, 女): 小邪 in 小邪老师 is 小学 misheard, and the role
    without it (老师) is still true."""
    return len(word) == 1 or _in_dictionary(word)


def _cut(text: str) -> list[str]:
    """jieba's words of `text` (unknown characters joined by its HMM), loaded on first use."""
    return list(default_jieba().cut(text))


def _in_dictionary(word: str) -> bool:
    """A word of jieba's dictionary (loaded on first use)."""
    return bool(frequency().get(word))


def _is_role(word: str, cfg: dict[str, Any]) -> bool:
    """A noun that names an occupation: a listed one, or one ending like one (钳工, 收银员, 小学老师)."""
    return word not in cfg["not_occupation"] and len(word) >= 2 and (
        any(word.endswith(n) for n in cfg["nouns"]) or word.endswith(tuple(cfg["suffixes"])))


_SELF_IS = re.compile(r"(?:我|俺)(?:自己|本人)?(?:就|也|以前|原来|之前|退休前|退休之前|没退休的时候)*是")


def _occupation_said(text: str, i: int, speaker: str, cfg: dict[str, Any], r: ProfileReader, out: list[Fact]) -> bool:
    """An occupation said in any of the constructions of [occupation] said_*, read over jieba's words and tags:
    做/干/跑/管 + what + 的 (做外贸跟单的, 跑物流的), 做/干 + a span of time + what (在无锡做了二十年财务),
    在 + place + 做 + what (在广州做新媒体运营), 当 (+ time) + a role (当了一辈子钳工), 我(自己)是 + a role."""
    verbs = [v for v in cfg["said_de"] + cfg["said_role"] if v != "是"]
    for start, clause in text_clauses(text):
        if not any(v in clause for v in verbs) and not _SELF_IS.search(clause):
            continue  # tagging is the costly part: only clauses with one of the verbs
        words = [(w.word, w.flag) for w in pos_tagger().cut(clause)]
        pos = 0
        for k, (word, _) in enumerate(words):
            at, pos = pos, pos + len(word)
            # jieba fuses a verb and its aspect particle before digits (当了30多年): still the verb (做过 is listed)
            verb = word[:-1] if word not in verbs and word[-1:] in ("了", "过") and word[:-1] in verbs else word
            kind = next((name for name in ("de", "role") if verb in cfg[f"said_{name}"]), None)
            if kind is None:
                continue
            if kind == "de" and _object_of_verb(words, k, cfg):
                continue  # 买一个管看病报销的: the 的-phrase is a thing bought, not the caller's work
            j, timed = k + 1, False
            while j < len(words) and (words[j][0] in cfg["said_skip"] or words[j][1] in ("m", "q", "mq")):
                timed = timed or words[j][1] == "m"
                j += 1
            noun, named = "", False
            de = next((n for n in range(j, len(words)) if words[n][0] == "的" or words[n][1] in ("x", "r", "p")), None)
            if kind == "de" and de is not None and words[de][0] == "的" and 2 <= len("".join(
                    w for w, _ in words[j:de])) <= 8 and not any(f.startswith("nr") for _, f in words[j:de]):
                noun, j, named = "".join(w for w, _ in words[j:de]), de, True  # 做外贸跟单的: what 的 nominalises
            while not named and j < len(words) and len(noun + words[j][0]) <= 8 and not words[j][1].startswith("nr") \
                    and (words[j][1].startswith(("n", "vn", "eng", "j", "a")) or _is_role(noun + words[j][0], cfg)
                         or (j + 1 < len(words) and _is_role(noun + words[j][0] + words[j + 1][0], cfg))):
                noun += words[j][0]  # verb-tagged words still make the role they complete (中学/会计, 外卖/小哥)
                j += 1
            ended = j >= len(words) or words[j][0] in cfg["said_end"]
            if len(noun) < 2 or noun in cfg["not_occupation"]:
                continue
            if kind == "role":
                ok = _is_role(noun, cfg) and (word != "是" or _SELF_IS.search(clause[:at + 1]))
            else:
                after_verb = word[len(verb):] or (words[k + 1][0] if k + 1 < len(words) else "")
                placed = "在" in clause[:at] and after_verb not in ("了", "个")
                ok = (j < len(words) and words[j][0] in cfg["said_end"]) or (
                    ended and verb in cfg["said_work"] and (timed or placed))
            if ok and r.about_caller(clause, at, speaker, _prefix(text, start)):
                _add(out, "occupation", noun, 0.75, i, text, speaker)
                return True
    return False


def _object_of_verb(words: Sequence[tuple[str, str]], k: int, cfg: dict[str, Any]) -> bool:
    """Whether the verb at `k` opens the object of another verb: a numeral or measure word (一个, 个) and before
    it a verb that is not one of holding a role (买一个管住院的, 要个跑得快的; not 我是一个跑物流的)."""
    j = k - 1
    counted = False
    while j >= 0 and (words[j][1] in ("m", "q", "mq") or words[j][0] in cfg["said_skip"]):
        counted, j = True, j - 1
    return counted and j >= 0 and words[j][1].startswith("v") and words[j][0] not in cfg["said_role"]


def _occupation_pos(text: str, i: int, speaker: str, cfg: dict[str, Any], r: ProfileReader, out: list[Fact]) -> None:
    """我是 + a jieba noun ending like an occupation (…师, …员): words the list does not know."""
    m = re.search(r"我是(?:做|干)?", text)
    if not m:
        return
    words = list(pos_tagger().cut(text[m.end():m.end() + 10]))
    for w in words[:3]:
        if w.flag.startswith("n") and w.word.endswith(tuple(cfg["suffixes"])) and len(w.word) >= 2 \
                and w.word not in cfg["not_occupation"]:
            _add(out, "occupation", w.word, 0.6, i, text, speaker)
            return


# 一个/一位, optionally a modifier that ends in 的, then (the caller's words go on with) the noun it describes
_DESCRIBED = r"(?:一个|一位)(?:[^，,。！!？?]{0,6}的)?"


def _marital(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    """The first status said about the caller, checked 丧偶, 离异, 未婚, 已婚: a listed phrase, or a construction
    of [marital] words: a spouse and a word of loss (俺老伴儿前年走了), a partner and a negation
    (男朋友都没有, 还没对象), 我们 … 离了. A phrase in a clause about someone else (他结婚了) does not count."""
    cfg = r.lex["marital"]
    spouse, loss = "|".join(cfg["spouse"]), "|".join(cfg["loss"])
    partner, negation = "|".join(cfg["partner"]), "|".join(cfg["partner_negation"])
    said = {"丧偶": re.compile(rf"(?:{spouse})儿?[^，,。！!？?]{{0,4}}?(?:{loss})"),
            "离异": re.compile(r"(?:我们|俺们|咱们|我俩|我跟他|我跟她|我和他|我和她)[^，,。！!？?]{0,4}?离了"),
            "未婚": re.compile(rf"(?:(?:{negation})(?:{partner}))|(?:(?:{partner})[都也还]?(?:{negation}))"),
            "已婚": _spouse_of_caller(cfg["spouse"], r)}
    # where the caller first used a spouse word to describe someone (一个七十八岁的老头子): said bare after that, the
    # word is that someone again (老头子眼睛都花了), not the caller's spouse. The word heads the description: right
    # after 一个/一位 or after a modifier ending in 的 (not 一个多月前老伴…, 就我一个人照顾老伴)
    described: dict[str, tuple[int, int]] = {}
    for i, (speaker, text) in enumerate(turns):
        for start, clause in text_clauses(text) if speaker == "customer" else ():
            for w in cfg["spouse"]:
                if w not in described and re.search(_DESCRIBED + re.escape(w), clause):
                    described[w] = (i, start)
    for status in ("丧偶", "离异", "未婚", "已婚"):
        for i, (speaker, text) in enumerate(turns):
            if speaker != "customer":
                continue
            for start, clause in text_clauses(text):
                m = said[status].search(clause) if status in said else None
                # where the cue is: the spouse word of a construction that captures it (我和我老公 -> 老公)
                j, hit = ((m.start(1) if m.re.groups else m.start()), m.group()) if m else _phrase_at(
                    clause, cfg[status], r.lex["sound"])
                if j < 0:
                    continue
                if status in cfg["need_self"] and not any(w in _prefix(text, start) + clause for w in r.self_words):
                    continue
                if status == "已婚" and re.search(r"(?:没|未|不)(?:有)?" + re.escape(hit), clause):
                    continue
                if re.search(_DESCRIBED + "$", clause[:j]):
                    continue  # 一个七十八的老头子: someone described, not the caller's spouse
                word = next((w for w in cfg["spouse"] if clause.startswith(w, j)), hit)
                if described.get(word, (len(turns), 0)) < (i, start) and not any(w in clause[:j] for w in r.self_words):
                    continue  # said bare after it described someone (老头子眼睛都花了, …去年走了): that someone again
                if not r.about_caller(clause, j, speaker, _prefix(text, start)):
                    continue
                _add(out, "marital_status", status, 0.85 if status != "已婚" else 0.8, i, text, speaker)
                return


def _children(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["children"]
    nouns = "|".join(map(re.escape, cfg["nouns"]))
    counts = "|".join(map(re.escape, cfg["counts"]))
    count_re = re.compile(rf"({counts})(?:个)?(?:小)?({nouns})")
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        if any(w in text for w in cfg["none"]):
            _add(out, "children", "0", 0.7, i, text, speaker)
            return
        for m in count_re.finditer(text):
            ctx = _prefix(text, m.start())
            if not any(w in ctx for w in ("我", "俺", "咱", "家", "有", "就", "只")):
                continue  # 一个孩子的保险多少钱: children in general, not the caller's
            before = text[max(0, m.start() - 4):m.start()]
            if any(w in before for w in cfg["not_after"]) or "他" in before or "她" in before:
                continue
            if m.group(1) == "一" and re.search(r"[一二两三四五六七八九十]$", before):
                continue
            _add(out, "children", str(cfg["counts"][m.group(1)]), 0.8, i, text, speaker)
            return
        m = re.search(rf"(?:我|俺|家里|家)(?:有|就有|只有)(?:一)?个({nouns})", text)
        if m:
            _add(out, "children", "1", 0.7, i, text, speaker)
            return
        if re.search(nouns, text) and any(w in text for w in cfg["only_one"]):
            _add(out, "children", "1", 0.75, i, text, speaker)
            return


def _policies(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["products"]
    keys = "|".join(map(re.escape, sorted({k for k, _ in cfg["names"] + cfg["types"]}, key=len, reverse=True)))
    mention = re.compile(rf"([\u4e00-\u9fffA-Za-z]{{0,10}}?)({keys})")
    seen: set[str] = set()
    for i, (speaker, text) in enumerate(turns):
        if speaker not in ("customer", "agent"):
            continue
        owned_words = cfg["owned_customer"] if speaker == "customer" else cfg["owned_agent"]
        # 您在我们这儿有一份, 您在2020年投保了一份, 我自己单位有: the holder, a few words, then a verb of holding
        # (not 有的/有没有)
        holds = re.compile(rf"(?:{'|'.join(r.self_words if speaker == 'customer' else ('您',))})"
                           rf"[^，,。？?没未不]{{0,8}}?(?:{'|'.join(cfg['hold_verbs'])})(?![的没什哪])")
        seen_here = False
        # a hesitation (买过一个那啥……医疗险) is the speaker searching for the word, not the end of a clause
        for _, clause in text_clauses(_HESITATION.sub("", text)):
            if any(w in clause for w in cfg["not_owned"]):
                continue
            if speaker == "agent" and re.search(r"买(?![的了过])", clause):
                continue
            for m in list(mention.finditer(clause))[:1]:
                tail = clause[m.end():m.end() + 3]
                kind = r.product_type(m.group(2) + tail[:1])
                if kind is None or kind in seen:
                    continue
                if m.group(2) in cfg["need_xian"] and "险" not in clause:
                    continue
                before = clause[:m.start(2)]
                tail = re.sub(r"^(?:保险|险)", "", clause[m.end():])
                if re.search(r"[没未不][^，,。]{0,5}?(?:买|有|上|投保)", before):
                    continue  # 都没给自己买过重疾: a negated holding
                if speaker == "customer" and re.search(r"(?<![我俺您])(?:这个|这款|这种)$", before):
                    continue  # 买了这个医疗险，以后…能报吗: the product being offered (我这个 is the caller's own)
                owned = any(w in before for w in owned_words) or bool(holds.search(before)) or (
                    speaker == "customer" and tail.startswith(tuple(cfg["owned_after"]))) or _possessed(
                    before, r.self_words if speaker == "customer" else ("您",), cfg) or (
                    speaker == "agent" and (_said_by_sound(before, owned_words, r.lex["sound"])
                                            or _unnamed_holder(before, cfg["unnamed_holder"], r)))
                if not owned and not (seen_here and before.endswith(tuple(cfg["also"]))):
                    continue
                if not r.about_caller(clause, m.start(2), speaker):
                    continue
                seen.add(kind)
                seen_here = True
                _add(out, "existing_policies", kind, 0.85 if speaker == "agent" else 0.8, i, text, speaker)


def _unnamed_holder(before: str, cues: Sequence[str], r: ProfileReader) -> bool:
    """An agent's cue of holding without its holder (名下有, heard 民下有 when 您 was lost): the caller's, unless a
    holder is named right before it (an address word, a masked name, a third party, a policy role or an
    organisation: [姓名]先生名下有, 投保人名下有, 公司名下有)."""
    cfg = r.lex["sound"]
    fuzzy = tuple((a, b) for a, b in cfg["fuzzy"])
    person = tuple(r.lex["person"]["male_address"] + r.lex["person"]["female_address"]
                   + r.lex["age"]["policy_roles"] + r.lex["products"]["organisation_holders"]) + r.third + ("]",)
    for cue in cues:
        # a long cue by its sound (as written is the same sound, and never earlier), a short one as written
        at = _sound_at(before, cue, fuzzy) if len(cue) >= cfg["min_syllables"] else before.find(cue)
        if at >= 0 and not before[:at].endswith(person):
            return True
    return False


def _phrase_at(clause: str, phrases: Sequence[str], cfg: dict[str, Any]) -> tuple[int, str]:
    """(where, which) of the first of `phrases` in `clause` as written, else of one of [sound] min_syllables or more
    by its toneless sound (家那口子 heard 加拿口子); (-1, "") when none."""
    for p in phrases:
        if p in clause:
            return clause.find(p), p
    fuzzy = tuple((a, b) for a, b in cfg["fuzzy"])
    for p in phrases:
        if len(p) >= cfg["min_syllables"] and re.fullmatch(r"[\u4e00-\u9fff]+", p):
            at = _sound_at(clause, p, fuzzy)
            if at >= 0:
                return at, clause[at:at + len(p)]
    return -1, ""


def _ends_like(text: str, cues: Sequence[str], by_sound: bool) -> bool:
    """`text` ends with one of `cues`, as written or (`by_sound`) in other characters of its toneless sound: the word
    right before a gazetteer city (俺们洛阳 heard 暗门洛阳), where a homophone stands for the cue."""
    if text.endswith(tuple(cues)):
        return True
    return by_sound and any(len(text) >= len(c) and _sound_at(text[-len(c):], c, ()) == 0 for c in cues)


def _sound_at(text: str, phrase: str, fuzzy: tuple[tuple[str, str], ...]) -> int:
    """Where `phrase`'s toneless sound ([sound] fuzzy merges applied) first starts in `text`, or -1."""
    from callintel.pinyin import syllables

    heard, want = syllables(text, fuzzy), syllables(phrase, fuzzy)
    return next((i for i in range(len(heard) - len(want) + 1) if heard[i:i + len(want)] == want), -1)


def _said_by_sound(text: str, phrases: Sequence[str], cfg: dict[str, Any]) -> bool:
    """One of `phrases` of at least [sound] min_syllables is in `text` by its toneless sound, [sound] fuzzy merges
    applied: an agent's cue heard in other characters (名下有 -> 民下有, 明下有). Shorter phrases are matched as written
    only: two syllables sound like too many everyday words."""
    fuzzy = tuple((a, b) for a, b in cfg["fuzzy"])
    return any(_sound_at(text, p, fuzzy) >= 0 for p in phrases
               if len(p) >= cfg["min_syllables"] and re.fullmatch(r"[\u4e00-\u9fff]+", p))


def _possessed(before: str, holders: Sequence[str], cfg: dict[str, Any]) -> bool:
    """A possession construction ends `before`: the holder, modifiers jieba tags as time, adverb, pronoun or
    locative ([products] possessive_tags: 您现在的, 我自己的, 您原来的, 您之前的), 的, then only nouns,
    numerals and measure words up to the product (团体, 那份). A verb anywhere in it (您要买的) is a relative
    clause about another product, not a possession."""
    at = max((before.rfind(h) + len(h) for h in holders if h in before), default=-1)
    if at < 0 or "的" not in before[at:]:
        return False
    words = [(w.word, w.flag) for w in pos_tagger().cut(before[at:])]
    k = next((n for n, (w, _) in enumerate(words) if w == "的"), None)
    if k is None:
        return False
    tags = tuple(cfg["possessive_tags"])
    return all(f.startswith(tags) for _, f in words[:k]) and all(
        f.startswith(("n", "m", "q", "r")) for _, f in words[k + 1:])


def _income(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["income"]
    # Whisper writes 四千来块 as 4千来快: digits with a numeral unit as well as numerals alone
    amount = re.compile(r"([0-9]+(?:\.[0-9]+)?[万千]?"
                        r"|[一二两三四五六七八九十]{1,3}[来多几]?[万千][一二两三四五六七八九]?)")
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        best: tuple[int, float, bool] | None = None
        for group, yearly in ((cfg["monthly"], False), (cfg["yearly"], True)):
            for cue in group:
                for m in re.finditer(re.escape(cue), text):
                    if not yearly and text[max(0, m.start() - 1):m.start()] in ("年", "每年"):
                        continue
                    window = text[m.end():m.end() + cfg["window"]]
                    a = amount.search(window)
                    if not a:
                        continue
                    gap = window[:a.start()]
                    if any(w in gap or w in text[max(0, m.start() - 3):m.start()] for w in cfg["not_income"]):
                        continue
                    end = m.end() + a.end()
                    if any(w in text[end:end + 5] for w in cfg["not_income"]):
                        continue
                    value = cn_amount(a.group(1))
                    if value is None or value < 500:
                        continue
                    if any(w in gap for w in cfg["below"]):
                        value -= 1  # 一个月加起来都不到五千: just under the amount said
                    pos = m.end() + a.start()
                    if best is None or pos > best[0]:
                        best = (pos, value, yearly)
        if best is None:
            continue
        monthly = best[1] / 12 if best[2] else best[1]
        band = next((name for top, name in cfg["bands"] if monthly < top), cfg["top_band"])
        _add(out, "income_band", band, 0.7, i, text, speaker)


_HOUR = r"[0-9一二两三四五六七八九十]{1,3}点"
_CLOCK = re.compile(rf"^{_HOUR}(?:半|多)?(?:(?:到|至|-){_HOUR}(?:半)?)?(?:以后|之后|以前|之前|前|后)?")


def _contact_time(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["contact_time"]
    words = sorted(cfg["words"], key=lambda w: len(w[0]), reverse=True)
    asked = False
    for i, (speaker, text) in enumerate(turns):
        if speaker == "agent":
            asked = any(w in text for w in cfg["agent_asks"])
            continue
        if speaker != "customer":
            continue
        hit: str | None = None
        for _, clause in text_clauses(text):
            for word, value in words:
                j = clause.find(word)
                if j < 0:
                    continue
                after = _CLOCK.sub("", clause[j + len(word):])  # 下午四点以后打: the clock time is part of it
                lead = clause[:j]
                if any(w in lead for w in cfg["past_before"]) or "说" in lead or \
                        (any(w in lead for w in cfg["other_subject"]) and "让" not in lead and "我" not in clause[j:]
                         and not any(c in lead for c in cfg["call_after"])):
                    continue
                call_at = min((k for k in (after.find(c) for c in cfg["call_after"]) if k >= 0), default=-1)
                if call_at > 0 and any(w in after[:call_at] for w in r.third):
                    continue  # 晚上我给他打电话: the caller calling someone else
                if after.startswith(tuple(cfg["busy_after"])) or (any(after.startswith(b) for b in ("就", "再")) \
                        and not any(c in after for c in cfg["call_after"])):
                    continue
                answers = asked and (not after or after.startswith(tuple(cfg["answer_after"])))
                if any(c in after[:8] for c in cfg["call_after"]) or answers:
                    hit = value
                    break
            if hit:
                break
        if hit is None and asked and not any(w in text for w in cfg["past_before"]):
            m = re.search(r"(\d{1,2}|[一二两三四五六七八九十]{1,3})点", text)
            if m:
                h = cn_number(m.group(1))
                if h is not None:
                    hit = "上午" if 7 <= h <= 11 else "中午" if h in (12, 1) and "晚" not in text else \
                        "下午" if 2 <= h <= 5 else "晚上"
        if hit:
            _add(out, "preferred_contact_time", hit, 0.8, i, text, speaker)
        asked = False


def _needs(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["needs"]
    health: set[str] = set()
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        for word in cfg["health"]:
            if word in text and word not in health and not any(word in h for h in health):
                health.add(word)
                _add(out, "health_condition", word, 0.7, i, text, speaker)
        if any(w in text for w in cfg["budget"]):
            _add(out, "budget_concern", next(w for w in cfg["budget"] if w in text), 0.6, i, text, speaker)
        for word, who in cfg["insured"]:
            cue = "|".join(cfg["insured_cues"])
            if re.search(rf"(?:{cue})(?:我)?(?:家)?(?:俩|两个)?{re.escape(word)}\S{{0,6}}?(?:买|投保|保)", text):
                _add(out, "insured_person", who, 0.7, i, text, speaker)
                break


def _answers(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    """Short answers to the agent's profile questions (您是做什么工作的？ -> 老师。): the question names the field."""
    cfg = r.lex["answers"]
    nouns = sorted(r.lex["occupation"]["nouns"], key=len, reverse=True)
    for i in range(1, len(turns)):
        (asp, ask), (sp, text) = turns[i - 1], turns[i]
        if asp != "agent" or sp != "customer" or len(text) > cfg["max_chars"] or any(w in text for w in r.third):
            continue
        if any(w in ask for w in cfg["occupation"]):
            job = next((n for n in nouns if n in text), None)
            if job and job not in r.lex["occupation"]["not_occupation"]:
                _add(out, "occupation", job, 0.7, i, text, sp)
        if any(w in ask for w in cfg["city"]):
            city = next((c for _, _, c in r.lex.places(text)), None)
            if city:
                _add(out, "city", city, 0.7, i, text, sp)
        if any(w in ask for w in cfg["marital"]):
            if re.match(r"^(?:嗯|对|是的|是)?[，,]?(?:结了|结婚了|已婚|成家了)", text):
                _add(out, "marital_status", "已婚", 0.7, i, text, sp)
            elif re.match(r"^(?:还)?(?:没有|没呢|还没|没结|单身)", text):
                _add(out, "marital_status", "未婚", 0.7, i, text, sp)
        if any(w in ask for w in cfg["children"]):
            m = re.search(r"(?:^|有)(一|两|俩|二|三|仨|[1-4])个", text)
            if m:
                _add(out, "children", str(r.lex["children"]["counts"][m.group(1)]), 0.7, i, text, sp)
            elif re.match(r"^(?:还)?(?:没有|没呢|还没)", text):
                _add(out, "children", "0", 0.65, i, text, sp)


def extract(turns: Sequence[tuple[str, str]], lex: ProfileLexicon, call_date: date | None = None,
            stated_ages: dict[int, int] | None = None) -> list[Fact]:
    """Every profile fact of one call; one fact per field (the most confident, then the latest),
    except existing_policies and health_condition (one per item). `stated_ages`: turn index -> the age its
    masked ID number or birth date gave (utterances.stated_age)."""
    r = ProfileReader(lex)
    facts: list[Fact] = []
    _gender(turns, r, facts)
    if not facts:
        _address_by_sound(turns, r, facts)
    _age(turns, r, facts, call_date)
    _stated_ages(turns, stated_ages or {}, r, facts)
    _city(turns, r, facts)
    _occupation(turns, r, facts)
    _marital(turns, r, facts)
    _children(turns, r, facts)
    _policies(turns, r, facts)
    _income(turns, r, facts)
    _contact_time(turns, r, facts)
    _needs(turns, r, facts)
    _answers(turns, r, facts)
    return _one_per_field(facts)


def _one_per_field(facts: list[Fact]) -> list[Fact]:
    multi = {"existing_policies", "health_condition"}
    out: list[Fact] = []
    by_field: dict[str, list[Fact]] = {}
    for f in facts:
        by_field.setdefault(f.field, []).append(f)
    for name in FIELDS:
        group = by_field.get(name, [])
        if not group:
            continue
        if name in multi:
            out += group
            continue
        if name == "gender":
            votes: dict[str, float] = {}
            for f in group:
                votes[f.value] = votes.get(f.value, 0.0) + f.confidence
            value = max(votes, key=lambda v: (votes[v], -min(f.turn for f in group if f.value == v)))
            first = min((f for f in group if f.value == value), key=lambda f: f.turn)
            share = votes[value] / sum(votes.values())
            out.append(Fact(first.field, value, round(first.confidence * share, 3), first.turn, first.evidence,
                            first.source))
            continue
        out.append(max(group, key=lambda f: (f.confidence, f.turn)))
    return out


@dataclass
class MergedFact:
    """A caller's value of one field across calls: the newest call wins, older different values stay as conflicts."""

    caller: str
    field: str
    value: str
    confidence: float
    call_id: str
    turn: int
    evidence: str
    conflicts: list[dict[str, Any]] = field(default_factory=list)


def merge_facts(rows: Iterable[tuple[str, Any, str, Fact]]) -> list[MergedFact]:
    """rows: (caller, started_at, call_id, fact). Per caller and field, newest call first."""
    groups: dict[tuple[str, str], list[tuple[Any, str, Fact]]] = {}
    for caller, started, call_id, fact in rows:
        groups.setdefault((caller, fact.field), []).append((started, call_id, fact))
    out = []
    for (caller, name), items in sorted(groups.items()):
        items.sort(key=lambda x: (x[0], x[1], x[2].turn), reverse=True)
        started, call_id, newest = items[0]
        if name in ("existing_policies", "health_condition"):
            value = "、".join(sorted({f.value for _, _, f in items}))
            out.append(MergedFact(caller, name, value, newest.confidence, call_id, newest.turn, newest.evidence))
            continue
        conflicts = []
        seen = {newest.value}
        for s, c, f in items[1:]:
            if f.value not in seen and not _compatible(name, newest.value, f.value):
                seen.add(f.value)
                conflicts.append({"value": f.value, "call_id": c, "started_at": str(s), "turn": f.turn,
                                  "evidence": f.evidence})
        out.append(MergedFact(caller, name, newest.value, newest.confidence, call_id, newest.turn, newest.evidence,
                              conflicts))
    return out


def _compatible(name: str, a: str, b: str) -> bool:
    """Values that do not contradict: an age band holding the exact age, 老师 ~ 中学老师."""
    if name == "age":
        def span(v: str) -> tuple[int, int]:
            lo, _, hi = v.partition("-")
            return int(lo), int(hi or lo)
        (a0, a1), (b0, b1) = span(a), span(b)
        return a0 - 1 <= b1 and b0 - 1 <= a1
    if name in ("occupation", "city"):
        return a in b or b in a
    return a == b


# --- the profiles step's compute (flows/steps.py): the nights' calls and turns in, facts per call out ---

@dataclass(frozen=True)
class ProfileCall:
    """A call as the profiles step loads it (warehouse/profiles.py load)."""

    call_id: str
    caller_hash: str | None
    started_at: datetime
    utterances: list[tuple[str, str]]  # (speaker, text) in seq order
    stated_ages: dict[int, int]  # seq -> the age its ID number or birth date gave (utterances.stated_age)


@dataclass(frozen=True)
class ProfileInputs:
    calls: list[ProfileCall]


@dataclass(frozen=True)
class CallFacts:
    """One call's facts as `profile_facts` keys them (the caller and start come along for the view's merge)."""

    call_id: str
    caller_hash: str | None
    started_at: datetime
    facts: list[Fact]


@dataclass(frozen=True)
class ProfileResult:
    calls: list[CallFacts]


def compute(inputs: ProfileInputs, settings: Settings, lex: ProfileLexicon | None = None) -> ProfileResult:
    """Each call's facts at least [profiles].min_confidence sure, read on the call's local date (pure)."""
    lex = lex or lexicon_from_settings(settings)
    tz = ZoneInfo(settings["night"]["timezone"])
    floor = settings["profiles"]["min_confidence"]
    out = []
    for c in inputs.calls:
        facts = extract(c.utterances, lex, c.started_at.astimezone(tz).date(), c.stated_ages)
        out.append(CallFacts(c.call_id, c.caller_hash, c.started_at, [f for f in facts if f.confidence >= floor]))
    return ProfileResult(out)

"""Age: a stated age (我今年六十六了, 您四十五岁), a decade (五十多岁, 八零后), an ID number or birth date (digits
still in the text, or the age read before masking: utterances.stated_age, callintel/ages.py)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from callintel.ages import age_from_birth, age_from_id
from callintel.nlp.profiles.reader import Fact, ProfileReader, add_fact, clause_prefix, cn_number, text_clauses
from callintel.regex_words import alternation

_NUM = r"(?:[0-9]{1,3}|[一二两三四五六七八九十]{1,3})"
_NUMERAL = r"[0-9一二两三四五六七八九十百千零]"   # a number goes on: 九十 of 九十七个人 is no age


def read_age(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact], on: date | None) -> None:
    cfg = r.lex["age"]
    filler = alternation(cfg["filler"])
    vague = alternation(cfg["vague_suffix"])
    lo, hi = cfg["min_age"], cfg["max_age"]
    # after 我 + the number, any word but a unit (我今年六十六文: 了 misheard still ends an age; 三十多年 is a span)
    unit = alternation(cfg["units"])
    other = rf"(?=[\u4e00-\u9fff])(?!{unit}|{vague}|{_NUMERAL})"
    # 我们俩都才二十六: a pair the caller is one of says the caller's age too
    me = r.subject   # [person] self but the reflexive: the caller speaking of themself
    own = re.compile(rf"(?:{me})(?:们?俩)?(?:(?:{filler}))*({_NUM})(岁|周岁|了|，|,|。|$|{vague}|{other})")
    described = alternation(cfg["described"])
    own_described = re.compile(rf"(?:{me})(?:{described})({_NUM})(岁|周岁)的")   # 我一个七十岁的退休老太婆
    agent = re.compile(rf"您(?:(?:{filler}))*({_NUM})(岁|周岁)")
    band = re.compile(rf"({_NUM})(?:{vague})(?!{unit})")
    lead = re.compile(rf"(?:今年|现在|已经)(?:(?:{filler}))*({_NUM})(?:岁|周岁|了|$)")  # 今年五一他结婚了: a date
    # an age reached, opening a clause of the caller's (我喺小区做保安，六十一岁了人家还肯请我)
    aged = re.compile(rf"({_NUM})(?:岁|周岁)了")
    # 都二十八岁的人了: the idiom that describes someone by their age; 年纪大了，七十二了: a bare number after a clause
    # of the caller's age (the words the agent asks it with), as if the agent had asked
    peer = re.compile(rf"(?:(?:{filler}))*({_NUM})(?:岁|周岁)的人了")
    bare = re.compile(rf"(?:(?:{filler}))*({_NUM})(?:岁|周岁)?了?")
    asked = False
    for i, (speaker, text) in enumerate(turns):
        found = False
        if speaker == "customer" and asked:
            # the answer is the turn's first clause (二十九。社保……): a number and nothing else in it
            # ... or a space: recognised speech joins two pieces without punctuation (29 社保…)
            m = re.match(rf"(?:{me})?(?:(?:{filler}))*({_NUM})(?:岁|周岁)?(?:了)?(?:[。，,！!\s]|$)", text.strip())
            n = cn_number(m.group(1)) if m else None
            if n is not None and lo <= n <= hi:
                add_fact(out, "age", str(n), 0.85, i, text, speaker)
                asked = False
                continue
        asked = speaker == "agent" and any(w in text for w in cfg["agent_asks"])
        pattern = own if speaker == "customer" else agent if speaker == "agent" else None
        if pattern is None:
            continue
        found_at = list(pattern.finditer(text))
        if speaker == "customer":
            found_at += list(own_described.finditer(text))
        for m in found_at:
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
                add_fact(out, "age", f"{decade}-{decade + 9}", 0.7, i, text, speaker)
            else:
                add_fact(out, "age", str(n), 0.9 if speaker == "customer" else 0.85, i, text, speaker)
            found = True
            break
        if found or speaker != "customer":
            continue
        raised = False   # the clause before spoke of the caller's age (年纪大了)
        for start, clause in text_clauses(text):
            said = clause.strip()
            m = lead.match(said) or aged.match(said) or peer.search(said) or (bare.fullmatch(said) if raised else None)
            n = cn_number(m.group(1)) if m else None
            if n is not None and lo <= n <= hi and r.about_caller(clause, m.start(), speaker,
                                                                  clause_prefix(text, start)):
                add_fact(out, "age", str(n), 0.85, i, text, speaker)
                found = True
                break
            raised = any(w in clause for w in cfg["agent_asks"]) and r.about_caller(
                clause, 0, speaker, clause_prefix(text, start))
        if found:
            continue
        for start, clause in text_clauses(text):
            m = band.search(clause)
            before = clause_prefix(text, start)
            if m and ("的人" in clause or any(w in before + clause[:m.start()] for w in r.self_words)) \
                    and r.about_caller(clause, m.start(), speaker, before):
                n = cn_number(m.group(1))
                if n is not None and lo <= n <= hi and n % 10 == 0:
                    add_fact(out, "age", f"{n}-{n + 9}", 0.65, i, text, speaker)
                    found = True
                    break
        if found or on is None:
            continue
        # 我是80后 / 俺九零后: the decade of birth, an age band on the call's date
        for start, clause in text_clauses(text):
            m = re.search(r"([0-9]0|[五六七八九零]零)后", clause)
            if m and any(w in clause_prefix(text, start) + clause[:m.start()] for w in r.self_words) \
                    and r.about_caller(clause, m.start(), speaker, clause_prefix(text, start)):
                decade = int(m.group(1).translate(str.maketrans("五六七八九零", "567890")))
                born = (1900 if decade >= on.year % 100 else 2000) + decade
                if lo <= on.year - born - 9 and on.year - born <= hi:
                    add_fact(out, "age", f"{on.year - born - 9}-{on.year - born}", 0.65, i, text, speaker)
                    found = True
                    break
        if found:
            continue
        # Digits still present (text before masking): an ID number or a spoken birth date.
        for m in re.finditer(r"(?<!\d)(\d{17}[\dXx])(?!\d)", text):
            age = age_from_id(m.group(1), on)
            if age is not None and lo <= age <= hi:
                add_fact(out, "age", str(age), 0.95, i, text, speaker)
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
                add_fact(out, "age", str(age), 0.9, i, text, speaker)


_STATED_MASKS = ("[身份证号]", "[出生日期]")


def read_stated_ages(turns: Sequence[tuple[str, str]], ages: dict[int, int], r: ProfileReader, out: list[Fact]) -> None:
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
        if where >= 0 and not r.about_caller(clause, where - start, speaker, clause_prefix(text, start)):
            continue
        asked = next((t for sp, t in reversed(turns[:i]) if sp == "agent"), "")
        request = "".join(c for _, c in text_clauses(asked) if any(w in c for w in cfg["asks_number"]))
        for w in cfg["policy_roles"]:
            request = request.replace(w, "")
        if any(w in request for w in r.third):
            continue  # 您父亲的身份证号码: the number said next is his
        add_fact(out, "age", str(age), 0.9, i, text, speaker)

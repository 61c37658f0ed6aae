"""One call's facts (every reader, then one fact per field) and a caller's facts merged across calls."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from callintel.nlp.profiles.age import read_age, read_stated_ages
from callintel.nlp.profiles.answers import read_answers
from callintel.nlp.profiles.city import read_city, read_city_read_back
from callintel.nlp.profiles.contact import read_contact_time
from callintel.nlp.profiles.family import read_children, read_marital
from callintel.nlp.profiles.needs import read_needs
from callintel.nlp.profiles.person import read_address_by_sound, read_gender
from callintel.nlp.profiles.policies import read_policies
from callintel.nlp.profiles.reader import FIELDS, MULTI_FIELDS, Fact, ProfileLexicon, ProfileReader
from callintel.nlp.profiles.work import read_income, read_occupation
from callintel.regex_words import alternation


def extract(turns: Sequence[tuple[str, str]], lex: ProfileLexicon, call_date: date | None = None,
            stated_ages: dict[int, int] | None = None) -> list[Fact]:
    """Every profile fact of one call; one fact per field (the most confident, then the latest), except
    existing_policies, policies_on_file and health_condition (one per item). `stated_ages`: turn index -> the age
    its masked ID number or birth date gave (utterances.stated_age)."""
    r = ProfileReader(lex)
    said = turns
    turns = regional_function_read(regional_self_read(turns, lex["person"]["regional_self"]), lex["person"])
    facts: list[Fact] = []
    read_gender(turns, r, facts)
    if not facts:
        read_address_by_sound(turns, r, facts)
    sex = next((f.value for f in facts if f.field == "gender"), None)
    if sex:
        r.caller_is(sex)   # 我这老头子 said by a man is the caller
    read_age(turns, r, facts, call_date)
    read_stated_ages(turns, stated_ages or {}, r, facts)
    read_city(turns, r, facts)
    read_city_read_back(turns, r, facts)
    read_occupation(turns, r, facts)
    read_marital(turns, r, facts)
    read_children(turns, r, facts)
    read_policies(turns, r, facts)
    read_income(turns, r, facts)
    read_contact_time(turns, r, facts)
    read_needs(turns, r, facts)
    read_answers(turns, r, facts)
    # the evidence is the turn as said, not as read
    facts = [replace(f, evidence=said[f.turn][1]) if f.evidence == turns[f.turn][1] else f for f in facts]
    return _one_per_field(facts)


def regional_self_read(turns: Sequence[tuple[str, str]], words: Sequence[str]) -> list[tuple[str, str]]:
    """The customer's turns with each regional first-person word ([person] regional_self) that jieba cuts as a word
    of its own, or at the head of a word it fused (额家), read as 我; other turns and words as they are."""
    from callintel.general_words import pos_tagger

    def read(text: str) -> str:
        return "".join("我" + w[1:] if w[:1] in words and (len(w) == 1 or w[1:] in _FUSED_AFTER) else w
                       for w in (t.word for t in pos_tagger().cut(text)))

    return [(speaker, read(text) if speaker == "customer" and any(w in text for w in words) else text)
            for speaker, text in turns]


_FUSED_AFTER = ("家", "们")   # 额家, 额们: jieba joins the pronoun with these into one unknown word


def regional_function_read(turns: Sequence[tuple[str, str]], cfg: dict) -> list[tuple[str, str]]:
    """The customer's turns with the function words of Cantonese and Wu read as Mandarin's, one character for one, so
    every construction reads them and what it finds keeps its place in the turn: the characters no Mandarin word
    has ([person] regional_function_chars: 喺 在, 咗 了, 嘅 的, 佢 他); those that are also part of Mandarin words
    (系 of 关系, 伊 of 伊朗) only where jieba cuts them as a word of their own (regional_function_words); whole phrases
    first (regional_function_phrases: 唔该 as 麻烦), then the negative 唔 before a word (唔知, 唔系; regional_negation),
    not the hesitation 唔， or 唔我…"""
    from callintel.general_words import pos_tagger

    table = str.maketrans(dict(cfg["regional_function_chars"]))
    alone = dict(cfg["regional_function_words"])
    phrases = cfg["regional_function_phrases"]
    negative, mandarin = cfg["regional_negation"]
    not_before = alternation(cfg["regional_negation_not_before"])
    negation = re.compile(rf"{re.escape(negative)}(?=[\u4e00-\u9fff])(?!{not_before})")

    def read(text: str) -> str:
        for phrase, meaning in phrases:
            text = text.replace(phrase, meaning)
        text = negation.sub(mandarin, text.translate(table))
        if any(w in text for w in alone):
            text = "".join(alone.get(w.word, w.word) for w in pos_tagger().cut(text))
        return text

    return [(speaker, read(text) if speaker == "customer" else text) for speaker, text in turns]


def _one_per_field(facts: list[Fact]) -> list[Fact]:
    multi = set(MULTI_FIELDS)
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
        if name in MULTI_FIELDS:
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

"""Existing policies: product types the caller holds, named by type or by product name with the type inferred
(您名下有一份…重疾险, 我单位给上了团险), never the product on offer or one the caller does not have."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from callintel.general_words import pos_tagger
from callintel.nlp.profiles.reader import Fact, ProfileReader, add_fact, clause_prefix, in_dictionary, text_clauses
from callintel.nlp.profiles.sound import said_by_sound, sound_at
from callintel.regex_words import alternation

# 那啥……医疗险 (normalised to 那啥。.....医疗险): a pause inside a clause, the speaker searching for a word
_HESITATION = re.compile(r"(?<=[\u4e00-\u9fff])[。，,]?(?:…+|\.{2,})(?=[\u4e00-\u9fff])")


def read_policies(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["products"]
    keys = alternation({k for k, _ in cfg["names"] + cfg["types"]})
    mention = re.compile(rf"([\u4e00-\u9fffA-Za-z]{{0,10}}?)({keys})")
    comment = re.compile(cfg["owned_comment"])
    seen: set[tuple[str, str]] = set()
    if cfg["agent_read_field"] not in _AGENT_READ_FIELDS:
        raise ValueError(f"[products] agent_read_field = {cfg['agent_read_field']!r}: one of {_AGENT_READ_FIELDS} "
                         "(policies_on_file keeps the agent's read-outs apart; existing_policies counts them as held)")
    # 我老公有个…, 我那口子, 我小孩: a first-person word followed by a relation, a spouse or a child is someone else
    # holding it (我家, the household, is not)
    kin = (*r.lex["person"]["relation_after_self"], *r.lex["person"]["third_party"], *r.lex["marital"]["spouse"],
           *r.lex["children"]["nouns"])
    others = alternation({w for w in kin if not w.endswith("家")})
    self_words = r.me
    own_reflexive = re.compile(rf"({alternation(r.subject_words)})(?:{alternation(r.lex['person']['reflexive'])})")
    together = alternation(r.together)
    # 您在我们这儿有一份, 您在2020年投保了一份, 我自己单位有: the holder (the caller's words or the agent's 您), a few
    # words, then a verb of holding (not 有的/有没有), or a count limited by 就/只 right before the product
    holds_by = {who: re.compile(rf"(?:{holder})(?!{others})[^，,。？?没未不]{{0,8}}?"
                                rf"(?:{alternation(cfg['hold_verbs'])}|{cfg['verbless_hold']})(?![的没什哪])")
                for who, holder in (("customer", self_words), ("agent", "您"))}
    for i, (speaker, text) in enumerate(turns):
        if speaker not in ("customer", "agent"):
            continue
        owned_words = cfg["owned_customer"] if speaker == "customer" else cfg["owned_agent"]
        holds = holds_by[speaker]
        seen_here = False
        # a hesitation (买过一个那啥……医疗险) is the speaker searching for the word, not the end of a clause
        said = _HESITATION.sub("", text)
        for at, clause in text_clauses(said):
            asks = said[at + len(clause):at + len(clause) + 1] in ("？", "?")
            if any(w in clause for w in cfg["not_owned"]):
                continue
            if speaker == "agent" and re.search(r"买(?![的了过])", clause):
                continue
            held_to = -1   # where the last product held in this clause ends: one coordinated with it is held too
            for n, m in enumerate(mention.finditer(clause)):
                if n and not (held_to >= 0 and _COORDINATED.fullmatch(clause[held_to:m.start(2)])):
                    break   # a later product is held only with the one before (重疾险和一个定期寿险)
                tail = clause[m.end():m.end() + 3]
                kind = r.product_type(m.group(2) + tail[:1])
                if kind is None or _other_word(m.group(2), tail):
                    break
                if not n:   # the clause's first product: held when said as owned, of the caller
                    before = clause[:m.start(2)]
                    if m.group(2) in cfg["need_xian"] and "险" not in clause:
                        continue
                    if re.search(r"[没未不][^，,。]{0,5}?(?:买|有|上|投保)", before):
                        continue  # 都没给自己买过重疾: a negated holding
                    if speaker == "customer" and re.search(r"(?<![我俺您])(?:这个|这款|这种)$", before):
                        continue  # 买了这个医疗险，以后…能报吗: the product being offered (我这个 is the caller's own)
                    tail = re.sub(r"^(?:保险|险)", "", clause[m.end():])
                    # the reflexive after the caller says nothing of holding (我自己那个意外险 is 我那个)
                    plain = own_reflexive.sub(r"\1", before) if speaker == "customer" else before
                    owned = any(w in plain for w in owned_words) or bool(holds.search(before)) or (
                        speaker == "customer" and (tail.startswith(tuple(cfg["owned_after"]))
                                                   or (not asks and comment.match(tail.strip())))) or _possessed(
                        before, r.self_words if speaker == "customer" else ("您",), cfg) or (
                        speaker == "agent" and (said_by_sound(before, owned_words, r.lex["sound"])
                                                or _unnamed_holder(before, cfg["unnamed_holder"], r)))
                    if not owned and not (seen_here and before.endswith(tuple(cfg["also"]))):
                        continue
                    if speaker == "customer" and _relatives(before, self_words, others, together):
                        continue   # 我小孩有个意外险, 我那口子有…: a relative's (not 我老公给我买了…: the caller's)
                    if not r.about_caller(clause, m.start(2), speaker, clause_prefix(said, at)):
                        continue
                held_to = m.end()   # held here, said before or not: a product coordinated with it is held too
                # the agent reading the caller's record: [products] agent_read_field (policies_on_file)
                field = cfg["agent_read_field"] if speaker == "agent" else "existing_policies"
                if (field, kind) not in seen:
                    seen_here = seen_here or not n
                    seen.add((field, kind))
                    add_fact(out, field, kind, 0.85 if speaker == "agent" else 0.8, i, text, speaker)


_AGENT_READ_FIELDS = ("policies_on_file", "existing_policies")   # where [products] agent_read_field may send them

# between two products held together: (险)? a coordinating conjunction, an optional measure and up to six characters
# of the second's name (重疾险和一个定期寿险, 医疗险跟意外, 寿险、重疾): Mandarin's closed class of noun coordination
_COORDINATED = re.compile(r"(?:保险|险)?(?:和|跟|与|及|以及|还有|加上|外加|、)(?:一个|一份|个|份)?[\u4e00-\u9fff]{0,6}")


def _relatives(before: str, self_words: str, others: str, together: str) -> bool:
    """The last first-person word before the product opens a relative (我小孩有个…, 我那口子有…): theirs; not the
    caller with them (我跟我老公都有…), nor the caller said again after them (我朋友介绍我买过…, 我老公给我买了…)."""
    last = max((m.start() for m in re.finditer(rf"(?:{self_words})", before)), default=-1)
    if last < 0 or not re.match(rf"(?:{self_words})(?:{others})", before[last:]):
        return False
    return not re.search(rf"(?:{together})$", before[:last])   # [person] together: 跟, 和, 同, 与


def _other_word(key: str, tail: str) -> bool:
    """The type's key begins another word of jieba's dictionary (养老院, 养老金, 医疗费, 住院部): a place, a benefit
    or a cost, no product; a word going on into 保 or 险 (医疗保险) is still the product."""
    if "险" in tail:
        return False   # 养老金保险, 医疗保险: the word goes on to the product
    return any(in_dictionary(key + tail[:n]) and not tail[:n].startswith("保") for n in (1, 2) if len(tail) >= n)


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
        at = sound_at(before, cue, fuzzy) if len(cue) >= cfg["min_syllables"] else before.find(cue)
        if at >= 0 and not before[:at].endswith(person):
            return True
    return False


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

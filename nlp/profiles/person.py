"""Gender: the agent's form of address (刘先生, 好的阿姨), the caller's own words (我是男的, 我老婆), and an address
word misheard in an address slot when nothing else says it."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callintel.mandarin import CLOSING_PARTICLES, clause_end, linking_adverb
from callintel.nlp.profiles.reader import (
    Fact,
    ProfileReader,
    add_fact,
    clause_prefix,
    in_dictionary,
    spouse_of_caller,
    text_clauses,
)
from callintel.regex_words import alternation

_CLAUSE_END = re.compile(r"[，,。！!？?；;：:…\s~]")


def _vocative(text: str, start: int, end: int, after_words: Sequence[str]) -> bool:
    """An address word used to address (刘先生，/ 先生您好 / 好的阿姨。), not to speak of someone: it ends its
    clause, or what follows is a word that goes on talking to the caller."""
    after = text[end:]
    return not after or bool(_CLAUSE_END.match(after)) or after.startswith(tuple(after_words))


def kin_of_caller(kin: Sequence[str], r: ProfileReader) -> re.Pattern[str]:
    """我是他妈妈, 俺是孩子他爸, 我是被保险人的母亲: the caller says what they are to someone. Only whose it is stands
    between 是 and the kinship term ([person] kin_whose, 的 after each), and the term ends the clause: 我是给我妈问的
    (on someone's behalf), 我是来看妈妈, 我是陪老婆 say nothing of the caller."""
    me = r.me
    whose = alternation(r.lex["person"]["kin_whose"])
    words = alternation(kin)
    return re.compile(rf"(?:{me}){linking_adverb()}是(?:(?:{whose})的?){{0,2}}(?:{words})儿?{clause_end()}")   # 媳妇儿


def _says_own_sex(text: str, words: Sequence[str], r: ProfileReader) -> bool:
    """我是男的, 我一个女的: the caller's sex said of the caller, as what they are (the word ends its clause or a
    particle follows it), not of someone else (她一个女的六十多了) nor as a modifier (那个男的业务员)."""
    for start, clause in text_clauses(text):
        for w in words:
            for m in re.finditer(rf"(?<![妇男女]){re.escape(w)}", clause):
                after = clause[m.end():]
                if after[:1] and re.match(r"[\u4e00-\u9fff]", after) and not after.startswith(tuple(CLOSING_PARTICLES)):
                    continue
                if r.about_caller(clause, m.start(), "customer", clause_prefix(text, start)):
                    return True
    return False


def read_gender(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    p = r.lex["person"]
    not_after = tuple(p["address_not_after"])
    # the caller's words for their spouse or for what they are to someone: patterns built once for the call
    spouse = [("男", spouse_of_caller(p["wife"], r, p["wife_titles"])),
              ("女", spouse_of_caller(p["husband"], r, p["husband_titles"]))]
    kin = [("女", kin_of_caller(p["female_kin"], r)), ("男", kin_of_caller(p["male_kin"], r))]
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
                        add_fact(out, "gender", value, 0.9, i, text, "agent")
                        break
        elif speaker == "customer":
            for value, words in (("男", p["male_self"]), ("女", p["female_self"])):
                if _says_own_sex(text, words, r):
                    add_fact(out, "gender", value, 0.95, i, text, "customer")
            if any(r.about_caller(clause, j, "customer", clause_prefix(text, start)) for start, clause in
                   text_clauses(text) for w in p["female_states"] if (j := clause.find(w)) >= 0):
                add_fact(out, "gender", "女", 0.8, i, text, "customer")   # 我怀孕五个多月了
            for value, pattern in spouse:   # per clause: a spouse word may open any of them (…，老公在外地)
                if any(pattern.search(clause) for _, clause in text_clauses(text)):
                    add_fact(out, "gender", value, 0.6, i, text, "customer")
            for value, pattern in kin:
                if pattern.search(text):
                    add_fact(out, "gender", value, 0.7, i, text, "customer")


def read_address_by_sound(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
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
        if not m or in_dictionary(m.group(1)):
            continue
        heard = syllables(m.group(1))
        near = {value for w, value in words if sum(a != b for a, b in zip(syllables(w), heard, strict=True)) == 1}
        if len(near) == 1:
            add_fact(out, "gender", near.pop(), p["address_by_sound_confidence"], i, text, "agent")

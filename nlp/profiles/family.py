"""Marital status and children: the first status said about the caller, and how many children they have."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callintel.mandarin import clause_end, linking_adverb
from callintel.nlp.profiles.person import kin_of_caller
from callintel.nlp.profiles.reader import (
    Fact,
    ProfileReader,
    add_fact,
    clause_at,
    clause_prefix,
    spouse_of_caller,
    text_clauses,
)
from callintel.nlp.profiles.sound import phrase_at
from callintel.regex_words import alternation

# 一个/一位, optionally a modifier that ends in 的, then (the caller's words go on with) the noun it describes
_DESCRIBED = r"(?:一个|一位)(?:[^，,。！!？?]{0,6}的)?"
# an old person's word (老头子, 老太婆: [person] sex_of) after a determiner, a copula or a word of many (那个老头子,
# 有个老太婆, 我是个老头子了, 好多老太婆) is a person described, unless the caller's word owns the determiner
# (我们那个老头子, 我这老头子: by a caller of the other sex, the spouse)
_SOMEONE = re.compile(r"(?:[那这有哪是]个|[那这]位|是|这|好多|很多|这些|那些|些)$")


def _described_plainly(word: str, lead: str, r: ProfileReader) -> bool:
    """An old person's word said of someone described (`_SOMEONE`), not of the caller's own household."""
    if word not in r.lex["person"]["sex_of"] or not _SOMEONE.search(lead):
        return False
    return not re.search(rf"(?:{r.me})(?:们|家)?(?:那个|这个|这|那)$", lead)


def read_marital(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    """The first status said about the caller, checked 丧偶, 离异, 未婚, 已婚: a listed phrase, or a construction
    of [marital] words: a spouse and a word of loss (俺老伴儿前年走了), a partner and a negation
    (男朋友都没有, 还没对象), 我们 … 离了. A phrase in a clause about someone else (他结婚了) does not count."""
    cfg = r.lex["marital"]
    spouse, loss = alternation(cfg["spouse"]), alternation(cfg["loss"])
    partner, negation = alternation(cfg["partner"]), alternation(cfg["partner_negation"])
    titles = [*r.lex["person"]["wife_titles"], *r.lex["person"]["husband_titles"]]   # 我先生, 我太太
    # 丧偶: the loss in the spouse's clause, or opening the next one with the spouse as its pronoun (俺那口子，他不在了)
    # the regional spouse words that are everyday nouns (我男人, 俺家老爷们儿) are spouses only after the caller's word
    titled = alternation(r.lex["person"]["regional_spouse_titles"])
    who = rf"(?:(?:{spouse})|(?<=[我俺])家?(?:{titled}))儿?"
    lost = rf"{who}(?:[^，,。！!？?]{{0,4}}?|[，,](?:他|她)[^，,。！!？?]{{0,3}}?)(?:{loss})"
    said = {"丧偶": re.compile(lost),
            "离异": re.compile(r"(?:我们|俺们|咱们|我俩|我跟他|我跟她|我和他|我和她)[^，,。！!？?]{0,4}?离了"),
            "未婚": re.compile(rf"(?:(?:{negation})(?:{partner}))|(?:(?:{partner})[都也还]?(?:{negation}))"),
            "已婚": spouse_of_caller(cfg["spouse"], r, titles)}
    is_spouse = kin_of_caller(cfg["spouse"], r)   # 俺是他媳妇儿: the caller is someone's spouse
    # where the caller first used a spouse word to describe someone (一个七十八岁的老头子): said bare after that, the
    # word is that someone again (老头子眼睛都花了), not the caller's spouse. The word heads the description: right
    # after 一个/一位 or after a modifier ending in 的 (not 一个多月前老伴…, 就我一个人照顾老伴)
    described: dict[str, tuple[int, int]] = {}
    for i, (speaker, text) in enumerate(turns):
        for start, clause in text_clauses(text) if speaker == "customer" else ():
            for w in cfg["spouse"]:
                if w not in described and re.search(_DESCRIBED + re.escape(w), clause):
                    described[w] = (i, start)
    # another household's (那家(的)老头, 老王家老头): not the caller's spouse
    not_own = re.compile(rf"(?:{alternation(cfg['not_own'])})的?$")
    own_home = tuple(r.lex["person"]["household"])
    for status in ("丧偶", "离异", "未婚", "已婚"):
        for i, (speaker, text) in enumerate(turns):
            if speaker != "customer":
                continue
            clauses = text_clauses(text)
            for n, (start, clause) in enumerate(clauses):
                # a clause ending in a spouse word is read with the next (the loss may open it: 那口子，他不在了)
                read = clause
                if status == "丧偶" and n + 1 < len(clauses):
                    read = text[start:clauses[n + 1][0] + len(clauses[n + 1][1])]
                m = said[status].search(read) if status in said else None
                if m and m.start() >= len(clause):
                    m = None
                if m is None and status == "已婚":
                    m = is_spouse.search(clause)
                # where the cue is: the spouse word of a construction that captures it (我和我老公 -> 老公)
                j, hit = ((m.start(1) if m.re.groups else m.start()), m.group()) if m else phrase_at(
                    clause, cfg[status], r.lex["sound"])
                if j < 0:
                    continue
                if status in cfg["need_self"] and \
                        not any(w in clause_prefix(text, start) + clause for w in r.self_words):
                    continue
                if status == "已婚" and re.search(r"(?:没|未|不)(?:有)?" + re.escape(hit), clause):
                    continue
                if re.search(_DESCRIBED + "$", clause[:j]) or (m is None and _described_plainly(hit, clause[:j], r)):
                    continue  # 一个七十八的老头子, 楼下有个老太婆, 我是老头子了: someone described, no spouse
                if not_own.search(clause[:j]) or (clause[:j].endswith("家") and not clause[:j].endswith(own_home)):
                    continue  # 那家(的)老头今年走了, 隔壁老王家老头: another household's
                word = next((w for w in cfg["spouse"] if clause.startswith(w, j)), hit)
                if r.own_sex_word(word):
                    continue  # 我这老头子 said by a man: the caller, not his spouse
                if described.get(word, (len(turns), 0)) < (i, start) and not any(w in clause[:j] for w in r.self_words):
                    continue  # said bare after it described someone (老头子眼睛都花了, …去年走了): that someone again
                # the caller's own spouse word (我老公, 俺媳妇) says the caller is married whoever the clause is about
                # (他是我老公, 她跟我老公是同事, 我妈说我老公…)
                own_spouse = status == "已婚" and m is not None and m.re is said["已婚"] and \
                    m.group().startswith(r.self_words)
                if not own_spouse and not r.about_caller(clause, j, speaker, clause_prefix(text, start)):
                    continue
                add_fact(out, "marital_status", status, 0.85 if status != "已婚" else 0.8, i, text, speaker)
                return


def read_children(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["children"]
    nouns = alternation(cfg["nouns"])
    counts = alternation(cfg["counts"])
    counted = alternation([*cfg["nouns"], *cfg["counted_nouns"]])
    count_re = re.compile(rf"({counts})(?:个)?(?:小)?({counted})(?!细)")   # not 一个仔细的人
    negated = alternation(cfg["none_after"])
    none_re = re.compile(rf"(?:{nouns}){linking_adverb()}(?:{negated}){clause_end(also='的')}")
    me = r.me
    # 我儿子三岁, 俺闺女才八个月, 儿子才上小学: a child of the caller's whose age or school stage is told; at
    # least one, said when no count is. The child noun (with the North's 儿: 娃儿) follows the caller (我, 俺家)
    # or opens the clause, where Mandarin drops the possessor the speaker means (…，儿子才上小学一年级;
    # another's child is said: 她儿子)
    stage = rf"(?:{alternation(cfg['stage_verbs'])})?(?:{alternation(cfg['school_stages'])})"
    aged_re = re.compile(rf"(?:(?P<owner>(?:{me})(?:的|家)?)|^\s*)(?:{nouns})儿?(?:{alternation(cfg['told_adverbs'])})?"
                         rf"(?:[0-9一二两三四五六七八九十]{{1,3}}(?:岁|周岁|个月)|{stage})")
    spouse = re.compile(alternation(r.lex["marital"]["spouse"]))   # said before, the child is still the caller's
    # 一儿一女, 两儿一女, 一仔一女, 一女一儿: sons and daughters counted as a pair, the caller's when an owner is said
    sons, daughters = (alternation(cfg[k]) for k in ("pair_sons", "pair_daughters"))
    # ... said right after the caller, their household or having (我一儿一女, 我们家一儿一女, 屋企有一仔一女), not after
    # another's (我家隔壁, 我同学家, 我家老大) nor as a kind of family (一儿一女的家庭)
    owners_end = alternation({*r.self_words, *r.lex["person"]["household"], *cfg["pair_owners"]})
    owned_pair = re.compile(rf"(?:{owners_end})(?:有|是|也是|就)?$")
    pair_re = re.compile(rf"(?<![一二两三四五六七八九十])({counts})(?:个)?(?:{sons}|{daughters})({counts})(?:个)?"
                         rf"(?:{daughters}|{sons})")
    aged = None
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        if aged is None:
            aged = _told_child(text, aged_re, spouse, r, i)
        if any(w in text for w in cfg["none"]) or (
                (m := none_re.search(text)) and r.about_caller(text, m.start(), speaker, "")):
            add_fact(out, "children", "0", 0.7, i, text, speaker)
            return
        for m in pair_re.finditer(text):
            if text[m.end():].startswith("的") or not owned_pair.search(text[:m.start()]):
                continue
            start, clause = clause_at(text, m.start())
            if r.about_caller(clause, m.start() - start, speaker, clause_prefix(text, start)):
                n = cfg["counts"][m.group(1)] + cfg["counts"][m.group(2)]
                add_fact(out, "children", str(n), 0.8, i, text, speaker)
                return
        for m in count_re.finditer(text):
            ctx = clause_prefix(text, m.start())
            if not any(w in ctx for w in cfg["owner_words"]):
                continue  # 一个孩子的保险多少钱: children in general, not the caller's
            before = text[max(0, m.start() - 4):m.start()]
            if any(w in before for w in cfg["not_after"]) or "他" in before or "她" in before:
                continue
            start, clause = clause_at(text, m.start())
            if not r.about_caller(clause, m.start() - start, speaker, clause_prefix(text, start)):
                continue   # 我姐家有三个孩子: a relative's children
            if m.group(1) == "一" and re.search(r"[一二两三四五六七八九十]$", before):
                continue
            add_fact(out, "children", str(cfg["counts"][m.group(1)]), 0.8, i, text, speaker)
            return
        n = _by_birth_order(text, cfg, r.lex["person"]["household"])
        if n:
            add_fact(out, "children", str(n), 0.75, i, text, speaker)
            return
        if _one_by_measure(text, cfg, nouns, r):
            add_fact(out, "children", "1", 0.7, i, text, speaker)
            return
        if re.search(nouns, text) and any(w in text for w in cfg["only_one"]):
            add_fact(out, "children", "1", 0.75, i, text, speaker)
            return
    if aged is not None:
        add_fact(out, "children", "1", 0.6, aged[0], aged[1], "customer")


def _told_child(text: str, aged_re: re.Pattern[str], spouse: re.Pattern[str], r: ProfileReader,
                i: int) -> tuple[int, str] | None:
    """(turn, text) when a clause of this customer turn tells the age or school stage of the caller's child: not
    in a supposition (孩子上大学的话…, 要是孩子…: [children] supposing), nor after another person the sentence was
    about (我姐在北京，儿子上初中); the caller's spouse said before leaves the child theirs (老公工资也不高，儿子…)."""
    supposing = r.lex["children"]["supposing"]
    for start, clause in text_clauses(text):
        m = aged_re.search(clause)
        if m is None or any(w in clause for w in supposing):
            continue
        # from the child noun: the clause's own subject (the caller's word before it), not the one before
        at = m.end("owner") if m.group("owner") else m.start()
        if r.about_caller(clause, at, "customer", spouse.sub("", clause_prefix(text, start))):
            return i, text
    return None


def _one_by_measure(text: str, cfg: dict, nouns: str, r: ProfileReader) -> bool:
    """A verb of having or raising, 个 with no numeral, and a child noun ([children] one_verbs: 有个女儿, 我一个人带个
    孩子, 养了个闺女) in a clause where the caller or their household speaks, about the caller: one child."""
    verbs = alternation(cfg["one_verbs"])
    owners = (*r.self_words, "家")   # the caller, or their home (我家, 家里)
    for m in re.finditer(rf"(?:{verbs})(?:了|着)?(?:一)?个(?:小)?(?:{nouns})", text):
        start, clause = clause_at(text, m.start())
        before = clause[:m.start() - start]
        if not any(w in before for w in owners):
            continue
        if any(w in text[max(0, m.start() - 4):m.start()] for w in cfg["not_after"]):
            continue
        if r.about_caller(clause, m.start() - start, "customer", clause_prefix(text, start)):
            return True
    return False


def _by_birth_order(text: str, cfg: dict, household: Sequence[str]) -> int:
    """How many children a turn tells apart by birth order ([children] order): two or more terms, each opening a
    clause (after whose household it is), give the place of the last; 0 when fewer, or when the turn names neither
    the household nor children (大的保额不要，小的留着: sizes)."""
    owners = tuple(sorted(household, key=len, reverse=True))
    if not any(w in text for w in (*owners, *cfg["nouns"])):
        return 0
    places = set()
    for _, clause in text_clauses(text):
        clause = clause.strip()
        clause = clause[len(next((o for o in owners if clause.startswith(o)), "")):]
        term = next((t for t in cfg["order"] if clause.startswith(t)), None)
        if term is not None:
            places.add(cfg["order"][term])
    return max(places) if len(places) >= 2 else 0

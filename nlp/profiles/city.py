"""City: a place of cpca's gazetteer said where it places the caller (我在成都, 俺们洛阳这边, 俺家在河南周口), not one
named in passing or visited."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from callintel.general_words import pos_tagger
from callintel.mandarin import SENTENCE_ENDS
from callintel.nlp.places import bare_counties, province_names
from callintel.nlp.profiles.reader import NAME_GIVEN, Fact, ProfileReader, add_fact, clause_prefix, text_clauses
from callintel.nlp.profiles.sound import ends_like
from callintel.nlp.profiles.work import is_role
from callintel.regex_words import alternation


def read_city(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["city"]
    before = (*cfg["before"], *r.lex["person"]["household"])
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        for start, clause in text_clauses(text):
            places = r.lex.places(clause)
            for j, said, city in places:
                if said in province_names() and any(k == j + len(said) for k, _, _ in places):
                    continue  # 吉林 of 吉林长春 is the province the city is in
                after = clause[j + len(said):j + len(said) + 2]
                branch = any(w in clause[:j] for w in cfg["account_words"]) and \
                    _names_branch(clause[j + len(said):], cfg)
                if after.startswith(tuple(cfg["name_goes_on"])) or branch:
                    continue  # 人民路, 南京大学, 北京银行, 北京海淀支行: a street or an institution, not the caller's
                if "老家" in clause and "我" not in clause[:j].replace("我爸", "").replace("我妈", ""):
                    continue
                lead = without_province(clause[:j])
                if lead.endswith(tuple(cfg["addressee"])):
                    continue  # 你们北京这边有网点吗: the insurer's office, not where the caller is
                here = _here_after(clause[j + len(said):], cfg) or _own_place(lead, clause[j + len(said):], r) or \
                    _employer_place(lead, clause[j + len(said):], clause_prefix(text, start), r)
                if not ends_like(lead, before, cfg["before_by_sound"]) and not here:
                    continue  # a city named in passing (我在北京的医院看的病 is caught below)
                after = clause[j + len(said):]
                works = any(w in after for w in r.lex["occupation"]["work_verbs"]) or _works_as(after, cfg, r.lex)
                visit = not works and any(w in clause[j:j + len(said) + 8] for w in cfg["visit"])
                if visit and not ends_like(lead, cfg["ours"], cfg["before_by_sound"]):
                    continue
                if _left(lead, after, text, cfg):
                    continue
                if r.about_caller(clause, j, speaker, clause_prefix(text, start)):
                    add_fact(out, "city", _at_city_level(said, city, text, r), 0.8, i, text, speaker)
                    break


def _at_city_level(said: str, city: str, text: str, r: ProfileReader) -> str:
    """A county named bare is recorded as said (安溪), unless the turn names its prefecture city too (我是郸城那边，
    就是周口郸城县…): then the city, as for a county said with its suffix."""
    prefecture = bare_counties().get(said) if said == city else None
    if prefecture and any(c == prefecture for _, _, c in r.lex.places(text)):
        return prefecture
    return city


def _left(lead: str, after: str, text: str, cfg: dict[str, Any]) -> bool:
    """A place the caller has left ([city] left_after, past_before): 从西安回来的, 之前在杭州…，今年回来了."""
    if lead.endswith("从") and after.startswith(tuple(cfg["left_after"])):
        return True
    return lead.endswith("在") and lead[:-1].endswith(tuple(cfg["past_before"])) and any(
        w in text for w in cfg["now_words"])


_ADDRESS_GOES_ON = re.compile(r"^市?[\u4e00-\u9fff]{0,5}?(?:区|县|旗|路|街|大道|镇|乡|村)")


def read_city_read_back(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    """A city in the agent's reading back of the caller's address (保障地址是长沙市岳麓区…, 我复述一下：济南市历下区…,
    上海某某区某某苑…对吗): an address has a district, county or road after the city. Read below what the caller
    says of themself (confidence 0.6); the latest read-back wins over an earlier one (a changed address); an address
    of someone else's (您母亲的地址), the insurer's or an old one is none."""
    cfg = r.lex["city"]
    for i, (speaker, text) in enumerate(turns):
        if speaker != "agent":
            continue
        for start, clause in text_clauses(text):
            lead_in = clause_prefix(text, start)
            for j, said, city in r.lex.places(clause):
                before = lead_in + clause[:j]
                after = clause[j + len(said):]
                if not _ADDRESS_GOES_ON.match(after) and not said.endswith(("区", "县", "旗")):
                    continue  # a city named in passing, not an address
                sentence_after = re.split(f"[{SENTENCE_ENDS}]", text[start + j + len(said):], maxsplit=1)[0]
                cued = any(c in before for c in cfg["read_back"]) or any(c in sentence_after
                                                                         for c in cfg["read_back_after"])
                if cued and not any(w in before for w in (*cfg["read_back_not"], *r.third)):
                    add_fact(out, "city", city, 0.6, i, text, speaker)
                    break


def without_province(lead: str) -> str:
    """The words before a city less the province said right before it (我在河南周口, 我是江苏省南通的): the cue that
    places the caller stands before the province."""
    return next((lead[:-len(p)] for p in province_names() if lead.endswith(p)), lead)


def _here_after(after: str, cfg: dict[str, Any]) -> bool:
    """A word for "here" follows the city, right after it (杭州这边) or after a part of it named in one or two words
    jieba tags as a place or noun (上海浦东这边, 武汉光谷这边): where the caller is."""
    here = tuple(cfg["here_after"])
    if after.startswith(here):
        return True
    words = [(w.word, w.flag) for w in pos_tagger().cut(after[:10])]
    for k, (word, flag) in enumerate(words[:cfg["here_part_words"]]):
        if not flag.startswith(("n", "s")) or flag.startswith("nr") or word in cfg["not_here_parts"]:
            return False  # a verb, a person's name, or the caller's home town (北京老家那边)
        if "".join(w for w, _ in words[k + 1:]).startswith(here):
            return True
    return False


def _own_place(lead: str, after: str, r: ProfileReader) -> bool:
    """The caller names the place as their own: a first-person word right before it, with 的 after it (我绍兴的, 俺河南
    的) or a word for "here" between (我这边某某模具厂的)."""
    here = r.lex["city"]["here_after"]
    me = r.me
    if re.search(rf"(?:{me})(?:{alternation(here)})$", lead):
        return True
    return re.search(rf"(?:{me})$", lead) is not None and after.startswith(tuple(r.lex["city"]["own_after"]))


def _names_branch(after: str, cfg: dict[str, Any]) -> bool:
    """The place begins the name of an office (北京海淀支行, 广州天河营业部): the words run on, without a break, to one
    of [city] branch_words."""
    run = re.match(r"[\u4e00-\u9fff]*", after).group()
    return any(w in run for w in cfg["branch_words"])


def _employer_place(lead: str, after: str, before: str, r: ProfileReader) -> bool:
    """A clause of its own that opens with the place and names the caller's employer by it (我姓何，南京某某贸易的;
    我前天打过电话的，杭州某某设计公司的财务), or the caller by it (我姓吴，苏州的): up to twelve characters, then 的,
    optionally a listed role, ending the clause, after a sentence of the caller's own."""
    if lead.strip() or not any(w in before for w in r.self_words):
        return False
    if re.fullmatch(r"(?:的|人)\s*", after):   # the place alone: only right after the caller's name (我姓吴，苏州的)
        return re.search(rf"(?:{r.subject}){NAME_GIVEN}[，,]\s*$", before) is not None
    roles = alternation(r.lex["occupation"]["nouns"])
    return re.fullmatch(rf"[\u4e00-\u9fff]{{2,12}}的(?:{roles})?\s*", after) is not None


def _works_as(after: str, cfg: dict[str, Any], lex: dict[str, Any]) -> bool:
    """A verb of holding a role ([city] works_as) and, among the next eight characters of the clause, a word that
    names an occupation (nlp/profiles/work.py `is_role`): 医院当护士 says the caller works there, 医院当时看的病
    does not."""
    for verb in cfg["works_as"]:
        for m in re.finditer(re.escape(verb) + r"(?:了|过)?", after):
            if any(is_role(t.word, lex["occupation"]) for t in pos_tagger().cut(after[m.end():m.end() + 8])):
                return True
    return False

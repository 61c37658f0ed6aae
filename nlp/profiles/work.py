"""Occupation and income: a trade said in any of Mandarin's ways (我是护士, 跑物流的, 在工地上干活, 开了个小超市,
当了一辈子钳工; listed nouns and jieba's words and tags) and a monthly or yearly income as a band."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from callintel.general_words import pos_tagger
from callintel.mandarin import LOCATIVE_WORDS, LOCATIVES
from callintel.nlp.profiles.reader import (
    NAME_GIVEN,
    Fact,
    ProfileReader,
    add_fact,
    clause_at,
    clause_prefix,
    cn_amount,
    in_dictionary,
    text_clauses,
)
from callintel.regex_words import alternation


def read_occupation(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["occupation"]
    nouns = sorted(cfg["nouns"], key=len, reverse=True)
    noun_re = alternation(nouns)
    business = alternation(cfg["business"])
    generic = re.compile(rf"(?:我是|我就是|是做|做|干)(?:个|一个|一名|名)?\S{{0,6}}?({noun_re})")
    # 开了个小超市, 开了个修车铺: a business the caller runs
    own_biz = re.compile(rf"开(?:了)?(?:个|一家|一个|家|间|一间)?(?:小)?([\u4e00-\u9fff]{{0,4}}?(?:{business}))")
    places = alternation(p for p, _ in cfg["workplaces"])
    work = alternation(cfg["work_verbs"])
    # 在电子厂流水线上干活: a part of the place (流水线, 车间) with its locative may follow the place
    # ... and 做 counts as working there with a span of time after it (在南宁糖厂做了二十几年)
    spans = alternation(cfg["spans"])
    locative = alternation(LOCATIVE_WORDS)
    workplace = re.compile(rf"(?:在[\u4e00-\u9fff]{{0,6}}?|^)({places})"
                           rf"(?:[\u4e00-\u9fff]{{0,3}}?(?:{locative}))?"
                           rf"(?:{work}|做(?:了|过)?(?:[0-9一二两三四五六七八九十廿几多半]+年|{spans}))")
    studies = alternation(cfg["study"])
    # not 我在这读书的时候: a time past, not what the caller does now
    study = re.compile(rf"在[\u4e00-\u9fff]{{0,6}}?(?:{studies})(?!的时候|那会|时)")
    # 我在超市里收银: a task at a business or workplace ([occupation] business, workplaces), ending the clause, names
    # its worker (`_worker`); at any other place it is an errand (在手机上操作, 在医院里检查)
    at_task = re.compile(rf"在[\u4e00-\u9fff]{{0,6}}?(?:{business}|{places})(?:{locative})([\u4e00-\u9fff]{{2}})"
                         r"(?=[，,。！!？?；;]|$)")
    size = alternation(cfg["size_words"])
    phrases = [(phrase, value, _separable(phrase, spans, size)) for phrase, value in cfg["phrases"]] + [
        (phrase, cfg["retired"], None) for phrase in cfg["retirement"]]
    own_role = _OwnRole(cfg, noun_re, r)
    self_is = _self_is(r.subject_words, tuple(cfg["self_is_between"]))
    # the verbs of doing work or holding a role before a role noun (我是做会计的, 我是当老师的): no qualifier of it
    role_verbs = _role_verbs(cfg)
    doing = alternation(role_verbs)
    livelihood = _Livelihood(cfg, r)
    first = len(out)
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        done, place, retired = False, None, False
        clauses = text_clauses(text)
        for n, (start, clause) in enumerate(clauses):
            prefix = clause_prefix(text, start)
            said_before = clauses[n - 1][1] if n else ""
            for phrase, value, separable in phrases:
                if retired and value == cfg["retired"]:
                    continue
                j, end = _phrase_at(clause, phrase, separable)
                if j < 0:
                    continue
                if value == cfg["retired"] and clause[end:].startswith(tuple(cfg["retirement_to_come"])) and \
                        _asks(text[start + end:]):
                    continue  # 退休了以后这个保险还有吗: a time asked about, not the caller's state (我退了休后就在家)
                head = _noun_modified(clause[end:])
                if head and is_role(head, cfg) and self_is.search(clause[:j]):
                    head = ""  # 我是开大车的司机: the caller is the role the phrase describes
                if phrase in cfg["retirement"] and not _own_retirement(prefix + clause[:j], r, cfg):
                    continue
                if r.about_caller(clause, j, speaker, prefix) and not _not_yet(clause[:j], cfg) and not head:
                    add_fact(out, "occupation", value, 0.8, i, text, speaker)
                    # retired: the turn may still name the trade (退休前在厂里干了一辈子钳工), read on
                    retired = value == cfg["retired"]
                    done = not retired
                    break
            if done:
                break
            value, at, household = livelihood.read(clause.strip(), said_before, prefix)
            if value and household and place is None:
                place = value   # 我家是养猪的: the household's trade, unless the turn says the caller's own
                continue
            if value and r.about_caller(clause.strip(), at, speaker, prefix):
                add_fact(out, "occupation", value, 0.75, i, text, speaker)
                done = True
                break
            taught, at = _teaches(clause, cfg, r)
            if taught and r.about_caller(clause, at, speaker, prefix) and any(
                    w in prefix + clause for w in r.self_words):
                add_fact(out, "occupation", taught, 0.75, i, text, speaker)
                done = True
                break
            m = workplace.search(clause)
            if m and place is None and r.about_caller(clause, m.start(), speaker, prefix):
                # the kind of place says the work only broadly: what the turn says the caller does wins
                # (我在工地上干活，搞装修的 -> 装修, not 建筑工人)
                place = dict(cfg["workplaces"])[m.group(1)]
                continue
            m = at_task.search(clause)
            worker = _worker(m.group(1), cfg) if m else ""
            if worker and r.about_caller(clause, m.start(), speaker, prefix) and any(
                    w in prefix + clause for w in r.self_words):
                add_fact(out, "occupation", worker, 0.75, i, text, speaker)
                done = True
                break
            m = study.search(clause)
            if m and r.about_caller(clause, m.start(), speaker, prefix) and any(
                    w in prefix + clause[:m.start()] for w in r.self_words):
                add_fact(out, "occupation", cfg["student"], 0.7, i, text, speaker)
                done = True
                break
            m = own_biz.search(clause)
            if m and r.about_caller(clause, m.start(), speaker, prefix) and any(
                    w in prefix + clause for w in r.self_words):
                add_fact(out, "occupation", m.group(1) + "老板", 0.75, i, text, speaker)
                done = True
                break
            m = generic.search(clause)
            if m and r.about_caller(clause, m.start(), speaker, prefix):
                # a role noun right after it makes one compound (销售 + 经理, 公交 + 司机)
                value = m.group(1) + next((n for n in nouns if clause.startswith(n, m.end(1))), "")
                prefix = clause[m.start():m.start(1)]
                # keep a qualifier said with it: 小学老师, 产品经理 (not 我是做 / 的)
                # from after the copula (我以前是当老师的): what stands before it is no qualifier of the role
                q = re.sub(rf"^(?:(?:{doing})(?:个|一个|一名|名)?)+", "", prefix[prefix.rfind("是") + 1:])
                if 0 < len(q) <= 3 and re.fullmatch(r"[\u4e00-\u9fff]+", q) and q not in (*role_verbs, "在") \
                        and _known_word(q):
                    value = q + value
                if value not in cfg["not_occupation"]:
                    add_fact(out, "occupation", value, 0.8, i, text, speaker)
                    done = True
                    break
            value, at = own_role.read(clause, said_before)
            if value and r.about_caller(clause.strip(), at, speaker, clause_prefix(text, start)):
                add_fact(out, "occupation", value, 0.75, i, text, speaker)
                done = True
                break
        if not done:
            done = _occupation_said(text, i, speaker, cfg, r, out)
        if not done:
            done = _occupation_pos(text, i, speaker, cfg, r, out)
        if not done and place is not None:
            add_fact(out, "occupation", place, 0.75, i, text, speaker)
    _retired_from(out[first:], cfg, out)


class _OwnRole:
    """A role the caller introduces themself by, with no verb: in apposition (我一个程序员, 俺这个护士), as a
    department of their employer (我是…公司财务部的, 行政部的), after their employer's name (…有限公司的行政), or as a
    clause of its own right after the caller names their employer (我这边某某模具厂的，财务。): how a caller who
    calls for their company says who they are."""

    def __init__(self, cfg: dict[str, Any], noun_re: str, r: ProfileReader):
        me = r.me
        appos = alternation(r.lex["person"]["apposition"])
        dept = alternation(cfg["department"])
        self.cfg = cfg
        self.apposed = re.compile(rf"(?:{me})(?:{appos})")
        self.department = re.compile(rf"(?:{me})(?:这边)?(?:是|在)?[^，,。！!？?我你您他她]{{0,20}}?({noun_re})"
                                     rf"(?:{dept})的$")
        # what may stand between the caller and the role: their employer, village or unit (我们村的, 合作社的)
        owner = r"(?:我们|俺们|[^，,。！!？?我你您他她])"
        role = rf"{noun_re}|[\u4e00-\u9fff]{{1,4}}?(?:{alternation(cfg['suffixes'])})"
        self.employer = re.compile(rf"(?:(?:{me})(?:这边)?是?|^是){owner}{{2,20}}?的({role})(?:这边)?$")
        # the caller's own clause before a verbless one naming the role: by employer (…的), name (我姓[姓名], 我叫…)
        # or home (我是某某县那边)
        self.introduced = re.compile(rf"(?:{me})(?:(?:这边)?是?{owner}{{2,20}}的|{NAME_GIVEN}|是{owner}{{2,12}}"
                                     rf"(?:那边|这边))$")
        self.named_employer = re.compile(rf"(?:就是|是)?{owner}{{2,20}}?的({role})")
        self.self_intro = re.compile(rf"(?:{me})(?:姓|叫|是)")
        self.copulas = tuple(cfg["copulas"])
        self.nouns = set(cfg["nouns"])

    def read(self, clause: str, said_before: str) -> tuple[str, int]:
        """(the role, where it starts in the stripped clause), ("", -1) when the clause introduces none."""
        said = clause.strip()
        m = self.apposed.search(said)
        if m:
            tagged = list(pos_tagger().cut(said[m.end():m.end() + 8]))
            nouns = [w.word for w in itertools.takewhile(lambda w: w.flag.startswith("n"), tagged)]   # not 一个月到手
            roles = ["".join(nouns[:n]) for n in (2, 1) if len(nouns) >= n]
            return next(((w, m.end()) for w in roles if is_role(w, self.cfg) and len(w) <= 6), ("", -1))
        m = self.department.search(said)
        if m:
            return m.group(1), m.start(1)
        m = self.employer.search(said)
        # 是合作社的理事长 with the caller introduced by the clause before (我姓孙，是…); what stands between the
        # caller and the role holds no verb (我找过我们村的书记 names someone else)
        if m and (not said.startswith("是") or self.self_intro.match(said_before.strip())) \
                and is_role(m.group(1), self.cfg) and not _has_verb(said[m.start():m.start(1)], self.copulas):
            return m.group(1), m.start(1)
        if self.introduced.search(said_before.strip()):
            # right after the caller's own clause, a verbless one naming a role, alone or with the employer (…的，财务;
            # 我前天打过电话的，某某设计公司的财务; 我姓赵，某某村的会计)
            if said in self.nouns and len(said) >= 2:
                return said, 0
            m = self.named_employer.fullmatch(said)
            if m and is_role(m.group(1), self.cfg):
                return m.group(1), m.start(1)
        return "", -1


class _Livelihood:
    """What the caller grows or raises for a living, said as who they are: the copula after the caller (or their
    household) and a 的-phrase of 种/养/喂 + what ending the clause (我是重庆巫溪这边养羊的, 我们家是种水稻的,
    Cantonese 我系种沃柑嘅), the same 的-phrase as a clause of its own after the caller's (我系崇左嘅，种甘蔗嘅), or a
    lifetime of it (喂了一辈子猪). Named as the trade's noun ([occupation] livelihood: 甘蔗种植户, 养羊户). The subject
    must be the caller: 我们村是种苹果的 is the village's."""

    def __init__(self, cfg: dict[str, Any], r: ProfileReader):
        verbs = alternation(cfg["livelihood"])
        spans = alternation(cfg["spans"])
        de = alternation(cfg["de"])
        cop = alternation(cfg["copulas"])
        subject = alternation(cfg["livelihood_subjects"])
        self.templates = cfg["livelihood"]
        self.said = re.compile(rf"(?:{subject})(?:就|也|自己)?(?:{cop})[^，,。！!？?你您他她]{{0,10}}?"
                               rf"({verbs})([\u4e00-\u9fff]{{1,3}}?)(?:{de})$")
        self.alone = re.compile(rf"^(?:就是|是|系)?({verbs})([\u4e00-\u9fff]{{1,3}}?)(?:{de})$")
        self.lifetime = re.compile(rf"^({verbs})(?:了|过)(?:{spans})([\u4e00-\u9fff]{{1,3}})$")
        self.introduced = re.compile(rf"(?:{subject})(?:这边|那边)?(?:{cop})[^，,。！!？?你您他她]{{1,20}}(?:{de})$")
        self.self_words = r.self_words
        self.households = tuple(r.lex["person"]["household"])
        self.not_grown = tuple(r.lex["children"]["nouns"])
        self.untimely = tuple(cfg["wish"] + cfg["not_yet"] + r.lex["city"]["past_before"] + cfg["past_before"])
        self.copulas = tuple(cfg["copulas"])

    def read(self, said: str, said_before: str, prefix: str) -> tuple[str, int, bool]:
        """(the trade, where its verb starts in `said`, whether the household said it), ("", -1, False) when the
        stripped clause `said` says none. Between the copula and the verb only where (重庆巫溪这边): no verb (我是问
        养殖险的), no adverb of a time gone or wished (我是原来种菜的, 我是想养羊的)."""
        m = self.said.search(said)
        if m is not None and _gap_says_other(said[m.start():m.start(1)], self.untimely, self.copulas):
            m = None
        if m is None and self.introduced.search(said_before.strip()):
            m = self.alone.search(said)
        if m is None and any(w in prefix for w in self.self_words):
            m = self.lifetime.search(said)
        if m is None or not _grown(m.group(1), m.group(2), self.not_grown):
            return "", -1, False
        household = m.re is self.said and said[m.start():].startswith(self.households)
        return self.templates[m.group(1)].format(m.group(2)), m.start(1), household


def _role_verbs(cfg: dict[str, Any]) -> tuple[str, ...]:
    """The verbs of doing work or holding a role ([occupation] said_de, said_role; not the copula), longest first:
    what stands before a role noun and is no part of it (我是做会计的, 我以前是当过老师的)."""
    return tuple(sorted({v for v in cfg["said_de"] + cfg["said_role"] if v != "是"}, key=len, reverse=True))


def _teaches(clause: str, cfg: dict[str, Any], r: ProfileReader) -> tuple[str, int]:
    """A subject taught as work names its teacher (在中学教数学, 我是教语文的, 在子弟学校教物理 -> 物理老师):
    [occupation] teach_verb, then a noun jieba tags so ([occupation] taught_flags), not a person ([person]
    third_party, [children] nouns: 教孩子 is a parent's), ending the clause or before 的 / 了; said at a place (在…)
    or as who the caller is (是…的). ("", -1) when it says none."""
    verb = cfg["teach_verb"]
    j = clause.find(verb)
    if j < 0 or not ("在" in clause[:j] or re.search(r"是[^，,。]{0,3}$", clause[:j])):
        return "", -1
    words = [(w.word, w.flag) for w in pos_tagger().cut(clause[j + len(verb):])]
    if not words or words[0][1] not in cfg["taught_flags"] or len(words[0][0]) > 3:
        return "", -1
    subject = words[0][0]
    if subject in (*r.lex["person"]["third_party"], *r.lex["children"]["nouns"], *cfg["not_taught"]) or \
            (len(words) > 1 and words[1][0] not in ("的", "了", "，", "。", ",")):
        return "", -1
    return (cfg["teacher"] if subject in cfg["learners"] else subject + cfg["teacher"]), j


def _gap_says_other(span: str, untimely: tuple[str, ...], copulas: tuple[str, ...]) -> bool:
    """A verb in `span` (我是问养殖险的) or a word of a time gone or wished (我是原来种菜的, 我是想养羊的): the copula's
    complement is then no trade said. 就, 也, 一直 leave it one (我就是种苹果的)."""
    return _has_verb(span, copulas) or any(w in span for w in untimely)


def _grown(verb: str, what: str, not_grown: tuple[str, ...]) -> bool:
    """What is grown or raised is a noun to jieba, word by word (甘蔗, 猪, 沃 + 柑): not an aspect mark
    (种过痘), insurance (养殖险), a child (养娃: [children] nouns), nor the rest of a word the verb begins (种子站,
    种植基地, 养老院: the verb and what's first character are a word of jieba's dictionary, what being longer)."""
    if what.startswith(("过", "了", "着")) or what.endswith("险") or what in not_grown:
        return False
    if len(what) > 1 and in_dictionary(verb + what[0]):
        return False
    words = list(pos_tagger().cut(what))
    return bool(words) and all(w.flag.startswith("n") for w in words)


def _has_verb(span: str, copulas: tuple[str, ...]) -> bool:
    """A word jieba tags as a verb in `span` (not a verbal noun: 运输公司, 培训学校), besides the copulas ([occupation]
    copulas: 是, 系) (我找过我们村的…, 我问了我们单位的…)."""
    return any(w.flag.startswith("v") and w.flag != "vn" and w.word not in copulas for w in pos_tagger().cut(span))


def _retired_from(facts: Sequence[Fact], cfg: dict[str, Any], out: list[Fact]) -> None:
    """A retired caller who names the trade they retired from (退休前在厂里干了一辈子钳工; 干了二十年会计 … 办完退休):
    the value is both (退休钳工), surer than either alone, at the trade's turn: it says what the caller is now and
    what they did, where 退休 alone loses the trade."""
    retired = cfg["retired"]
    if not any(f.value == retired for f in facts):
        return
    trades = [f for f in facts if f.value not in (retired, cfg["student"]) and not f.value.startswith(retired)]
    if trades:
        t = max(trades, key=lambda f: (f.confidence, -f.turn))
        add_fact(out, "occupation", retired + t.value, max(f.confidence for f in facts) + 0.05, t.turn, t.evidence,
                 t.source)


def _asks(rest: str) -> bool:
    """Whether the sentence that `rest` opens is a question (？, or 吗 / 呢 before its end)."""
    sentence = re.split(r"[。！!；;]", rest, maxsplit=1)[0]
    return bool(re.search(r"[？?]|[吗呢](?:[，,]|$)", sentence))


def _own_retirement(before: str, r: ProfileReader, cfg: dict[str, Any]) -> bool:
    """Retirement words said of the caller's own (a first-person word before them in the sentence: 我有医保，退休前…)
    and not of a wish (我想给自己攒点退休金): 这个养老险相当于退休金 speaks of a product, not of the caller."""
    return any(w in before for w in r.self_words) and not any(w in before for w in cfg["wish"])


def _separable(phrase: str, spans: str, size: str) -> re.Pattern[str] | None:
    """A verb-object trade phrase as a separable verb: an aspect mark and a span of time may stand between its verb
    and its object (教了一辈子书, 种了三十年地, 跑过两年出租), the span as [occupation] spans says it, and a word of
    size before the object ([occupation] size_words: 开大货车, 开了十年大货车); `spans` and `size` are their
    alternations."""
    if len(phrase) < 2:
        return None
    return re.compile(rf"{re.escape(phrase[0])}(?:(?:了|过)(?:[0-9一二两三四五六七八九十几多半]+年|{spans})?(?:{size})?"
                      rf"|(?:{size})){re.escape(phrase[1:])}")


def _phrase_at(clause: str, phrase: str, separable: re.Pattern[str] | None) -> tuple[int, int]:
    """(start, end) of a trade phrase in `clause`, as written or said separated (`_separable`); (-1, -1) when
    absent."""
    j = clause.find(phrase)
    if j >= 0:
        return j, j + len(phrase)
    m = separable.search(clause) if separable else None
    return (m.start(), m.end()) if m else (-1, -1)


def _not_yet(before: str, cfg: dict[str, Any]) -> bool:
    """A modal of wishing or an adverb of what is still to come right before the phrase (快退休了, 想种地): not
    held now."""
    return before.endswith(tuple(cfg["wish"]) + tuple(cfg["not_yet"]))


def _noun_modified(after: str) -> str:
    """The noun a trade phrase + 的 describes when one follows (一个送外卖的后生仔, 管摔着磕着的那种: someone or
    something else, not what the caller does; 我是送外卖的 ends its clause at 的), else ""."""
    if not after.startswith("的") or len(after) < 2:
        return ""
    words = list(pos_tagger().cut(after[:8]))
    ok = len(words) > 1 and words[0].word == "的" and words[1].flag.startswith(_NOUN_LIKE)
    return words[1].word if ok else ""


_NOUN_LIKE = ("n", "r", "m", "q")   # what a 的-phrase may describe: a noun, a pronoun, a number or a measure


def _known_word(word: str) -> bool:
    """A qualifier jieba's dictionary knows (小学, 产品, 女): 小邪 in 小邪老师 is 小学 misheard, and the role
    without it (老师) is still true."""
    return len(word) == 1 or in_dictionary(word)


def _worker(task: str, cfg: dict[str, Any]) -> str:
    """The worker a task names: the task + an agentive suffix ([occupation] agent_suffixes) that jieba's dictionary
    has as a noun (收银 -> 收银员; 操作 -> 操作工 is a phrase to jieba, not a noun, and 在手机上操作 names no one)."""
    for suffix in cfg["agent_suffixes"]:
        tagged = list(pos_tagger().cut(task + suffix))
        if len(tagged) == 1 and tagged[0].flag == "n" and in_dictionary(task + suffix):
            return task + suffix
    return ""


def is_role(word: str, cfg: dict[str, Any]) -> bool:
    """A noun that names an occupation: a listed one, or one ending like one (钳工, 收银员, 小学老师)."""
    not_one = cfg["not_occupation"]
    return word not in not_one and not (word[:1] in "老新" and word[1:] in not_one) and len(word) >= 2 and (
        any(word.endswith(n) for n in cfg["nouns"]) or word.endswith(tuple(cfg["suffixes"])))


@lru_cache(maxsize=8)
def _self_is(self_words: tuple[str, ...], between: tuple[str, ...]) -> re.Pattern[str]:
    """我是, 我自己就是, 我以前是: the caller saying what they are ([occupation] self_is_between)."""
    return re.compile(rf"(?:{alternation(self_words)})(?:自己|本人)?(?:{alternation(between)})*是")


def _occupation_said(text: str, i: int, speaker: str, cfg: dict[str, Any], r: ProfileReader, out: list[Fact]) -> bool:
    """An occupation said in any of the constructions of [occupation] said_*, read over jieba's words and tags:
    做/干/跑/管 + what + 的 (做外贸跟单的, 跑物流的), 做/干 + a span of time + what (在无锡做了二十年财务),
    在 + place + 做 + what (在广州做新媒体运营), 当 (+ time) + a role (当了一辈子钳工), 我(自己)是 + a role."""
    verbs = [v for v in cfg["said_de"] + cfg["said_role"] if v != "是"]
    self_is = _self_is(r.subject_words, tuple(cfg["self_is_between"]))
    found: list[tuple[str, bool]] = []   # (what, whether it names a role) in the order said
    for start, clause in text_clauses(text):
        prefix = clause_prefix(text, start)
        dropped = _subject_dropped_is(clause, prefix, r)
        if not any(v in clause for v in verbs) and not self_is.search(clause) and not dropped:
            continue  # tagging is the costly part: only clauses with one of the verbs
        words = _locative_split([(w.word, w.flag) for w in pos_tagger().cut(clause)], verbs)
        pos = 0
        for k, (word, _) in enumerate(words):
            at, pos = pos, pos + len(word)
            # jieba fuses a verb and its aspect particle before digits (当了30多年): still the verb (做过 is listed)
            verb = word[:-1] if word not in verbs and word[-1:] in ("了", "过") and word[:-1] in verbs else word
            kind = next((name for name in ("de", "role") if verb in cfg[f"said_{name}"]), None)
            if kind is None or (k and words[k - 1][0].endswith(tuple(cfg["wish"]))):
                continue  # 一直想当医生: a job wished for, not held
            if kind == "de" and _object_of_verb(words, k, cfg):
                continue  # 买一个管看病报销的: the 的-phrase is a thing bought, not the caller's work
            if kind == "de" and any(w in cfg["episode_times"] for w, _ in words[:k]):
                continue  # 我今天请假跑医院复印的: an errand of one day, not the caller's work
            j, timed = k + 1, False
            while j < len(words) and (words[j][0] in cfg["said_skip"] or words[j][1] in ("m", "q", "mq")):
                timed = timed or words[j][1] == "m"
                j += 1
            noun, named = "", False
            if kind == "de" and verb in cfg["said_work"] and j < len(words) and len(words[j][0]) == 2 \
                    and words[j][1].startswith("v") and words[j + 1:j + 2] != [("的", "uj")]:
                # 干包装, 做装卸: a task done as work names the worker the dictionary knows (包装工, 装卸工); 做设计的
                # names the work by its 的-phrase
                noun = _worker(words[j][0], cfg)
                j, named = j + bool(noun), bool(noun)
            de = next((n for n in range(j, len(words)) if words[n][0] == "的" or words[n][1] in ("x", "r", "p")), None)
            if not named and kind == "de" and de is not None and words[de][0] == "的" and 2 <= len("".join(
                    w for w, _ in words[j:de])) <= 8 and not any(f.startswith("nr") for _, f in words[j:de]):
                if de + 1 < len(words) and words[de + 1][1].startswith(_NOUN_LIKE):
                    continue  # 管摔着磕着的那种: the 的-phrase describes the noun after it
                noun, j, named = "".join(w for w, _ in words[j:de]), de, True  # 做外贸跟单的: what 的 nominalises
            while not named and j < len(words) and len(noun + words[j][0]) <= 8 and not words[j][1].startswith("nr") \
                    and (words[j][1].startswith(("n", "vn", "eng", "j", "a")) or is_role(noun + words[j][0], cfg)
                         or (j + 1 < len(words) and words[j][0] != "的"   # 孩子的家长: a relation, not a trade
                             and is_role(noun + words[j][0] + words[j + 1][0], cfg))):
                noun += words[j][0]  # verb-tagged words still make the role they complete (中学/会计, 外卖/小哥)
                j += 1
            ended = j >= len(words) or words[j][0] in cfg["said_end"]
            if len(noun) < 2 or noun in cfg["not_occupation"]:
                continue
            if kind == "role":
                ok = is_role(noun, cfg) and (word != "是" or bool(self_is.search(clause[:at + 1])) or (
                    dropped and not clause[:at].strip()))
            else:
                after_verb = word[len(verb):] or (words[k + 1][0] if k + 1 < len(words) else "")
                placed = "在" in clause[:at] and after_verb not in ("了", "个")
                ok = (j < len(words) and words[j][0] in cfg["said_end"]) or (
                    ended and verb in cfg["said_work"] and (timed or placed))
            if ok and r.about_caller(clause, at, speaker, prefix):
                found.append((noun, is_role(noun, cfg)))
                break
    if not found:
        return False
    # 搞工程的，当施工员: the role said names the work more exactly than the field
    value = next((w for w, role in found if role), found[0][0])
    lead = next((v for v in _role_verbs(cfg) if value.startswith(v)), "")   # longest first: 当过 before 当
    if lead and is_role(value[len(lead):], cfg):
        value = value[len(lead):]   # 我以前是当老师的: the verb of holding the role is no part of it
    add_fact(out, "occupation", value, 0.75, i, text, speaker)
    return True


def _locative_split(words: list[tuple[str, str]], verbs: Sequence[str]) -> list[tuple[str, str]]:
    """A locative and the verb after it that jieba fuses into another word after a place noun (工地 + 上当 'be
    fooled' for 工地上 + 当 'work as'): split back into the locative and the verb."""
    out: list[tuple[str, str]] = []
    for word, flag in words:
        if len(word) == 2 and word[0] in LOCATIVES and word[1] in verbs and out and out[-1][1].startswith("n"):
            out += [(word[0], "f"), (word[1], "v")]
        else:
            out.append((word, flag))
    return out


def _subject_dropped_is(clause: str, prefix: str, r: ProfileReader) -> bool:
    """A clause opening with 是 whose subject is the caller's of the clause before (我三十五了，是程序员)."""
    return clause.startswith("是") and any(w in prefix for w in r.self_words)


def _object_of_verb(words: Sequence[tuple[str, str]], k: int, cfg: dict[str, Any]) -> bool:
    """Whether the verb at `k` opens the object of another verb: a numeral or measure word (一个, 个) and before
    it a verb that is not one of holding a role (买一个管住院的, 要个跑得快的; not 我是一个跑物流的)."""
    j = k - 1
    counted = False
    while j >= 0 and (words[j][1] in ("m", "q", "mq") or words[j][0] in cfg["said_skip"]):
        counted, j = True, j - 1
    if not counted and j >= 0 and len(words[j][0]) == 2 and words[j][0][1] in cfg["said_skip"]:
        return words[j][0][0] not in cfg["said_role"]  # 有个管宠物的: jieba keeps the verb and its measure word as one
    return counted and j >= 0 and words[j][1].startswith("v") and words[j][0] not in cfg["said_role"]


def _occupation_pos(text: str, i: int, speaker: str, cfg: dict[str, Any], r: ProfileReader, out: list[Fact]) -> bool:
    """我是 + a jieba noun ending like an occupation (…师, …员): words the list does not know."""
    m = re.search(r"我是(?:做|干)?", text)
    if not m:
        return False
    words = list(pos_tagger().cut(text[m.end():m.end() + 10]))
    for w in words[:3]:
        if w.flag.startswith("n") and w.word.endswith(tuple(cfg["suffixes"])) and len(w.word) >= 2 \
                and w.word not in cfg["not_occupation"]:
            add_fact(out, "occupation", w.word, 0.6, i, text, speaker)
            return True
    return False


_CLAUSE_CUT = re.compile(r"[，,。！!？?；;]")


def read_income(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["income"]

    # the listed cues, and the year's earnings said with words between (一年也就挣个五六万, 一年下来工资也就六万)
    cues_monthly = [re.compile(re.escape(c)) for c in cfg["monthly"]]
    cues_yearly = [re.compile(re.escape(c)) for c in cfg["yearly"]] + [re.compile(p) for p in cfg["yearly_patterns"]]

    def cue_alone(gap: str) -> bool:
        """The cue said as a clause of its own, the amount opening the next (工资嘛，也就四千来块)."""
        return bool(re.fullmatch(r"[嘛呢啊吧的了呀]?[，,]\s*(?:也就|就|大概|差不多|才|也)?", gap))

    # Whisper writes 四千来块 as 4千来快: digits with a numeral unit as well as numerals alone
    amount = re.compile(r"([0-9]+(?:\.[0-9]+)?[万千]?"
                        r"|[一二两三四五六七八九十]{1,3}[来多几]?[万千][一二两三四五六七八九]?)")
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        best: tuple[int, float, bool] | None = None
        for group, yearly in ((cues_monthly, False), (cues_yearly, True)):
            for cue in group:
                for m in cue.finditer(text):
                    if not yearly and (text[max(0, m.start() - 1):m.start()] == "年" or
                                       re.search(r"(?:一年|每年)[^，。！？,!?；;]{0,6}$", text[:m.start()])):
                        continue   # 年收入, 一年下来工资也就六万, 每年工资五万: a year's, read by the yearly cues
                    window = text[m.end():m.end() + cfg["window"]]
                    a = amount.search(window)
                    if not a:
                        continue
                    gap = window[:a.start()]
                    if not yearly and re.search(r"一年|每年", gap):
                        continue   # 我退休金一年三万六: a year's sum after a monthly cue
                    if re.search("[。！!？?；;]", gap) or (_CLAUSE_CUT.search(gap) and not cue_alone(gap)):
                        continue   # 一个月就六千出头的退休金，这十万是我攒的: an amount of another clause
                    if any(w in gap or w in text[max(0, m.start() - 3):m.start()] for w in cfg["not_income"]):
                        continue
                    end = m.end() + a.end()
                    if any(w in _CLAUSE_CUT.split(text[end:end + 5])[0] for w in cfg["not_income"]):
                        continue   # 一个月3000的保费: what follows in its clause makes it a cost
                    start, clause = clause_at(text, m.start())
                    if not r.about_caller(clause, m.start() - start, speaker, clause_prefix(text, start)):
                        continue   # 我老公一个月挣两万多: someone else's income
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
        add_fact(out, "income_band", band, 0.7, i, text, speaker)

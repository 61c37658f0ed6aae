"""Which customer sentences are questions or requests.

On the phone a question is rarely marked with ？ (ASR adds it only sometimes), so a sentence
counts when it carries any cue from `configs/question_cues.toml`: a question mark, an
interrogative word or A-not-A form (怎么, 多少, 能不能, and any verb's: 报不报, 能报不能报), a
sentence-final particle (吗, 呢), a request opener (我想问一下, 帮我查一下, 我要投诉), or a request
put to the agent read from its grammar (你给我改改吧, 电话也改一下, 把受益人换成我儿子, 改个手机号:
`_addressed_request`). Phrases that
merely look like cues (没什么, 这么) are removed first. Rules rather than a classifier: an analyst can read why
a sentence was taken, and extend the lexicon without code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from callintel.general_words import pos_tagger
from callintel.lexicon_files import read_lexicon
from callintel.mandarin import CLOSING_PARTICLES
from callintel.nlp.embed import text_key
from callintel.nlp.sentences import core_text, split_sentences, strip_punct


@dataclass(frozen=True)
class QuestionCues:
    sentence_ends: tuple[str, ...]
    question_marks: tuple[str, ...]
    interrogatives: tuple[str, ...]
    final_particles: tuple[str, ...]
    requests: tuple[str, ...]
    not_cues: tuple[str, ...]
    min_chars: int
    leading_fillers: tuple[str, ...]
    trailing_fillers: tuple[str, ...]
    indefinite_before: tuple[str, ...] = ()
    indefinite_after: tuple[str, ...] = ()
    indefinite_window: int = 0
    numerals: str = ""
    a_not_a_before: tuple[str, ...] = ()
    a_not_a_after: tuple[str, ...] = ()
    addressees: tuple[str, ...] = ()
    agent_verbs: tuple[str, ...] = ()
    first_person: tuple[str, ...] = ()
    delimitive: tuple[str, ...] = ()
    desire: tuple[str, ...] = ()
    complements: tuple[str, ...] = ()
    modal_verbs: tuple[str, ...] = ()
    report_marks: tuple[str, ...] = ()
    advice: tuple[str, ...] = ()
    speech_verbs: tuple[str, ...] = ()
    persons: tuple[str, ...] = ()
    near_future: tuple[str, ...] = ()
    change_marks: tuple[str, ...] = ()
    reflexives: tuple[str, ...] = ()
    disposal: tuple[str, ...] = ()
    classifiers: tuple[str, ...] = ()
    asking_verbs: tuple[str, ...] = ()
    asks_always: tuple[str, ...] = ()
    benefactive: tuple[str, ...] = ()
    past_adverbs: tuple[str, ...] = ()
    conditionals: tuple[str, ...] = ()
    goal_verb_ends: tuple[str, ...] = ()
    done_marks: tuple[str, ...] = ()
    disposal_max_words: int = 0
    bother: tuple[str, ...] = ()
    causatives: tuple[str, ...] = ()
    contact_verbs: tuple[str, ...] = ()
    negations: tuple[str, ...] = ()
    bother_not_before: tuple[str, ...] = ()

    @classmethod
    def load(cls, path: str | Path) -> QuestionCues:
        path = Path(path)
        data = read_lexicon(path, "question_cues.toml", "[topics] question_cues")
        missing = [k for k in cls.__dataclass_fields__ if k not in data]
        if missing:
            raise ValueError(f"{path}: missing {', '.join(missing)} (the file sets every key)")
        scalars = {"min_chars": int, "indefinite_window": int, "numerals": str, "disposal_max_words": int}
        keys = [f for f in cls.__dataclass_fields__ if f not in scalars]
        return cls(**{k: tuple(data[k]) for k in keys}, **{k: cast(data[k]) for k, cast in scalars.items()})


@dataclass(frozen=True)
class Question:
    """One detected question: where it was said, the masked text, and its filler-free core."""

    call_id: str
    seq: int          # utterance seq within the call
    part: int         # sentence index within the utterance
    text: str         # as said (PII-masked upstream)
    core: str         # without greetings/openers: what is embedded and labelled
    cue: str          # which rule fired: mark / interrogative / particle / request


def a_not_a(word: str) -> bool:
    """是不是, 能不能, 有没有, 需不需要: a verb, its negation, the verb again."""
    return any(word[i] in "不没" and word[i - 1] == word[i + 1] for i in range(1, len(word) - 1))


def _asking(body: str, word: str, at: int, cues: QuestionCues) -> bool:
    """Whether the interrogative `word` at `at` asks. It does not when it is an indefinite: after a negation
    close before it (没啥毛病, 不是来办什么业务, 不知道为什么, 不管怎么) or before 都/也 (什么都行, 多少钱都行,
    啥都好说: "any"); nor 几 after a numeral (三十几年, 八十几: "some"). A listed A-not-A form always asks
    (是不是每年都得涨: its 都 belongs to what is asked; 好不好都行 is in not_cues), unless its negation came first:
    不对不对, 没有没有 repeat a "no". Grammar, not a list of sentences."""
    if a_not_a(word):
        return not (at > 0 and body[at - 1] in "不没")
    lead = body[max(0, at - cues.indefinite_window):at]
    # 登不进去怎么办, 不交了会怎么样: the negation is the caller's situation, not "any" (but 不怎么样, 无论怎么样都)
    always = body.startswith(cues.asks_always, at) and not (at > 0 and body[at - 1] in "不没") \
        and not lead.endswith(cues.a_not_a_before)
    if not always and any(n in lead for n in cues.indefinite_before) and not any(ch in lead for ch in "，,、"):
        return False
    tail = body[at + len(word):at + len(word) + 3]
    if any(tail[:k + 1].endswith(a) for a in cues.indefinite_after for k in range(len(tail))):
        return False
    return not (word.startswith("几") and at > 0 and body[at - 1] in cues.numerals)


# Any verb's A-not-A form, not only the listed ones: a word of one or two characters, 不 or 没, the word again
# (报不报, 能报不能报, 买没买, 在不在); a two-character verb may give its first character alone first (喜不喜欢).
_A_NOT_A = re.compile(r"([\u4e00-\u9fff]{1,2})([不没])\1")


def _tags(word: str) -> list[str]:
    return [flag for _, flag in pos_tagger().lcut(word, HMM=False)]


def _a_not_a_asks(body: str, cues: QuestionCues) -> bool:
    """A verb's A-not-A form that asks. Not a "no" repeated (不对不对); not a pronoun or a numeral in the shape
    (这不这个月); with 没 a verb only (买没买, not 要钱没钱: jieba's tags, which are unsure for one character
    alone, so 不 forms take any other word: 报不报, 在不在); not after a concessive word (爱买不买, 不管报不报:
    a_not_a_before) nor before one that makes it "either way" (看不看都一样, 买不买就算了, 贵不贵的无所谓,
    信不信由你: a_not_a_after)."""
    for m in _A_NOT_A.finditer(body):
        word, neg, end = m.group(1), m.group(2), m.end()
        if word[0] in "不没" or (m.start() > 0 and body[m.start() - 1] in "不没"):
            continue
        if len(word) == 1 and end < len(body) and _tags(word + body[end]) in (["v"], ["a"]):
            word, end = word + body[end], end + 1  # 喜不喜欢: the verb is 喜欢, one word
        tags = _tags(word)
        nominal = any(t.startswith(("r", "m", "q")) for t in tags)
        if nominal or (neg == "没" and not all(t.startswith("v") for t in tags)):
            continue
        if body[:m.start()].endswith(cues.a_not_a_before) or body[end:].startswith(cues.a_not_a_after):
            continue
        return True
    return False


def _interrogative(body: str, cues: QuestionCues) -> bool:
    """Any interrogative word or A-not-A form in `body` that asks (see _asking, _a_not_a_asks)."""
    for word in cues.interrogatives:
        at = body.find(word)
        while at >= 0:
            if _asking(body, word, at, cues):
                return True
            at = body.find(word, at + 1)
    return _a_not_a_asks(body, cues)


def _without_reported(body: str, cues: QuestionCues) -> str:
    """`body` less a question someone else asked the caller (他问我要不要加附加险, 我朋友问我划不划算, 业务员问我有没有
    病): from a third person or a noun, adverbs at most, and a verb of asking to the end of that clause. Its
    interrogatives are theirs; the caller's own question after it still asks (他问我要不要加，我该怎么回他)."""
    if not any(v in body for v in cues.asking_verbs):
        return body
    words = pos_tagger().lcut(body)
    third = set(cues.persons) - set(cues.first_person)
    for k, (word, _) in enumerate(words):
        if word not in cues.asking_verbs:
            continue
        j = k - 1
        while j >= 0 and (words[j].flag.startswith(("d", "a")) or words[j].word == "是"):
            j -= 1   # 他老是问我, 他一直问
        if j >= 0 and (words[j].word in third or words[j].flag.startswith("n")):
            start = sum(len(w.word) for w in words[:j])
            m = _CLAUSE_END.search(body, start)
            return body[:start] + " " + _without_reported(body[m.end():], cues) if m else body[:start]
    return body


# the closing particles that leave a question a question (吧 makes 没有吧 a guess, "probably not"; 嘛 asserts)
_NEUTRAL_PARTICLES = "".join(c for c in CLOSING_PARTICLES if c not in "吧嘛")


def _vp_not(bare: str, cues: QuestionCues) -> bool:
    """A verb phrase + 没有/没 with a closing particle after it (打到卡上没有啊, 收到没有呀): the yes-no question whose
    particle hides the final 没有 from `final_particles`; not after an adverb (都没有啊, 还没有呀: a statement)."""
    stripped = bare.rstrip(_NEUTRAL_PARTICLES)
    if stripped == bare or not stripped.endswith(("没有", "没")):
        return False
    words = _words(stripped)
    return len(words) > 1 and words[-1][0] in ("没有", "没") and not words[-2][1].startswith("d")


def question_cue(sentence: str, cues: QuestionCues) -> str | None:
    """The kind of cue that makes `sentence` a question, or None."""
    body = sentence
    for phrase in cues.not_cues:
        body = body.replace(phrase, " ")
    core = core_text(body, cues.leading_fillers, cues.trailing_fillers)
    if len(strip_punct(core)) < cues.min_chars:
        return None
    if any(m in sentence for m in cues.question_marks):
        return "mark"
    if _interrogative(_without_reported(body, cues), cues):
        return "interrogative"
    bare = strip_punct(body)
    if any(bare.endswith(p) for p in cues.final_particles) or _vp_not(bare, cues):
        return "particle"
    if any(r in body for r in cues.requests):
        return "request"
    if _addressed_request(body, cues):
        return "request"
    return None


Clause = list[tuple[str, str]]   # (word, jieba POS tag) of one clause, punctuation dropped
_CLAUSE_END = re.compile(r"[，,、；;：:。！？!?…\s]+")


def _words(text: str) -> Clause:
    """(word, jieba POS tag) of `text`, punctuation dropped."""
    return [(w, f) for w, f in pos_tagger().lcut(text) if f != "x" and w.strip()]


def _verb_at(clause: Clause, i: int) -> bool:
    """A verb at i: tagged one, or a one-character word jieba tags an adverb right before a measure word (约个体检,
    订张票: a verb + classifier + noun, the construction that names what is to be done)."""
    word, tag = clause[i]
    return tag.startswith("v") or (tag == "d" and len(word) == 1 and i + 1 < len(clause)
                                    and clause[i + 1][1].startswith(("q", "m")))


def _idiom_verb(word: str, tag: str) -> bool:
    """A fixed expression (jieba tag l) a verb opens: 打电话, 发短信 act like a verb and its object."""
    return tag == "l" and pos_tagger().word_tag_tab.get(word[0], "").startswith("v")


def _agent_asked(text: str, cues: QuestionCues, caller_subject: bool) -> bool:
    """The agent asked to act: you + a benefactive or causative verb + who + a verb (你给我改改吧, 你们帮他登记,
    你让主管中午打), or the same verb opening the clause while the caller is not its subject (那赶紧给我改过来吧;
    not 我晚上回家，再给你们打过来吧). Only time words, adverbs, adjectives or a prepositional phrase before that verb
    (你让他最好中午打, 你叫他给我回电话). `who` is a person (a personal pronoun or a noun: not 让它自动扣) other than
    the agent, and with 让 not the caller ("let me": 你让我想想); not for oneself (给我自己买: a reflexive after it
    makes the subject the one who acts). Not a report (你给我寄的单子, 你给我打过电话: 的, 过
    or 了 right after the verb). The clause is cut at the benefactive verb before it is segmented: jieba joins it to
    what follows (给我发 as one noun)."""
    for verb in cues.agent_verbs:
        at = text.find(verb)
        while at >= 0:
            before = [(w, f) for w, f in _words(text[:at]) if not f.startswith("d")]
            opens = not caller_subject and all(w in cues.leading_fillers or f.startswith("t") for w, f in before)
            core = [w for w, f in before if not f.startswith(("t", "a"))]   # 你现在直接给我…: you, then when and how
            addressed = bool(core) and core[-1] in cues.addressees
            if opens or addressed:
                after = _words(text[at + len(verb):])
                if verb in cues.causatives and len(after) > 1 and after[0][0] in cues.addressees \
                        and after[1][1].startswith("n"):
                    after = after[1:]   # 让你们经理接电话: "your" manager is who is to act
                who, tag = after[0] if after else ("", "")
                # a noun, not nr: names are masked before this reads them, and jieba tags stray characters nr (哈)
                person = (tag.startswith("n") and not tag.startswith("nr")) or who in cues.persons
                reflexive = len(after) > 1 and after[1][0] in cues.reflexives   # 给我自己买: the subject's own act
                if person and not reflexive and who not in cues.addressees \
                        and not (verb == "让" and who in cues.first_person):
                    k = 1   # before the verb: when (晚上八点以后: time, numeral, localiser), how, to whom (给俺)
                    while k < len(after) and k < 6 and after[k][1].startswith(("t", "d", "p", "r", "a", "m", "f")):
                        k += 1
                    idiom_ok = addressed or verb in cues.causatives   # 让你们经理接电话; not 给客服打电话也不接
                    rest, polite = _closing_particles_off(after[k + 1:])   # 给我退了吧: 了 closed by 吧 asks
                    marks = [w for w, _ in rest[:2] if w in cues.report_marks]
                    if k < len(after) and (_verb_at(after, k) or (idiom_ok and _idiom_verb(*after[k]))) \
                            and not (marks and not (polite and all(w in cues.done_marks for w in marks))):
                        return True
            at = text.find(verb, at + 1)
    return False


def _wanted(clause: Clause, cues: QuestionCues) -> bool:
    """A first person + a modal of desire + a verb: what the caller wants done (我想约个体检, 俺要申诉). Not 想 as
    "think" (我想是的, 我想应该不会吧: a copula or modal follows) nor as "recall" (我想起来了: a complement), and not
    要 as "about to", which a clause-final 了 marks (我要上班了, 我要走了)."""
    words = [w for w, _ in clause]
    about_to = words[-1] in cues.change_marks
    for i in range(len(clause) - 2):
        if about_to and words[i + 1] in cues.near_future:
            continue
        if words[i] in cues.first_person and words[i + 1] in cues.desire and _verb_at(clause, i + 2) \
                and words[i + 2] not in cues.complements and words[i + 2] not in cues.modal_verbs:
            return True
    return False


def _advised(clause: Clause, cues: QuestionCues) -> bool:
    """An adverb of advice + a verb, the caller not its subject: what the agent or whoever calls back had better
    do (最好下午打, 他最好上午打给我; not 我最好…, nor 最好是 "preferably", nor advice reported: 医生说最好…). Only
    time words, adverbs and prepositional phrases between them."""
    words = [w for w, _ in clause]
    for i, w in enumerate(words):
        if w not in cues.advice or any(p in words[:i] for p in cues.first_person + cues.speech_verbs):
            continue   # 我最好…: the caller's own; 医生说最好去大医院: advice reported
        k = i + 1
        while k < len(clause) and clause[k][1].startswith(("t", "d", "p", "m", "f")) and k < i + 5:
            k += 1
        if k < len(clause) and _verb_at(clause, k) and words[k] not in cues.modal_verbs:
            return True
    return False


def _subject_first_person(clause: Clause, cues: QuestionCues) -> bool:
    """A first person as the clause's subject: not a possessor (我的电话) nor an object after a preposition (把我的)."""
    for i, (word, _) in enumerate(clause):
        if word in cues.first_person:
            possessor = i + 1 < len(clause) and clause[i + 1][0] == "的"
            object_ = i > 0 and clause[i - 1][1].startswith("p")
            if not (possessor or object_):
                return True
    return False


def _bother(clause: Clause, cues: QuestionCues) -> bool:
    """麻烦 ("trouble you to") right before a verb or a disposal: the polite request without its pronoun (麻烦发个短信
    给我, 麻烦把清单发我; 麻烦你 is a listed request), not 麻烦 as "troublesome" (太麻烦了, 麻烦死了)."""
    return any(w in cues.bother and k + 1 < len(clause) and clause[k + 1][0] not in cues.change_marks
               and clause[k + 1][0] not in cues.bother_not_before
               and (clause[k + 1][0] in cues.disposal or clause[k + 1][1].startswith("v"))
               for k, (w, _) in enumerate(clause))


_IF = "的话"   # closes a conditional clause (有事的话): what follows is its consequence


def _done_to_me(clause: Clause, cues: QuestionCues) -> bool:
    """The agent told to act toward the caller, whom it is for after the verb: you + when or how + a verb, then
    给 + a first person later in the clause (你们晚上打给我, 你发个报价短信给我看看; the benefactive before the verb is
    `_agent_asked`'s), or a verb of contacting with the caller as its object ending the clause (你们第一时间通知我;
    not 你们骗我, nor 你们也没通知我). Not a report: 的, 过 or 了 right after the verb or after 给 + the person
    (你打给我的那个电话, 你们上次打给我了)."""
    words = [w for w, _ in clause]
    i = words.index(_IF) + 1 if _IF in words[:4] else 0   # 有事的话你们晚上打给我: after the condition
    while i < len(clause) and words[i] in cues.leading_fillers:
        i += 1
    if i >= len(clause) or words[i] not in cues.addressees:
        return False
    k = i + 1
    while k < len(clause) and k < i + 5 and (clause[k][1].startswith(("t", "d", "m", "f"))
                                             or (clause[k - 1][1] == "m" and clause[k][1] == "n")):   # 第一时间
        k += 1
    contact = k < len(clause) and words[k] in cues.contact_verbs
    if k >= len(clause) or not (_verb_at(clause, k) or _idiom_verb(*clause[k]) or contact) \
            or any(w in cues.past_adverbs for w in words[i + 1:k]):
        return False
    if contact and k + 1 < len(words) and words[k + 1] in cues.first_person:   # 你们第一时间通知我
        return all(f.startswith("y") for _, f in clause[k + 2:]) and not any(w in cues.negations for w in words[i:k])
    if k + 1 < len(words) and words[k + 1] in cues.report_marks:
        return False
    joined = any(words[k].endswith(b) for b in cues.benefactive)   # jieba joins 打给 into one verb
    for j in range(k if joined else k + 1, len(words) - 1):
        if (j == k or words[j] in cues.benefactive) and words[j + 1] in cues.first_person:
            return not (j + 2 < len(words) and words[j + 2] in cues.report_marks)
    return False


def _just_do(clause: Clause, cues: QuestionCues) -> bool:
    """A verb + 一下 ("just do X") closing the clause, only modal particles after it (电话也改一下, 地址改一下哈; a verb
    jieba joins to it counts: 解释一下); not reported (医生说要观察一下: a verb of saying before it)."""
    words = [w for w, _ in clause]
    for i, word in enumerate(words):
        end = next((d for d in cues.delimitive if word.endswith(d)), "")
        verb = (end and len(word) > len(end)) or (word == end and i > 0 and _verb_at(clause, i - 1))
        closing = all(t.startswith("y") or w in cues.trailing_fillers for w, t in clause[i + 1:])
        if verb and closing and not any(w in cues.speech_verbs for w in words[:i]):
            return True
    return False


def _opening(clause: Clause, cues: QuestionCues) -> int:
    """Where a clause's own words start: after leading fillers, demonstratives (那就) and adverbs."""
    i = 0
    while i < len(clause) and (clause[i][0] in cues.leading_fillers or (clause[i][1].startswith(("d", "r", "c"))
                               and clause[i][0] not in cues.first_person and clause[i][0] not in cues.persons)):
        i += 1
    return i


def _closing_particles_off(words: Clause) -> tuple[Clause, bool]:
    """`words` without the sentence particles that close them (jieba's tag y), and whether 吧 was one: a verb the
    caller asks for is no finished act when 吧 follows its 了 (把它删了吧)."""
    end = len(words)
    while end and words[end - 1][1].startswith("y"):
        end -= 1
    return words[:end], any(w == "吧" for w, _ in words[end:])


def _disposes(clause: Clause, cues: QuestionCues) -> bool:
    """把 + what + a verb opening the clause and ending it (把受益人换成我儿子, 那就把钱退给我, 把它删了吧): what the
    agent is to do with it. After the verb only its complements, whom it is for (给我) or the goal of a verb of
    becoming or reaching (换成工行的); not a narrative that drops its subject and goes on (把流量扣光了还不够), nor a
    verb that is done (把鞋寄回去了, 已经把…: 了 or 过 last with no 吧 after it)."""
    i = _opening(clause, cues)
    if i >= len(clause) or clause[i][0] not in cues.disposal or any(
            w in cues.past_adverbs or w in cues.conditionals for w, _ in clause[:i]):
        return False
    rest, polite = _closing_particles_off([(w, f) for w, f in clause[i + 1:] if re.search(r"[\u4e00-\u9fff]", w)])
    verbs = [k for k in range(1, len(rest)) if _verb_at(rest, k)]
    if not verbs and len(rest) > 2 and rest[-2][0] in cues.benefactive and rest[-1][0] in cues.first_person:
        verbs = [len(rest) - 2]   # 你把客户经理的电话给我: 给 + whom is the verb "give" (jieba tags it p)
    if not verbs or len(rest) > cues.disposal_max_words:
        return False
    if not polite and any(w in cues.done_marks for w, _ in rest[verbs[0] + 1:]):
        return False
    after = rest[verbs[-1] + 1:]
    if rest[verbs[-1]][0].endswith(tuple(cues.goal_verb_ends)):
        return len(after) <= 3
    return all(f.startswith(("v", "r", "p", "u", "zg")) for _, f in after)


def _names_service(clause: Clause, cues: QuestionCues) -> bool:
    """A bare verb + classifier + a noun of one or two words as the whole clause, whom it is for (给我) and particles
    at most after it (改个手机号, 开个发票吧, 寄一份纸质合同给我: the numeral 一 only before 给我): the imperative that
    names a service. The caller reads it only as the last clause of a sentence (看个病，花了两万 narrates)."""
    i = _opening(clause, cues)
    rest = _closing_particles_off(clause[i:])[0]
    for_me = len(rest) > 2 and rest[-2][0] in cues.benefactive and rest[-1][0] in cues.first_person
    if for_me:
        rest = rest[:-2]
    # 给 before a measure word gives (给个说法, 给个准话): jieba tags it a preposition, which takes no measure word
    gives = rest[:1] and rest[0][0] in cues.benefactive and len(rest) > 1 and rest[1][1].startswith(("q", "m"))
    if not 3 <= len(rest) <= 4 or not (_verb_at(rest, 0) or gives):
        return False
    # with the numeral (一份) only when whom it is for closes it: 有一个女儿, 是一份意外险 describe
    measure = rest[1][0][1:] if for_me and rest[1][0].startswith("一") else rest[1][0]
    return measure in cues.classifiers and rest[-1][1].startswith(("n", "v", "a")) \
        and all(f.startswith("n") for _, f in rest[2:-1])   # 纸质合同; not 一个小问题 (a size, not a kind)


# How far into a clause the cheap test looks for a benefactive verb that opens it (after fillers and adverbs: 那赶紧给)
_OPENING_CHARS = 6


def _may_request(text: str, cues: QuestionCues) -> bool:
    """A cheap test on the characters before any segmenting: the clause holds what one of the constructions needs."""
    addressed = any(a in text for a in cues.addressees)
    return (any(v in text[:_OPENING_CHARS] or any(a + v in text for a in cues.addressees) for v in cues.agent_verbs)
            or any(p + d in text for p in cues.first_person for d in cues.desire)
            or any(d in text for d in cues.delimitive) or any(d in text for d in cues.disposal)
            or any(0 < text.find(c) <= _OPENING_CHARS for c in cues.classifiers)
            or any(b in text for b in cues.bother) or any(a in text for a in cues.advice)
            or (addressed and any(v in text for v in cues.contact_verbs))
            or (addressed and any(b + p in text for b in cues.benefactive for p in cues.first_person)))


def _addressed_request(body: str, cues: QuestionCues) -> bool:
    """A request without a request opener, read from the clause's grammar (jieba POS), not a list of sentences: the
    agent asked to act (`_agent_asked`), the caller saying what they want done (`_wanted`), or, with no first person
    as its subject, "just do X" (`_just_do`: 电话也改一下; not 我考虑一下), what to do with something (`_disposes`:
    把受益人换成我儿子) or a service named bare (`_names_service`: 改个手机号). A clause without a subject keeps the
    one before it (我不是来买的，就是核对一下: the caller's act) until the agent is addressed again (我换了号码，
    你改一下)."""
    caller_subject = False
    earlier: list[str] = []   # clauses passed over that name the caller: is the caller their subject? (asked late)
    clauses = [t for t in _CLAUSE_END.split(body) if t]
    for n, text in enumerate(clauses):
        if not _may_request(text, cues):
            if any(p in text for p in cues.first_person):
                earlier.append(text)
            continue
        clause = _words(text)
        if not clause:
            continue
        # the same test for a clause passed over as for one read: segmented only when a request may follow it
        caller_subject = caller_subject or any(_subject_first_person(_words(t), cues) for t in earlier)
        earlier = []
        if clause[0][0] in cues.addressees:
            caller_subject = False
        if _agent_asked(text, cues, caller_subject) or _wanted(clause, cues) or _done_to_me(clause, cues) \
                or _bother(clause, cues) or (not caller_subject and _advised(clause, cues)):
            return True
        # the disposal and the bare service name have no subject in their clause (a first person after 把 is its
        # object): only a caller who is the subject of the clauses before makes them the caller's own act
        if not caller_subject and (_disposes(clause, cues) or (n == len(clauses) - 1 and _names_service(clause, cues))):
            return True
        caller_subject = caller_subject or _subject_first_person(clause, cues)
        if not caller_subject and _just_do(clause, cues):
            return True
    return False


def asks(text: str, cues: QuestionCues) -> bool:
    """Whether any sentence of `text` is a question or request (a whole turn, as the outcome rules read it)."""
    return any(question_cue(s, cues) for s in split_sentences(text or "", cues.sentence_ends))


def detect_questions(turns: Iterable[tuple[str, int, str]], cues: QuestionCues) -> list[Question]:
    """Questions in customer turns given as (call_id, seq, text); each sentence is judged alone."""
    out: list[Question] = []
    for call_id, seq, text in turns:
        for part, sentence in enumerate(split_sentences(text or "", cues.sentence_ends)):
            cue = question_cue(sentence, cues)
            if cue is None:
                continue
            core = core_text(sentence, cues.leading_fillers, cues.trailing_fillers)
            out.append(Question(call_id, seq, part, sentence.strip(), core, cue))
    return out


def load_cues(settings) -> QuestionCues:
    """The lexicon named by [topics].question_cues (a file in configs/ or an absolute path)."""
    return QuestionCues.load(settings.config_file(settings["topics"]["question_cues"]))


# --- the questions step's compute (flows/steps.py): a night's customer turns in, its question rows out ---

@dataclass(frozen=True)
class CustomerTurn:
    call_id: str
    seq: int
    text: str
    said_at: datetime | None  # the call's start plus the utterance's offset


@dataclass(frozen=True)
class NightTurns:
    """What the questions step loads for one night (warehouse/topics.py load_turns)."""

    night: date
    turns: list[CustomerTurn]


@dataclass(frozen=True)
class QuestionRow:
    """A row of `questions` (warehouse/sql/150_baseline.sql), field for column."""

    question_id: str
    call_id: str
    seq: int
    part: int
    night: date
    asked_at: datetime | None
    text: str
    core: str
    cue: str
    text_sha256: str


@dataclass(frozen=True)
class NightQuestions:
    night: date
    rows: list[QuestionRow]
    customer_turns: int


def compute(inputs: NightTurns, settings) -> NightQuestions:
    """The night's questions; the id (call_id:seq:part) is stable across reruns."""
    said = {(t.call_id, t.seq): t.said_at for t in inputs.turns}
    found = detect_questions([(t.call_id, t.seq, t.text) for t in inputs.turns], load_cues(settings))
    rows = [QuestionRow(f"{q.call_id}:{q.seq}:{q.part}", q.call_id, q.seq, q.part, inputs.night,
                        said[(q.call_id, q.seq)], q.text, q.core, q.cue, text_key(q.core)) for q in found]
    return NightQuestions(inputs.night, rows, len(inputs.turns))

"""Which agent reply resolved the customer's issue? The picker behind the script library (优秀话术).

Each agent turn gets a reply-quality score from cues a QA lead would name: it answers a
customer question, it is specific (length, numbers, concrete steps), the customer's next turn
accepts it (谢谢, 明白了) rather than rejecting it, it is an answer rather than a deferral, a
request for details or a pleasantry. The cues' weights are learned on STC-3 (soft labels: the
share of annotators who call a turn the one that reaches the goal; configs/models/reply_weights.json,
scripts/train_reply_weights.py), falling back to the hand-set `[script_cues]` of
`configs/resolution_lexicon.toml`; phrases are shared with the resolution rules so the two
never disagree on what "thanks" or "a deferral" sounds like. Text in, scores out.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from callintel import model_json
from callintel.nlp.outcomes import Lexicon, Turn, is_question, lexicon_from_settings
from callintel.nlp.questions import QuestionCues, a_not_a, question_cue
from callintel.nlp.reply_ranker import NUMBER, RankerModel, rank, roles
from callintel.nlp.sentences import strip_punct
from callintel.settings import Settings

# A reply that points somewhere the customer can act: a number of two or more digits (a hotline, an amount, a date),
# a web address, or a named service channel (hotline, app, website, official account, branch counter): the closed
# class of an insurer's contact channels, the same in every line of business.
_SPECIFIC = re.compile(r"\d{2,}|www\.|https?://|\.com|热线|APP|app|官网|公众号|营业厅")


@dataclass(frozen=True)
class ReplyScore:
    turn: int  # index into the call's turns
    score: float
    reasons: tuple[str, ...]


def _phrases(lex: Lexicon, cue: str, text: str) -> list[str]:
    try:
        return [p for p in lex.cue(cue).phrases if p in text]
    except KeyError:
        return []


def reply_features(turns: Sequence[Turn], lex: Lexicon) -> list[tuple[int, dict[str, float]]]:
    """(turn index, cue -> how much of it) for every agent turn, in order; `empty` marks an empty turn.

    The cue names are the keys of `[script_cues]`; a turn's score is their weighted sum (`score_replies`).
    """
    agent = [i for i, t in enumerate(turns) if t.speaker == "agent"]
    substantive = [i for i in agent if turns[i].text and not _pleasantry_only(turns[i].text, lex)]
    out = []
    for i in agent:
        text = turns[i].text
        if not text:
            out.append((i, {"empty_penalty": 1.0}))
            continue
        x: dict[str, float] = {}
        before = next((turns[j] for j in range(i - 1, -1, -1) if turns[j].text), None)
        if before is not None and before.speaker == "customer" and is_question(before.text, lex):
            x["answers_question"] = 1.0
        after = next((turns[j] for j in range(i + 1, len(turns)) if turns[j].text), None)
        if after is not None and after.speaker == "customer":
            if _phrases(lex, "customer_positive_close", after.text):
                x["followed_by_thanks"] = 1.0
            if _phrases(lex, "customer_negative_close", after.text):
                x["followed_by_rejection"] = 1.0
        for name, cue in (("solution", "agent_solution"), ("defer", "agent_defer")):
            found = _phrases(lex, cue, text)
            if found:
                x[name] = float(min(3, len(found)))
        if _phrases(lex, "agent_ask_details", text):
            x["ask_details"] = 1.0
        if _pleasantry_only(text, lex):
            x["thanks_only"] = 1.0
        x["length_per_100_chars"] = min(300, len(text)) / 100
        if _SPECIFIC.search(text):
            x["digits_or_links"] = 1.0
        if substantive and i == substantive[-1]:
            x["last_agent_turn"] = 1.0
        if substantive and i == substantive[0]:
            x["first_agent_turn"] = 1.0
        out.append((i, x))
    return out


def score_replies(turns: Sequence[Turn], lex: Lexicon) -> list[ReplyScore]:
    """One score per agent turn, in order, with the reasons that moved it."""
    w = lex.script_cues
    out = []
    for i, x in reply_features(turns, lex):
        if "empty_penalty" in x:
            out.append(ReplyScore(i, w.get("empty_penalty", -5.0), ("empty",)))
            continue
        out.append(ReplyScore(i, round(sum(w.get(k, 0.0) * v for k, v in x.items()), 4), tuple(x)))
    return out


REPLY_WEIGHTS = "cue_weights"  # the kind of configs/models/reply_weights.json


def load_reply_weights(path: Path) -> dict[str, float]:
    """The learned cue weights of `scripts/train_reply_weights.py` (callintel/model_json.py checks the file)."""
    return model_json.read(path, REPLY_WEIGHTS, "run scripts/train_reply_weights.py, or set [outcomes] reply_model "
                           "= \"\" for the hand-set [script_cues]").weights


def script_lexicon(settings: Settings) -> Lexicon:
    """The resolution lexicon with the learned reply weights in place of the hand-set `[script_cues]`."""
    lex = lexicon_from_settings(settings)
    name = settings["outcomes"]["reply_model"]
    if not name:
        return lex
    return replace(lex, script_cues=lex.script_cues | load_reply_weights(settings.config_file(name)))


def _pleasantry_only(text: str, lex: Lexicon) -> bool:
    return len(text) <= 30 and bool(_phrases(lex, "agent_thanks_praise", text))


def best_reply(turns: Sequence[Turn], lex: Lexicon) -> ReplyScore | None:
    """The agent turn most likely to be the resolving reply (ties: the later turn); None without one."""
    scored = [s for s in score_replies(turns, lex) if "empty" not in s.reasons]
    if not scored:
        return None
    return max(scored, key=lambda s: (s.score, s.turn))


# --- Phone calls: the script library (优秀话术) -------------------------------------------------------------
# Calls open with a greeting and an identity check, read details back and close with pleasantries; the
# reply that answers the caller is the first turn that is none of those. Cues: configs/reply_cues.toml.


@dataclass(frozen=True)
class CallReplyCues:
    weights: dict[str, float]
    phrases: dict[str, tuple[str, ...]]
    objections: tuple[tuple[str, tuple[str, ...]], ...]
    source: str
    reason_names: dict[str, str] = field(default_factory=dict)  # reason code -> what a QA lead reads
    # a turn's topical words (jieba nouns, [replies] topical_pos): what the caller asks about, for the ranker's
    # overlap of a reply with the caller's request; None = not set (call_cues_from_settings sets it)
    topical: Callable[[str], frozenset[str]] | None = field(default=None, compare=False, repr=False)
    negators: tuple[str, ...] = ()  # 不算太贵 is not 太贵: a phrase right after one of these is negated
    not_objections: tuple[str, ...] = ()  # spans that contain a phrase but object to nothing (麻烦您: please)
    # what asks (the questions step's own cues): a clause of an agent sentence that asks back without a ？ (speech
    # recognition drops it) is not content; None = only ？ marks a question back
    questions: QuestionCues | None = field(default=None, compare=False, repr=False)
    embedding: tuple[str, ...] = ()  # verbs that embed a question (要看有没有): what follows is not asked
    asking_openers: tuple[str, ...] = ()  # a clause opening with one (请问) asks back
    addressee: tuple[str, ...] = ()  # 您看有没有…: an embedding verb after the addressee asks them
    concessive_after: tuple[str, ...] = ()  # 有没有都可以: an A-not-A form conceding, not asking
    # text -> its jieba words (the topics tokenizer), so embedding verbs match as words; None = as substrings
    words: Callable[[str], list[str]] | None = field(default=None, compare=False, repr=False)

    def reasons_text(self, reasons: Sequence[str]) -> str:
        """Reasons in words a QA lead reads (、-joined), codes without a name as they are."""
        return "、".join(dict.fromkeys(self.reason_names.get(r, r) for r in reasons))


def load_call_cues(path: str, topical: Callable[[str], frozenset[str]] | None = None) -> CallReplyCues:
    import tomllib
    from pathlib import Path

    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return CallReplyCues({k: float(v) for k, v in data["call_reply"].items()},
                         {k: tuple(v) for k, v in data["phrases"].items()},
                         tuple((k, tuple(v)) for k, v in data["objections"].items()), path,
                         {k: str(v) for k, v in data.get("reason_names", {}).items()}, topical,
                         tuple(data["objection_rules"]["negators"]), tuple(data["objection_rules"]["not_objections"]),
                         embedding=tuple(data["question_back"]["embedding"]),
                         asking_openers=tuple(data["question_back"]["asking_openers"]),
                         addressee=tuple(data["question_back"]["addressee"]),
                         concessive_after=tuple(data["question_back"]["concessive_after"]))


def topical_words(settings: Any) -> Callable[[str], frozenset[str]]:
    """text -> its topical words: jieba words (insurance dictionary) whose part of speech is one of [replies]
    topical_pos, stop words and masked values left out. The tokenizer loads on first use (a replies store that
    only needs the weights never pays for it); results are cached per text."""
    from functools import lru_cache

    from callintel.nlp.tokenize import tokenizer_from_settings

    wanted = frozenset(settings["replies"]["topical_pos"])

    @lru_cache(maxsize=4096)
    def words(text: str) -> frozenset[str]:
        tok = tokenizer_from_settings(settings)
        return frozenset(w for w, flag in tok.pos(_MASK_TOKEN.sub(" ", text)) if flag in wanted) - tok.stopwords

    return words


def call_cues_from_settings(settings: Any) -> CallReplyCues:
    from callintel.nlp.questions import load_cues
    from callintel.nlp.tokenize import tokenizer_from_settings

    cues = load_call_cues(str(settings.config_file(settings["replies"]["cues"])), topical_words(settings))
    return replace(cues, questions=load_cues(settings),
                   words=lambda text: tokenizer_from_settings(settings).words(text))


def objection_type(text: str, cues: CallReplyCues) -> str | None:
    """The customer's objection in this turn (价格太贵, 再考虑一下, …), or None: the first type with a phrase said
    outright, neither negated (倒也不算太贵) nor inside a span that objects to nothing (麻烦您)."""
    for span in cues.not_objections:
        text = text.replace(span, "，")
    return next((name for name, phrases in cues.objections if any(_said(text, p, cues.negators) for p in phrases)),
                None)


def _said(text: str, phrase: str, negators: Sequence[str]) -> bool:
    """`phrase` occurs in `text` at least once not right after a negator."""
    start = text.find(phrase)
    while start >= 0:
        if not any(text.endswith(n, 0, start) for n in negators):
            return True
        start = text.find(phrase, start + 1)
    return False


def _has(text: str, cues: CallReplyCues, kind: str) -> list[str]:
    return [p for p in cues.phrases[kind] if p in text]


_SENTENCE = re.compile(r"[^。！!？?…]+[。！!？?…]*")
# A masked value ([姓名], [尾号], [身份证号]) is what the caller said, not the agent asking for it.
_MASK_TOKEN = re.compile(r"\[[^\[\]]{1,8}\]")
# A request: the sentence asks the caller to say or give something (请/麻烦/提供/报/说一下, or a question).
_REQUEST = re.compile(r"请(?:问|您|你|提供|报|说|告诉)|麻烦|提供一下|报一下|说一下|告诉我|是多少|[？?]")


def asks_identity(sentence: str, cues: CallReplyCues) -> bool:
    """The sentence asks the caller for identity details (姓名, 身份证号, 保单号): an identity check. A sentence
    that only names such a document (材料: 身份证、病历…) or quotes a masked value tells rather than asks."""
    s = _MASK_TOKEN.sub("", sentence)
    return bool(_REQUEST.search(s)) and any(p in s for p in cues.phrases["verification"])


def content_chars(text: str, cues: CallReplyCues) -> int:
    """Characters of the reply that tell the caller something: not questions back, identity checks,
    read-backs or pleasantries (好的X先生 openers)."""
    n = 0
    # A turn that marks a question with ？ marks them all (written, or punctuated by its recogniser): its unmarked
    # sentences tell. A turn with none may have lost them (Whisper drops most): its clauses that ask are left out.
    marked = cues.questions is None or any(m in text for m in cues.questions.question_marks)
    for m in _SENTENCE.finditer(text):
        s = m.group().strip()
        if s.endswith(("？", "?")) or asks_identity(s, cues) \
                or any(p in s for p in cues.phrases["readback"]) or any(p in s for p in cues.phrases["closing"]):
            continue
        s = re.sub(r"^(?:好的|好|嗯|是的|明白|理解)?[^，,。]{0,6}(?:先生|女士|阿姨|叔叔)(?:您好)?[，,。]?", "", s)
        n += len(s) if marked else sum(len(c) for c in _CLAUSE.findall(s) if not _asks_back(c, cues))
    return n


_CLAUSE = re.compile(r"[^，,；;]+[，,；;]*")


def _asks_back(clause: str, cues: CallReplyCues) -> bool:
    """An agent's clause that asks the caller something though no ？ ends it (Whisper drops most question marks:
    平时吃药吗, 您是不是换了手机号): it ends in a question particle (the questions step's final particles), opens with
    请问 ([question_back] asking_openers), or holds an A-not-A form that no verb embeds in a statement before it
    ([question_back] embedding: 要看有没有并发症). The clause, not the sentence: Whisper joins sentences with commas.
    A question word alone (多少, 何时) is not enough: in an agent's turn it is as often an indefinite (几个办法)
    or a word misheard (核实 -> 何时)."""
    q = cues.questions
    if q is None or question_cue(clause, q) is None:  # the questions step's reading first (没有了 is no question)
        return False
    if clause.startswith(cues.asking_openers) or any(strip_punct(clause).endswith(p) for p in q.final_particles):
        return True
    for w in (w for w in q.interrogatives if a_not_a(w)):
        at = clause.find(w)
        if at >= 0 and not clause[at + len(w):].startswith(cues.concessive_after) \
                and not _embedded(clause[:at], cues):
            return True
    return False


def _embedded(before: str, cues: CallReplyCues) -> bool:
    """Whether a verb before an A-not-A form embeds it in a statement (要看有没有并发症), as a jieba word, and not
    one said to the addressee (您看有没有时间: that asks) nor inside an opener (再请问一下)."""
    if cues.words is None:
        return any(e in before for e in cues.embedding)
    words = cues.words(before)
    return any(w in cues.embedding and (i == 0 or words[i - 1] not in cues.addressee) for i, w in enumerate(words))


def _role(i: int, text: str, cues: CallReplyCues, min_content: float) -> str:
    """greeting / verification / readback / closing / ask / answer: what an agent turn does."""
    if i == 0 or (_has(text, cues, "greeting") and len(text) < 40):
        return "greeting"
    if _has(text, cues, "closing") and len(text) < 45:
        return "closing"
    content = content_chars(text, cues)
    if content >= min_content:
        return "answer"
    if _has(text, cues, "readback"):
        return "readback"
    if _has(text, cues, "verification"):
        return "verification"
    return "ask"


# What an agent turn that is not an answer does: its reason in the library, never a script.
_NOT_ANSWER = {"greeting": "closing", "closing": "closing", "readback": "readback", "verification": "verification",
               "ask": "question_back"}
NOT_A_SCRIPT = -10.0  # the score of a turn that is not an answer when the learned ranker scores the call


def score_call_replies(turns: Sequence[Turn], lex: Lexicon, cues: CallReplyCues,
                       ranker: RankerModel | None = None) -> list[ReplyScore]:
    """One score per agent turn of a phone call, with reasons (answer position, content, the caller's reaction).

    With the learned `ranker` (configs/models/reply_ranker.json), answers get its score and every other turn
    (greeting, identity check, question back, read-back, closing) NOT_A_SCRIPT; without, the hand-set
    [call_reply] weights of configs/reply_cues.toml score every turn.
    """
    if ranker is not None:
        return _ranked_call_replies(turns, lex, cues, ranker)
    w = cues.weights
    out = []
    answers = 0
    lengths = sorted(len(t.text) for t in turns if t.speaker == "agent" and t.text)
    median = lengths[len(lengths) // 2] if lengths else 0
    min_content = min(w["min_content_chars"], w["min_content_share"] * median)
    for i, t in enumerate(turns):
        if t.speaker != "agent":
            continue
        text = t.text
        if not text:
            out.append(ReplyScore(i, -5.0, ("empty",)))
            continue
        score, why = 0.0, []

        def add(name: str, times: float = 1.0, _why: list[str] = why) -> None:
            nonlocal score
            score += w[name] * times
            _why.append(name)

        role = _role(i, text, cues, min_content)
        before = next((turns[j] for j in range(i - 1, -1, -1) if turns[j].text), None)
        if before is not None and before.speaker == "customer":
            if objection_type(before.text, cues):
                add("answers_objection")
            elif is_question(before.text, lex):
                add("answers_question")
        if role == "answer":
            answers += 1
            if answers == 1:
                add("first_answer")
            elif answers == 2:
                add("second_answer")
            if _has(text, cues, "verification"):
                add("verification_long")
            if text.rstrip().endswith(("？", "?")):
                add("ends_asking")
            if _has(text, cues, "action_done"):
                add("action_done")
        else:
            add({"greeting": "closing", "closing": "closing", "readback": "readback",
                 "verification": "verification", "ask": "question_back"}[role])
        add("length_per_100_chars", min(w["cap_chars"], content_chars(text, cues)) / 100)
        if NUMBER.search(text):
            add("digits")
        found = _has(text, cues, "solution")
        if found:
            add("solution", min(2, len(found)))
        after = next((turns[j] for j in range(i + 1, len(turns)) if turns[j].text), None)
        if after is not None and after.speaker == "customer":
            if _has(after.text, cues, "reject"):
                add("rejected")
            elif _has(after.text, cues, "accept"):
                add("accepted")
        out.append(ReplyScore(i, round(score, 4), tuple(why)))
    return out


def _ranked_call_replies(turns: Sequence[Turn], lex: Lexicon, cues: CallReplyCues,
                         ranker: RankerModel) -> list[ReplyScore]:
    ranked = {i: (score, why) for i, score, why in rank(turns, lex, cues, ranker)}
    found = roles(turns, cues)
    out = []
    for i, t in enumerate(turns):
        if t.speaker != "agent":
            continue
        if not t.text:
            out.append(ReplyScore(i, -5.0 + NOT_A_SCRIPT, ("empty",)))
        elif i in ranked:
            out.append(ReplyScore(i, ranked[i][0], ("answer", *ranked[i][1])))
        else:
            out.append(ReplyScore(i, NOT_A_SCRIPT, (_NOT_ANSWER.get(found[i][0], "question_back"),)))
    return out


def best_call_reply(turns: Sequence[Turn], lex: Lexicon, cues: CallReplyCues,
                    ranker: RankerModel | None = None) -> ReplyScore | None:
    """The agent turn of a call most worth keeping as a script (ties: the earlier turn); None without one.

    With the ranker, a call without any answer (only greetings, identity checks, closings) has none.
    """
    scored = [s for s in score_call_replies(turns, lex, cues, ranker) if "empty" not in s.reasons]
    if ranker is not None:
        scored = [s for s in scored if "answer" in s.reasons]
    if not scored:
        return None
    return max(scored, key=lambda s: (s.score, -s.turn))


@dataclass(frozen=True)
class ReplyCandidate:
    """A customer question or objection, the agent's reply, and what followed it."""

    question_turn: int
    question: str
    objection: str | None  # objection type, or None for a plain question
    reply_turn: int
    reply: str
    reply_score: float
    reasons: tuple[str, ...]
    followed: str  # accepted / rejected / none (the caller's next turn)
    next_turn_text: str | None
    is_best: bool  # the call's best reply


def followed(next_text: str | None, cues: CallReplyCues) -> str:
    """What the caller's next turn does with the reply: rejected, accepted or none ([phrases] reject, accept).

    Read from the turn itself, whichever scorer ranked the reply (the learned ranker's reasons name its features,
    not the caller's reaction), so the library's "not rejected" rule and its 客户反应 column hold either way."""
    if not next_text:
        return "none"
    if _has(next_text, cues, "reject"):
        return "rejected"
    return "accepted" if _has(next_text, cues, "accept") else "none"


def reply_candidates(turns: Sequence[Turn], lex: Lexicon, cues: CallReplyCues,
                     ranker: RankerModel | None = None) -> list[ReplyCandidate]:
    """Every (question or objection -> agent reply) pair of a call, scored."""
    scores = {s.turn: s for s in score_call_replies(turns, lex, cues, ranker)}
    best = best_call_reply(turns, lex, cues, ranker)
    out = []
    for i, t in enumerate(turns):
        if t.speaker != "customer" or not t.text:
            continue
        objection = objection_type(t.text, cues)
        if not (objection or is_question(t.text, lex)):
            continue
        j = next((k for k in range(i + 1, len(turns)) if turns[k].text), None)
        if j is None or turns[j].speaker != "agent" or j not in scores:
            continue
        s = scores[j]
        if any(r in s.reasons for r in ("closing", "readback", "verification", "question_back")):
            continue  # a clarifying question, an identity check, a read-back or the closing is never a script
        k = next((m for m in range(j + 1, len(turns)) if turns[m].text), None)
        nxt = turns[k].text if k is not None and turns[k].speaker == "customer" else None
        out.append(ReplyCandidate(i, t.text, objection, j, turns[j].text, s.score, s.reasons, followed(nxt, cues), nxt,
                                  best is not None and best.turn == j))
    if best is not None and not any(c.is_best for c in out):
        out.append(_best_candidate(turns, lex, cues, best, {c.question_turn for c in out}))
        out.sort(key=lambda c: c.question_turn)
    return out


def _best_candidate(turns: Sequence[Turn], lex: Lexicon, cues: CallReplyCues, best: ReplyScore,
                    taken: set[int]) -> ReplyCandidate:
    """The call's best reply answers an earlier question (after an identity check): pair it with the caller's
    last question or objection before it, else the caller's turn right before it."""
    j = best.turn
    before = [i for i in range(j) if turns[i].speaker == "customer" and turns[i].text and i not in taken]
    asked = [i for i in before if is_question(turns[i].text, lex) or objection_type(turns[i].text, cues)]
    i = asked[-1] if asked else before[-1] if before else -1
    k = next((m for m in range(j + 1, len(turns)) if turns[m].text), None)
    nxt = turns[k].text if k is not None and turns[k].speaker == "customer" else None
    return ReplyCandidate(i, turns[i].text if i >= 0 else "", objection_type(turns[i].text, cues) if i >= 0 else None,
                          j, turns[j].text, best.score, best.reasons, followed(nxt, cues), nxt, True)


# --- the replies step's compute (flows/steps.py): the nights' calls in, question/objection -> reply pairs out ---

def compute(inputs: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """The inputs plus "candidates": call_id -> its question/objection -> reply pairs (pure)."""
    lex = lexicon_from_settings(settings)
    cues = call_cues_from_settings(settings)
    ranker = RankerModel.from_settings(settings)
    return {**inputs, "candidates": {
        c["call_id"]: reply_candidates([Turn(s, t) for s, t in inputs["utterances"][c["call_id"]]], lex, cues, ranker)
        for c in inputs["calls"]}}


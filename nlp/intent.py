"""Purchase intent (二次营销): how likely a caller is to buy, which product, and the sentence that says so.

Cues from the customer's turns (configs/intent_cues.toml): asking to buy or how, the price, whether a
health condition or age allows it, comparing products, wanting a proposal or a call back, objections
(interest all the same), taking up the agent's offer to present a product ([offer]); service, surrender,
complaint and do-not-call cues push the other way, and the
last two exclude the caller from the leads. Beside what was said, what the call is about: a call whose main topic
(the call_topics step's) is a purchase topic ([topic] families) adds to the cues, because buyers say it in words
no list holds (我爸妈也一起呢, 直接下单). The product of interest is the product type the caller names
most where they talk of buying (not a policy they already own, not someone else's), else the last one
named; a product named by a name of its own with no type keyword (三者险, 年度旅行险) is that
name. Text in, scores out: no DuckDB here.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from callintel.general_words import default_jieba
from callintel.mandarin import SENTENCE_ENDS
from callintel.nlp.opt_out import OptOutFile, OptOutList, parse_opt_out
from callintel.nlp.profiles import (
    Fact,
    ProfileLexicon,
    ProfileReader,
    clause_at,
    clause_prefix,
    lexicon_from_settings,
    text_clauses,
)
from callintel.nlp.sentences import split_sentences
from callintel.regex_words import NEVER, alternation
from callintel.settings import Settings

TOPIC_CUE = "topic"   # the cue of what the call is about ([topic] in configs/intent_cues.toml)
OFFER_CUE = "offer"   # the cue of an agent's offer the caller takes up ([offer])


@dataclass(frozen=True)
class IntentCue:
    name: str
    weight: float
    exclude: bool
    phrases: tuple[str, ...]
    own_only: bool = False  # counts only in a clause about the caller (not 我老公觉得保险都是骗人的)
    patterns: tuple[re.Pattern[str], ...] = ()  # constructions a phrase list cannot say (a verb + 到 + an amount)


_NEVER = re.compile(NEVER)


@dataclass(frozen=True)
class OfferRules:
    """[offer] of configs/intent_cues.toml (each key documented there); the defaults switch the cue off."""

    agent: tuple[re.Pattern[str], ...] = ()      # agent_patterns: an agent offers to present a product ...
    service_words: tuple[str, ...] = ()          # ... not of a service matter in its sentence
    backchannel: re.Pattern[str] = _NEVER        # the caller's turns passed before their reply ...
    prompt: re.Pattern[str] = _NEVER             # ... and the agent's prompts on the offer
    skip_turns: int = 0
    taken: tuple[re.Pattern[str], ...] = ()      # taken_patterns: assent as a word of its own ...
    requests: tuple[re.Pattern[str], ...] = ()   # ... or request_patterns: asking to be called or contacted
    refusals: tuple[str, ...] = ()               # declines it wherever it stands
    closings: tuple[str, ...] = ()               # declines it unless the turn assents and asks to be contacted
    weight: float = 0.0

    @classmethod
    def from_section(cls, offer: dict[str, Any], path: str) -> OfferRules:
        try:
            compiled = {k: tuple(re.compile(p) for p in offer.get(k, ()))
                        for k in ("agent_patterns", "taken_patterns", "request_patterns")}
            single = {k: re.compile(offer[k]) if k in offer else _NEVER for k in ("backchannel", "prompt")}
        except re.error as exc:
            raise ValueError(f"{path}: an [offer] pattern is not a regular expression: {exc}") from exc
        return cls(compiled["agent_patterns"], tuple(offer.get("service_words", ())), single["backchannel"],
                   single["prompt"], int(offer.get("skip_turns", 0)), compiled["taken_patterns"],
                   compiled["request_patterns"], tuple(offer.get("refusals", ())), tuple(offer.get("closings", ())),
                   float(offer.get("weight", 0.0)))


@dataclass(frozen=True)
class IntentLexicon:
    cues: tuple[IntentCue, ...]
    score: dict[str, Any]
    source: str
    topic_families: tuple[str, ...] = ()  # [topic] families: a call whose main topic is in one asked about buying
    topic_weight: float = 0.0
    offer: OfferRules = field(default_factory=OfferRules)   # [offer]: the agent's offer taken up


@dataclass(frozen=True)
class Intent:
    """One call's purchase intent."""

    score: float  # 0..1
    band: str  # high / medium / low
    product: str | None
    excluded: bool  # complaint or do-not-call said in this call
    exclude_reason: str | None
    cues: tuple[str, ...]  # cue:phrase@turn, strongest first
    evidence_turn: int | None
    evidence: str | None


@lru_cache(maxsize=8)
def load_intent_lexicon(path: str) -> IntentLexicon:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    try:
        cues = tuple(IntentCue(name, float(c["weight"]), bool(c.get("exclude", False)), tuple(c["phrases"]),
                               bool(c.get("own_only", False)), tuple(re.compile(p) for p in c.get("patterns", ())))
                     for name, c in data["cues"].items())
    except re.error as exc:
        raise ValueError(f"{path}: a [cues] pattern is not a regular expression: {exc}") from exc
    topic = data.get("topic", {})
    families = topic.get("families", [])
    if not isinstance(families, list) or not all(isinstance(f, str) for f in families):
        raise ValueError(f"{path}: [topic] families must be a list of taxonomy families or slugs, got {families!r}")
    for name in (TOPIC_CUE, OFFER_CUE):
        if name in data["cues"]:
            raise ValueError(f"{path}: [cues.{name}]: that name is the [{name}] cue's")
    return IntentLexicon(cues, data["score"], path, tuple(families), float(topic.get("weight", 0.0)),
                         OfferRules.from_section(data.get("offer", {}), path))


def intent_lexicon_from_settings(settings: Settings) -> IntentLexicon:
    return load_intent_lexicon(str(settings.config_file(settings["leads"]["cues"])))


def _word_starts(text: str) -> frozenset[int]:
    """Where jieba's words start in `text`: a cue must start a word, so 退了 is not read in 早退了 nor 骗 in
    防诈骗 (a maintained segmenter instead of a list of exceptions)."""
    starts, pos = set(), 0
    for word in default_jieba().cut(text):
        starts.add(pos)
        pos += len(word)
    return frozenset(starts)


def _cue_at(text: str, phrase: str, starts: frozenset[int]) -> int:
    """The first position where `phrase` starts a word of `text`, or -1."""
    j = text.find(phrase)
    while j >= 0 and j not in starts:
        j = text.find(phrase, j + 1)
    return j


def _negated(clause: str, at: int, lex: IntentLexicon) -> bool:
    """A buying cue in a clause that denies buying (也买不着了, 不想买, 没必要买): [score] negated_buy. An A-not-A
    question (买不买, 能买不能买, 可以投保不可以投保) asks: it is taken out before the negation is looked for."""
    said = _A_NOT_A.sub(lambda m: "问" * len(m.group()), clause)
    return bool(re.search(lex.score["negated_buy"], said[max(0, at - lex.score["negated_window"]):]))


# the modal (optional) and the verb, 不, the same modal and verb: a yes-no question of buying
_A_NOT_A = re.compile(r"((?:能|可以|要|会|想)?)(买|投保)不\1\2")


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def band(score: float, lex: IntentLexicon) -> str:
    s = lex.score
    return "high" if score >= s["high_at"] else "medium" if score >= s["medium_at"] else "low"


def product_of_interest(turns: Sequence[tuple[str, str]], lex: IntentLexicon, plex: ProfileLexicon) -> str | None:
    """The product type the caller wants: mentions in buying clauses count double; owned or others' do not."""
    reader = ProfileReader(plex)
    owned = tuple(plex["products"]["owned_customer"])
    keys = alternation({k for k, _ in plex["products"]["types"]})
    mention = re.compile(rf"({keys})")
    buy = tuple(p for c in lex.cues if c.name in ("buy_request", "also_buy", "underwriting", "price", "compare")
                for p in c.phrases)
    votes: dict[str, float] = {}
    last: str | None = None
    order = 0
    for speaker, text in turns:
        if speaker not in ("customer", "agent"):
            continue
        for _, clause in text_clauses(text):
            for start, kind in _mentions(clause, mention, reader, plex):
                order += 1
                if speaker == "agent":
                    votes[kind] = votes.get(kind, 0.0) + lex.score["agent_mention_weight"]
                    continue
                last = kind
                before = clause[:start]
                is_buy = any(p in clause for p in buy)
                if not is_buy and (any(w in before for w in owned) or "除了" in before):
                    continue
                if not reader.about_caller(clause, start, speaker) and not is_buy:
                    continue
                votes[kind] = votes.get(kind, 0.0) + (lex.score["buy_clause_weight"] if is_buy else 1.0) \
                    + 0.001 * order  # ties: the later mention
    if votes:
        customer = {k: v for k, v in votes.items() if v >= 1.0}
        pool = customer or votes
        return max(pool, key=lambda k: pool[k])
    return last


def _mentions(clause: str, mention: re.Pattern[str], reader: ProfileReader,
              plex: ProfileLexicon) -> list[tuple[int, str]]:
    """(where, product) of each product the clause names, in order: by a type keyword (重疾, 医疗, 意外: the type),
    or by a name of its own without one (三者险, 年度旅行险: the name as said, `ProfileReader.product_names`)."""
    found = []
    for m in mention.finditer(clause):
        kind = reader.product_type(clause[m.start():m.end() + 1])
        if kind is not None and not (m.group(1) in plex["products"]["need_xian"] and "险" not in clause):
            found.append((m.start(), kind))
    found += [(start, name) for start, _, name in reader.product_names(clause)]
    return sorted(found)


def _pattern_at(text: str, pattern: re.Pattern[str]) -> tuple[str, int]:
    """The first match of `pattern` in `text` and where, or ("", -1). A construction is its own boundary: jieba
    joins a modal to the verb it needs (想加 in 想加到三百万), so a pattern need not start a word."""
    m = pattern.search(text)
    return (m.group(), m.start()) if m else ("", -1)


def _counts(cue: IntentCue, phrase: str, text: str, starts: frozenset[int], reader: ProfileReader,
            lex: IntentLexicon, at: int | None = None) -> bool:
    """`phrase` of `cue` is said in `text` (at `at` when a pattern found it): it starts a word, a buying cue is not
    denied, and an own_only cue is in a clause about the caller."""
    at = _cue_at(text, phrase, starts) if at is None else at
    if at < 0:
        return False
    start, clause = clause_at(text, at)
    if cue.weight > 0 and _negated(clause, at - start, lex):
        return False
    return not cue.own_only or reader.about_caller(clause, at - start, "customer", clause_prefix(text, start))


def score_intent(turns: Sequence[tuple[str, str]], lex: IntentLexicon, plex: ProfileLexicon,
                 facts: Sequence[Fact] = (), topic: Sequence[str] = (), topic_turn: int | None = None) -> Intent:
    """The call's purchase intent from the customer's turns (each cue counts once; the agent's offer when the
    caller takes it up), and from what the call is
    about: `topic`, its main topic's slug and taxonomy family (call_topics), when one is in [topic] families (the
    caller rang about buying, in words the cues may lack: 我爸妈也一起呢, 直接下单). That cue only adds to what was
    said (alone it stays below medium) and is the evidence only when nothing said is: then the sentence that
    decided the topic (`topic_turn`, an index of `turns`), else none."""
    fired: list[tuple[float, str, str, int]] = []   # what was said: (weight, cue, phrase, turn)
    reader = ProfileReader(plex)
    said = [(i, text, _word_starts(text)) for i, (speaker, text) in enumerate(turns) if speaker == "customer"]
    for cue in lex.cues:
        hit = next(((p, i) for i, text, starts in said for p in cue.phrases
                     if _counts(cue, p, text, starts, reader, lex)), None) or \
            next(((p, i) for i, text, starts in said for pattern in cue.patterns
                  for p, at in [_pattern_at(text, pattern)] if _counts(cue, p, text, starts, reader, lex, at)),
                 None)
        if hit:
            fired.append((cue.weight, cue.name, hit[0], hit[1]))
    taken = _offer_taken(turns, lex)
    if taken is not None:   # the phrase is the agent's offer, the turn the caller's yes
        fired.append((lex.offer.weight, OFFER_CUE, taken[1], taken[0]))
    about = next((t for t in topic if t in lex.topic_families), None) if lex.topic_weight > 0 else None
    total = lex.score["bias"] + sum(w for w, *_ in fired) + (lex.topic_weight if about else 0.0)
    if any(f.field == "insured_person" for f in facts):
        total += 0.5  # the caller says who is to be insured
    score = round(_sigmoid(total), 4)
    excludes = {c.name for c in lex.cues if c.exclude}
    excluding = [f for f in fired if f[1] in excludes]
    positive = sorted((f for f in fired if f[0] > 0), key=lambda f: (-f[0], f[3]))
    # the evidence is what was said; the sentence that decided the topic only when nothing said is a buying cue
    ev_turn = positive[0][3] if positive else topic_turn if about else None
    shown = fired + ([(lex.topic_weight, TOPIC_CUE, about, topic_turn)] if about else [])
    return Intent(score, band(score, lex), product_of_interest(turns, lex, plex) if positive or about else None,
                  bool(excluding), excluding[0][1] if excluding else None,
                  tuple(f"{n}:{p}" + (f"@{t}" if t is not None else "")
                        for _, n, p, t in sorted(shown, key=lambda f: -abs(f[0]))),
                  ev_turn, turns[ev_turn][1] if ev_turn is not None else None)


def _offer_in(text: str, lex: IntentLexicon) -> str | None:
    """The words of the agent's offer in `text` ([offer] agent_patterns), or None: the first sentence that offers
    and names no service matter ([offer] service_words: 安排专人上门查勘, 介绍一下理赔流程), in a turn that asks the
    caller nothing else (手机号还是那个吗？: a 可以 would answer that), a prompt on the offer itself (您看可以吗？)
    aside."""
    rules = lex.offer
    found = None
    for sent in split_sentences(text, SENTENCE_ENDS):
        hit = next((m for p in rules.agent if (m := p.search(sent))), None)
        if found is None and hit and not any(w in sent for w in rules.service_words):
            found = hit.group(0)
            rest = [c for c in re.split(r"[，,]", sent) if hit.group(0) not in c]
        else:
            rest = [sent]
        if any(("吗" in c or c.rstrip().endswith(("？", "?"))) and not rules.prompt.search(c) for c in rest):
            return None
    return found


def _passing(turn: tuple[str, str], skip: dict[str, re.Pattern[str]]) -> bool:
    """An empty turn, the caller's backchannel or the agent's prompt on the offer: no reply to it yet."""
    speaker, text = turn
    return not text.strip() or (speaker in skip and skip[speaker].fullmatch(text.strip()) is not None)


def _offer_taken(turns: Sequence[tuple[str, str]], lex: IntentLexicon) -> tuple[int, str] | None:
    """The caller's turn that takes up an agent's offer to present a product or have an adviser call ([offer]:
    可以，那你让人过两天打给我 after 您有兴趣的话，我可以安排专人给您介绍), with the offer's words, or None. The
    offer is the agent's words, the decision the caller's: an agent who offers to everyone says nothing of the
    caller until they take it up. The reply is the caller's next turn after at most [offer] skip_turns backchannels
    (嗯。) or the agent's prompts on the offer (您看可以吗？): assent standing as a word of its own or a request to be
    called, with no refusal starting a word in it ([offer] refusals: 不用了, 再说, 知道了; not the 别 of 特别), and no
    closing (再见, 先这样) unless the turn both assents and asks to be contacted (可以，让他明天打给我吧，再见: yes,
    then goodbye; 谁让你们打给我的？拜拜 asks nothing)."""
    rules = lex.offer
    if rules.weight == 0 or not rules.agent or not (rules.taken or rules.requests):
        return None
    skip = {"customer": rules.backchannel, "agent": rules.prompt}
    for i, (speaker, text) in enumerate(turns):
        offer = _offer_in(text, lex) if speaker == "agent" else None
        if offer is None:
            continue
        j, skipped = i + 1, 0
        while j < len(turns) and skipped < rules.skip_turns and _passing(turns[j], skip):
            j, skipped = j + 1, skipped + 1
        said = turns[j][1] if j < len(turns) and turns[j][0] == "customer" else ""
        starts = _word_starts(said)
        asks = any(p.search(said) for p in rules.requests)
        assents = any(p.search(said) for p in rules.taken)
        declines = [*rules.refusals, *(() if asks and assents else rules.closings)]
        if (asks or assents) and not any(_cue_at(said, w, starts) >= 0 for w in declines):
            return j, offer
    return None


# --- the leads step's compute (flows/steps.py): the nights' calls with their facts in, intent per call out ---

@dataclass(frozen=True)
class LeadCall:
    """A call as the leads step loads it (warehouse/leads.py load)."""

    call_id: str
    caller_hash: str | None
    night: date
    started_at: datetime
    utterances: list[tuple[str, str]]  # (speaker, text) in seq order
    facts: list[Fact]  # its profile_facts (the profiles step's)
    topic: tuple[str, ...] = ()  # its main topic's slug and taxonomy family (call_topics), when it has them
    topic_turn: int | None = None  # the index in `utterances` of the sentence that decided that topic


@dataclass(frozen=True)
class LeadInputs:
    calls: list[LeadCall]
    opt_out: OptOutFile


@dataclass(frozen=True)
class CallIntent:
    """One call's row of `call_intent`: the call's keys with its Intent."""

    call_id: str
    caller_hash: str | None
    night: date
    started_at: datetime
    intent: Intent


@dataclass(frozen=True)
class LeadResult:
    calls: list[CallIntent]
    opt_out: OptOutList


def compute(inputs: LeadInputs, settings: Settings) -> LeadResult:
    """Each call's purchase intent, and the opt-out file read into caller hashes (pure)."""
    lex = intent_lexicon_from_settings(settings)
    plex = lexicon_from_settings(settings)
    return LeadResult([CallIntent(c.call_id, c.caller_hash, c.night, c.started_at,
                                  score_intent(c.utterances, lex, plex, c.facts, c.topic, c.topic_turn))
                       for c in inputs.calls],
                      parse_opt_out(inputs.opt_out))

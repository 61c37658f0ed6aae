"""Was the customer's issue resolved in this contact? A score, a label and the evidence.

Rules first, because an analyst must see *why* a call counts as unresolved: each cue in
`configs/resolution_lexicon.toml` (agent promises and escalations, the customer's opening
complaint or praise, the customer's closing reaction, questions left unanswered) fires at
most once per call and carries a hand-set weight; the rule score is a logistic of their sum.
A small logistic-regression model over the same cue indicators plus a few structural
counts (`configs/models/resolution_lr.json`, trained by `scripts/train_resolution.py` on
STC-3 only) re-weights them when it is configured; the evidence stays the rules' phrases
either way. Text in, numbers out: no DuckDB here.
"""

from __future__ import annotations

import json
import math
import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callintel import model_json
from callintel.model_json import ModelFile
from callintel.nlp.intent import IntentLexicon, intent_lexicon_from_settings, score_intent
from callintel.nlp.profiles import ProfileLexicon
from callintel.nlp.profiles import lexicon_from_settings as profile_lexicon_from_settings
from callintel.nlp.questions import QuestionCues, asks, load_cues
from callintel.pinyin import syllables
from callintel.regex_words import alternation
from callintel.settings import Settings

SCOPES = ("any", "first", "closing", "unanswered", "closing_question")
SPEAKERS = ("agent", "customer")
_MENTION = re.compile(r"@[^\s@,，.。:：;；!！?？、)）]+")
_SPACE = re.compile(r"\s+")
_HAN = re.compile(r"[\u3400-\u9fff]")  # pinyin matching is for phrases of Han characters only


@dataclass(frozen=True)
class Turn:
    """Consecutive utterances of one speaker joined: the unit the rules read."""

    speaker: str  # agent / customer / unknown
    text: str


@dataclass(frozen=True)
class Cue:
    name: str
    speaker: str
    scope: str
    weight: float
    phrases: tuple[str, ...]
    suppresses: tuple[str, ...] = ()  # cues this one cancels when both fire (e.g. "好的，那我等电话")


@dataclass(frozen=True)
class SoundMatch:
    """Match cue phrases on toneless pinyin too, so ASR homophone errors still fire them.

    Whisper writes what it hears: 提交工单 -> 提交公单, 核实 -> 合时, 理赔 -> 礼培. Both the phrase and
    the turn become one token per character (toneless pinyin for Han characters, the character
    itself otherwise), `fuzzy` finals/initials are merged (in/ing, zh/z: the confusions of accents
    and ASR), and the phrase matches as a whole-syllable run. Phrases shorter than `min_syllables`
    match on characters only (too many homophones); `exclude` lists common words that sound like
    a cue but are not one (合适 vs 核实), removed from the turn before the pinyin match.
    """

    enabled: bool = False
    min_syllables: int = 2
    fuzzy: tuple[tuple[str, str], ...] = ()
    fuzzy_min_syllables: int = 3  # shorter phrases need the exact toneless syllables
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """The rules file, parsed once; `source` names it in error messages."""

    cues: tuple[Cue, ...]
    bias: float
    max_evidence: int
    min_customer_turns_for_closing: int
    questions: QuestionCues  # what counts as a question: the questions step's own cues (one definition)
    unresolved_at: float
    resolved_at: float
    min_turns: int
    script_cues: dict[str, float]
    escalation: tuple[str, ...] = ()  # what a caller escalates to (投诉, 领导, 银保监)
    source: str = ""
    sound: SoundMatch = SoundMatch()
    rule_weight: float = 0.0  # final score: logistic of this blend of rule and model log-odds
    escalation_asks: tuple[str, ...] = ()  # the caller's wish or intent before it (我要, 去, 找)
    escalation_past: tuple[str, ...] = ()  # right after it, a report of the past (过, 了)

    def cue(self, name: str) -> Cue:
        for c in self.cues:
            if c.name == name:
                return c
        raise KeyError(f"no cue '{name}' in {self.source}")


@dataclass(frozen=True)
class Evidence:
    cue: str
    phrase: str
    turn: int  # index into the call's turns
    speaker: str

    def as_text(self) -> str:
        return f"{self.cue}:{self.phrase}@{self.turn}"


@dataclass
class Signals:
    """What the rules found in one call: fired cues with evidence, plus structural counts."""

    fired: dict[str, list[Evidence]]
    n_turns: int
    n_agent: int
    n_customer: int
    last_speaker: str
    empty_agent_turns: int
    customer_questions: int
    features: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    score: float  # probability-like: higher = more likely unresolved
    rule_score: float
    label: str  # resolved / unresolved / unknown
    evidence: tuple[Evidence, ...]
    method: str  # rules / model


class LexiconError(ValueError):
    """The resolution lexicon is missing or malformed; the message names the file and key."""


def load_lexicon(path: str | Path, questions: QuestionCues) -> Lexicon:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise LexiconError(f"resolution lexicon not found: {path} (set [outcomes].lexicon)") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"resolution lexicon {path} is not valid TOML: {exc}") from exc
    cues = []
    for name, spec in raw.get("cues", {}).items():
        if spec.get("speaker") not in SPEAKERS or spec.get("scope") not in SCOPES:
            raise LexiconError(f"{path}: [cues.{name}] needs speaker in {SPEAKERS} and scope in {SCOPES}")
        cues.append(Cue(name, spec["speaker"], spec["scope"], float(spec["weight"]),
                        tuple(spec.get("phrases", [])), tuple(spec.get("suppresses", []))))
    names = {c.name for c in cues}
    for c in cues:
        if unknown := set(c.suppresses) - names:
            raise LexiconError(f"{path}: [cues.{c.name}] suppresses unknown cue(s) {sorted(unknown)}")
    def setting(section: str, key: str) -> Any:
        """A tunable the lexicon file must set: its values live there alone, never as a default here."""
        try:
            return raw[section][key]
        except KeyError as exc:
            raise LexiconError(f"{path}: [{section}] has no '{key}' (the lexicon file sets every tunable)") from exc

    pin = raw.get("pinyin", {})
    fuzzy = []
    for pair in pin.get("fuzzy", []):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) and x for x in pair)):
            raise LexiconError(f"{path}: [pinyin].fuzzy entries must be [\"from\", \"to\"] pairs, got {pair!r}")
        fuzzy.append((pair[0], pair[1]))
    sound = SoundMatch(bool(setting("pinyin", "enabled")), int(setting("pinyin", "min_syllables")), tuple(fuzzy),
                       int(setting("pinyin", "fuzzy_min_syllables")), tuple(pin.get("exclude", [])))
    rule_weight = float(setting("model", "rule_weight"))
    if not 0.0 <= rule_weight <= 1.0:
        raise LexiconError(f"{path}: [model].rule_weight must be between 0 and 1, got {rule_weight}")
    return Lexicon(tuple(cues), float(setting("rules", "bias")), int(setting("rules", "max_evidence")),
                   int(setting("rules", "min_customer_turns_for_closing")), questions,
                   float(setting("labels", "unresolved_at")), float(setting("labels", "resolved_at")),
                   int(setting("labels", "min_turns")), {k: float(v) for k, v in raw.get("script_cues", {}).items()},
                   tuple(raw.get("escalation", {}).get("phrases", [])), str(path), sound, rule_weight,
                   tuple(raw.get("escalation", {}).get("asks", [])), tuple(raw.get("escalation", {}).get("past", [])))


def lexicon_from_settings(settings: Settings) -> Lexicon:
    return load_lexicon(settings.config_file(settings["outcomes"]["lexicon"]), load_cues(settings))


def clean_text(text: str) -> str:
    """Drop @mentions (Weibo) and collapse whitespace; everything else is kept as spoken/written."""
    return _SPACE.sub(" ", _MENTION.sub(" ", text)).strip()


def to_turns(utterances: Iterable[tuple[str, str]]) -> list[Turn]:
    """(speaker, text) utterances in time order -> turns, joining a speaker's consecutive utterances.

    Empty utterances are kept as empty turns (an agent who never answered is evidence too),
    but are not joined onto a neighbour.
    """
    turns: list[Turn] = []
    for speaker, text in utterances:
        text = clean_text(text or "")
        if turns and turns[-1].speaker == speaker and text and turns[-1].text:
            turns[-1] = Turn(speaker, f"{turns[-1].text} {text}")
        else:
            turns.append(Turn(speaker, text))
    return turns


def is_question(text: str, lex: Lexicon) -> bool:
    """The turn asks or requests something: one of its sentences is a question to the questions step."""
    return asks(text, lex.questions)


def _scoped_turns(turns: Sequence[Turn], cue: Cue, lex: Lexicon) -> list[int]:
    """Indices of the turns a cue reads."""
    own = [i for i, t in enumerate(turns) if t.speaker == cue.speaker and t.text]
    if cue.scope == "any":
        return own
    if cue.scope == "first":
        return own[:1]
    customer = [i for i, t in enumerate(turns) if t.speaker == "customer" and t.text]
    agent = [i for i, t in enumerate(turns) if t.speaker == "agent" and t.text]
    if cue.scope == "closing":
        ok = len(customer) >= lex.min_customer_turns_for_closing and agent and customer[-1] > agent[0]
        return customer[-1:] if ok else []
    if cue.scope == "closing_question":
        ok = agent and customer and customer[-1] > agent[0] and len(customer) >= lex.min_customer_turns_for_closing
        return customer[-1:] if ok and is_question(turns[customer[-1]].text, lex) else []
    if cue.scope == "unanswered":
        spoken = [i for i, t in enumerate(turns) if t.text and t.speaker in SPEAKERS]
        if spoken and turns[spoken[-1]].speaker == "customer" and is_question(turns[spoken[-1]].text, lex):
            return spoken[-1:]
        return []
    return []


@lru_cache(maxsize=1 << 16)
def _sound_key(text: str, fuzzy: tuple[tuple[str, str], ...]) -> str:
    return " " + " ".join(syllables(text, fuzzy)) + " "


def _sound_text(text: str, sound: SoundMatch, fuzzy: tuple[tuple[str, str], ...]) -> str:
    for word in sound.exclude:
        text = text.replace(word, "\u3000" * len(word))
    return _sound_key(text, fuzzy)


def phrase_in(phrase: str, text: str, lex: Lexicon) -> bool:
    """A cue phrase is in a turn: as characters, or (pinyin on, phrase long enough) as syllables."""
    if phrase in text:
        return True
    sound = lex.sound
    if not sound.enabled or len(phrase) < sound.min_syllables or not all(_HAN.match(ch) for ch in phrase):
        return False
    fuzzy = sound.fuzzy if len(phrase) >= sound.fuzzy_min_syllables else ()
    return _sound_key(phrase, fuzzy) in _sound_text(text, sound, fuzzy)


def signals(turns: Sequence[Turn], lex: Lexicon) -> Signals:
    """Run every cue over its turns; a cue fires once per call, evidence lists the phrases.

    A phrase heard only by its sound (pinyin) is evidence as `phrase~`, so analysts see it was inferred.
    """
    fired: dict[str, list[Evidence]] = {}
    for cue in lex.cues:
        hits: list[Evidence] = []
        for i in _scoped_turns(turns, cue, lex):
            if not cue.phrases:  # a structural cue (unanswered question): the turn itself is the evidence
                hits.append(Evidence(cue.name, turns[i].text[:40], i, turns[i].speaker))
                continue
            text = turns[i].text
            hits += [Evidence(cue.name, p if p in text else f"{p}~", i, turns[i].speaker) for p in cue.phrases
                     if phrase_in(p, text, lex)]
        if hits:
            fired[cue.name] = hits
    for cue in lex.cues:
        if cue.name in fired:
            for other in cue.suppresses:
                fired.pop(other, None)
    agent = [t for t in turns if t.speaker == "agent"]
    customer = [t for t in turns if t.speaker == "customer" and t.text]
    spoken = [t for t in turns if t.text]
    sig = Signals(fired, len(turns), sum(1 for t in agent if t.text), len(customer),
                  spoken[-1].speaker if spoken else "none", sum(1 for t in agent if not t.text),
                  sum(1 for t in customer if is_question(t.text, lex)))
    sig.features = feature_vector(sig, lex)
    return sig


def feature_vector(sig: Signals, lex: Lexicon) -> dict[str, float]:
    """Named features for the learned model: cue indicators, distinct-phrase counts, structure."""
    out: dict[str, float] = {}
    for cue in lex.cues:
        hits = sig.fired.get(cue.name, [])
        out[f"cue:{cue.name}"] = 1.0 if hits else 0.0
        out[f"n:{cue.name}"] = math.log1p(len({h.phrase for h in hits}))
    out["n_turns"] = math.log1p(sig.n_turns)
    out["n_customer"] = math.log1p(sig.n_customer)
    out["n_agent"] = math.log1p(sig.n_agent)
    out["last_is_customer"] = 1.0 if sig.last_speaker == "customer" else 0.0
    out["empty_agent"] = 1.0 if sig.empty_agent_turns else 0.0
    out["customer_questions"] = math.log1p(sig.customer_questions)
    return out


_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])")


def evidence_sentence(text: str, phrase: str, limit: int = 80) -> str:
    """The sentence of a turn that holds the evidence phrase (the whole turn when heard only by sound),
    so a reader sees what was said rather than a cue name and a turn number."""
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    hit = next((s for s in sentences if phrase.rstrip("~") in s), text)
    return hit.strip()[:limit]


def _escalation_pattern(lex: Lexicon) -> re.Pattern[str] | None:
    if not (lex.escalation and lex.escalation_asks):
        return None
    past = f"(?!{alternation(lex.escalation_past)})" if lex.escalation_past else ""
    asks, escalation = alternation(lex.escalation_asks), alternation(lex.escalation)
    return re.compile(f"(?:{asks})[^，,。！!？?；;]{{0,3}}?({escalation}){past}")


def escalations(turns: Sequence[Turn], lex: Lexicon) -> list[Evidence]:
    """The caller asking to complain or escalate ([escalation]: customer turns, a wish or intent followed by
    what they escalate to, not a report of the past); reporting only, they do not move the score."""
    pattern = _escalation_pattern(lex)
    if pattern is None:
        return []
    return [Evidence("escalation", m.group(1), i, t.speaker) for i, t in enumerate(turns)
            if t.speaker == "customer" for m in pattern.finditer(t.text)]


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1.0 - 1e-12)
    return math.log(p / (1.0 - p))


def rule_score(sig: Signals, lex: Lexicon) -> float:
    return _sigmoid(lex.bias + sum(c.weight for c in lex.cues if c.name in sig.fired))


def char_ngrams(text: str, low: int = 1, high: int = 2) -> list[str]:
    """Character n-grams after lower-casing and collapsing whitespace (the model's tokens)."""
    text = _SPACE.sub(" ", text.lower())
    return [text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]


def text_views(turns: Sequence[Turn], lex: Lexicon) -> dict[str, str]:
    """The texts the model reads: opening request, the agent's words, the customer's closing turn."""
    customer = [t.text for t in turns if t.speaker == "customer" and t.text]
    agent = [t.text for t in turns if t.speaker == "agent" and t.text]
    closing = customer[-1] if len(customer) >= lex.min_customer_turns_for_closing else ""
    return {"opening": customer[0] if customer else "", "agent": " ".join(agent), "closing": closing}


@dataclass(frozen=True)
class TextView:
    """Sublinear TF-IDF of character n-grams of one text view, L2-normalised, with LR weights."""

    name: str
    ngram: tuple[int, int]
    vocab: dict[str, int]
    idf: list[float]
    coef: list[float]

    def contribution(self, text: str) -> float:
        counts: dict[int, int] = {}
        for gram in char_ngrams(text, *self.ngram):
            j = self.vocab.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if not counts:
            return 0.0
        vals = {j: (1.0 + math.log(c)) * self.idf[j] for j, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vals.values())) or 1.0
        return sum(self.coef[j] * v / norm for j, v in vals.items())


@dataclass(frozen=True)
class ResolutionModel:
    """Logistic regression over the cue features (standardised) and character n-gram views.

    Stored as JSON (no pickle), so the artefact is readable and diffable; `meta` records the
    training data (path, sha256, rows) and the cross-validated figures.
    """

    intercept: float
    weights: dict[str, float]
    mean: dict[str, float]
    scale: dict[str, float]
    views: tuple[TextView, ...]
    meta: dict[str, Any]

    def predict(self, features: dict[str, float], texts: dict[str, str]) -> float:
        z = self.intercept
        for name, w in self.weights.items():
            z += w * (features.get(name, 0.0) - self.mean.get(name, 0.0)) / (self.scale.get(name, 1.0) or 1.0)
        for view in self.views:
            z += view.contribution(texts.get(view.name, ""))
        return _sigmoid(z)

    KIND = "logistic"
    REMEDY = "train it with `python scripts/train_resolution.py` or set [outcomes].model = \"\""

    def to_json(self) -> str:
        views = [{"name": v.name, "ngram": list(v.ngram), "vocab": v.vocab, "idf": v.idf, "coef": v.coef}
                 for v in self.views]
        body = {"intercept": self.intercept, "mean": self.mean, "scale": self.scale, "views": views}
        return ModelFile(self.KIND, self.weights, self.meta, body).to_json(separators=(",", ":"))

    @classmethod
    def load(cls, path: str | Path) -> ResolutionModel:
        """The model a trainer wrote (callintel/model_json.py: a missing or wrong file says how to make it)."""
        m = model_json.read(path, cls.KIND, cls.REMEDY)
        views = tuple(TextView(v["name"], tuple(v["ngram"]), v["vocab"], v["idf"], v["coef"])
                      for v in m.body.get("views", []))
        return cls(float(m.body["intercept"]), m.weights, m.body.get("mean", {}), m.body.get("scale", {}), views,
                   m.meta)

    @classmethod
    def from_settings(cls, settings: Settings) -> ResolutionModel | None:
        """The configured model ([outcomes] model, a file in configs/), or None for rules only."""
        path = model_json.configured(settings, "outcomes", "model")
        return cls.load(path) if path is not None else None


def _top_ngrams(docs: Sequence[str], ngram: tuple[int, ...], min_df: int, limit: int) -> dict[str, int]:
    """The view's vocabulary: n-grams in at least min_df texts, the `limit` most frequent, ties by the n-gram.

    scikit-learn's own max_features cut breaks count ties with numpy's unstable argsort, whose order
    follows the processor's SIMD sort: the same data refit on another machine kept other n-grams.
    """
    from collections import Counter

    count: Counter[str] = Counter()
    df: Counter[str] = Counter()
    for doc in docs:
        grams = char_ngrams(doc, *ngram)
        count.update(grams)
        df.update(set(grams))
    kept = sorted((g for g, n in df.items() if n >= min_df), key=lambda g: (-count[g], g))[:limit]
    return {g: i for i, g in enumerate(sorted(kept))}


def fit_model(calls: Sequence[Sequence[Turn]], unresolved: Sequence[int], lex: Lexicon,
              params: dict[str, Any], meta: dict[str, Any] | None = None) -> ResolutionModel:
    """Fit the logistic regression (scikit-learn, imported here only: prediction needs none of it)."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    sigs = [signals(t, lex) for t in calls]
    names = sorted(sigs[0].features)
    dense = np.array([[s.features[n] for n in names] for s in sigs])
    mean, scale = dense.mean(axis=0), dense.std(axis=0)
    scale[scale == 0] = 1.0
    blocks = [csr_matrix((dense - mean) / scale)]
    ngram = tuple(params.get("ngram", [1, 2]))
    vectorizers = []
    texts = [text_views(t, lex) for t in calls]
    for view in params.get("views", []):
        docs = [t[view] for t in texts]
        vocab = _top_ngrams(docs, ngram, params.get("min_df", 5), params.get("max_features", 1000))
        vec = TfidfVectorizer(analyzer=lambda s, n=ngram: char_ngrams(s, *n), vocabulary=vocab, sublinear_tf=True)
        blocks.append(vec.fit_transform(docs))
        vectorizers.append((view, vec))
    clf = LogisticRegression(C=params.get("C", 1.0), max_iter=5000)
    clf.fit(hstack(blocks).tocsr(), np.asarray(unresolved))
    coef = clf.coef_[0]
    weights = {n: float(round(w, 6)) for n, w in zip(names, coef[:len(names)], strict=True)}
    offset = len(names)
    views = []
    for view, vec in vectorizers:
        vocab = {g: int(j) for g, j in vec.vocabulary_.items()}
        size = len(vocab)
        views.append(TextView(view, ngram, vocab, [round(float(x), 6) for x in vec.idf_],
                              [round(float(x), 6) for x in coef[offset:offset + size]]))
        offset += size
    return ResolutionModel(float(clf.intercept_[0]), weights, {n: float(m) for n, m in zip(names, mean, strict=True)},
                           {n: float(s) for n, s in zip(names, scale, strict=True)}, tuple(views), meta or {})


def label_for(score: float, sig: Signals, lex: Lexicon) -> str:
    if sig.n_turns < lex.min_turns or not sig.n_customer or (not sig.n_agent and not sig.empty_agent_turns):
        return "unknown"
    if score >= lex.unresolved_at:
        return "unresolved"
    if score <= lex.resolved_at:
        return "resolved"
    return "unknown"


def score_turns(turns: Sequence[Turn], lex: Lexicon, model: ResolutionModel | None = None) -> Outcome:
    """Score one call (or dialogue): the model's probability when one is given, else the rules'."""
    sig = signals(turns, lex)
    rules = rule_score(sig, lex)
    score = rules
    if model is not None:
        learned = model.predict(sig.features, text_views(turns, lex))
        score = _sigmoid(lex.rule_weight * _logit(rules) + (1.0 - lex.rule_weight) * _logit(learned))
    # The phrases that pull the way the score went come first (an unresolved call's evidence opens with
    # what keeps it open, not with the agent's 很高兴为您服务), then by weight, then in call order.
    towards = 1.0 if score >= 0.5 else -1.0
    evidence = [e for hits in sig.fired.values() for e in hits]
    evidence.sort(key=lambda e: (towards * lex.cue(e.cue).weight <= 0, -abs(lex.cue(e.cue).weight), e.turn))
    return Outcome(round(score, 6), round(rules, 6), label_for(score, sig, lex), tuple(evidence[:lex.max_evidence]),
                   "model" if model is not None else "rules")


# --- the outcomes step's compute (flows/steps.py): the nights' calls in, one scored row per call out ---

@dataclass(frozen=True)
class CallDialogue:
    """A call as the outcomes step loads it (warehouse/outcomes.py load)."""

    call_id: str
    night: date
    caller_hash: str | None
    agent_id: str | None
    started_at: datetime
    ended_at: datetime | None
    utterances: list[tuple[str, str]]   # (speaker, text) in time order


@dataclass(frozen=True)
class OutcomeInputs:
    calls: list[CallDialogue]
    lexicon_sha256: str
    model_sha256: str | None       # None: no model configured, rules only
    scored_at: datetime            # the clock, passed in by the loader, so compute stays pure (same in, same out)


@dataclass(frozen=True)
class CallOutcome:
    """A row of `call_outcomes` (warehouse/sql/150_baseline.sql), field for column."""

    call_id: str
    night: date
    caller_hash: str | None
    agent_id: str | None
    started_at: datetime
    local_hour: int
    handle_s: float | None
    n_turns: int
    score: float
    rule_score: float
    method: str
    dialogue_label: str
    label: str                  # dialogue_label (resolved in the call); FCR is call_outcomes.fcr_failed
    fcr_override: bool
    escalated: bool
    unanswered: bool
    evidence: str               # JSON list of {cue, phrase, turn, speaker}
    evidence_text: str
    versions: str
    scored_at: datetime
    purchase_call: bool         # the caller is buying (purchase intent in [outcomes] purchase_bands): a sale


def is_purchase_call(utterances: Sequence[tuple[str, str]], intent: IntentLexicon, profiles: ProfileLexicon,
                     bands: Sequence[str]) -> bool:
    """The caller is buying (the leads step's intent cues, its band in `bands`). A sale's callback (the caller
    comes back to buy after a call that ended undecided or waiting for underwriting) is progress, not a matter
    left unresolved: sql/derived/repeat_contacts.sql does not count it as an FCR failure. What the caller said
    only: the call's topic, which the leads step adds to its score, would make every service callback the topic
    step files under buying a sale."""
    return score_intent(list(utterances), intent, profiles).band in bands


def compute(inputs: OutcomeInputs, settings: Settings) -> list[CallOutcome]:
    """Score each call's dialogue: resolution score, label, escalation, the evidence phrases, whether it is a sale."""
    lex = lexicon_from_settings(settings)
    model = ResolutionModel.from_settings(settings)
    intent, profiles = intent_lexicon_from_settings(settings), profile_lexicon_from_settings(settings)
    bands = tuple(settings["outcomes"]["purchase_bands"])
    tz = ZoneInfo(settings["night"]["timezone"])
    versions = f"lexicon={inputs.lexicon_sha256[:12]};model=" + (inputs.model_sha256 or "none")[:12]
    out = []
    for c in inputs.calls:
        turns = to_turns(c.utterances)
        outcome = score_turns(turns, lex, model)
        handle = (c.ended_at - c.started_at).total_seconds() if c.ended_at is not None else None
        evidence = [{"cue": e.cue, "phrase": e.phrase, "turn": e.turn, "speaker": e.speaker,
                     "weight": lex.cue(e.cue).weight, "text": evidence_sentence(turns[e.turn].text, e.phrase)}
                    for e in outcome.evidence]
        out.append(CallOutcome(
            c.call_id, c.night, c.caller_hash, c.agent_id, c.started_at, c.started_at.astimezone(tz).hour,
            handle if handle is not None and handle >= 0 else None, len(turns), outcome.score,
            outcome.rule_score, outcome.method, outcome.label, outcome.label, False, bool(escalations(turns, lex)),
            any(e.cue == "customer_unanswered_question" for e in outcome.evidence),
            json.dumps(evidence, ensure_ascii=False), "; ".join(e.as_text() for e in outcome.evidence), versions,
            inputs.scored_at, is_purchase_call(c.utterances, intent, profiles, bands)))
    return out

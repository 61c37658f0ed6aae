"""The insurance vocabulary offered to Whisper, and the calls it is offered to.

Whisper base mishears domain words on telephone audio (保单 -> 宝袋, 理赔 -> 李培;
../shared/MODELS.md). faster-whisper can take such words as an `initial_prompt` (previous
text the decoder conditions on) or as `hotwords` (the same tokens after the same marker: with
condition_on_previous_text off the two give Whisper the same prompt, except that a temperature
fallback above 0.5 drops an initial_prompt and keeps hotwords). Measured with
bench/bench_speech_samples.py: CER on the sample calls 14.8% off, 54.4% with either mode on every
window (with the list as context Whisper stopped splitting a window into turns, so stereo turns
merged); on eval asr clean/telephone 3.1/6.2% off, 8.5/10.0% prompt, 7.7/8.5% hotwords. Measured again
2026-12-03 on voiced development calls (docs/evaluation-e2e.md): hotwords raised domain-term recall
(0.81 -> 0.87, 0.72 -> 0.80) but eval asr went 3.85 -> 12.3%: everyday speech must not hear the list.

Hence the gate ([speech] vocabulary_gate_s): a call's windows that start in its first seconds are
decoded without the list, and only when their text holds `vocabulary_gate_terms` distinct words of the
domain lexicon (heard by sound: 立陪 counts as 理赔; the lexicon is learned, scripts/train_vocabulary_gate.py:
the domain words other helpdesks' customers hardly say, so 客服 and 身份证 do not count) are the later
windows decoded with it. A clip of everyday speech, or a call that never names the domain early, is decoded
as without a vocabulary. Measured so (customer channel, docs/evaluation-e2e.md): term recall 0.811 -> 0.825
and 0.788 -> 0.804, CER a little lower on both sets, eval asr and bench_speech.py long unchanged, but ~20% more
CPU on domain calls: the mode stays off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from callintel import model_json
from callintel.general_words import default_jieba
from callintel.pinyin import syllables
from callintel.settings import Settings
from callintel.speech.domain_terms import analytics_parts
from callintel.speech.terms import names_a_thing, read_terms

MODES = ("off", "prompt", "hotwords")
SOURCES = ("file", "analytics")
CHANNELS = ("all", "customer")
_HAN = re.compile(r"^[\u3400-\u9fff]+$")
GATE_KIND = "vocabulary_gate"
GATE_REMEDY = "run scripts/train_vocabulary_gate.py, or set [speech] vocabulary_gate_model"


def ranked_terms(settings: Settings) -> list[str]:
    """The domain words the analytics use, most used first. Candidates: the term lists' words ([speech.terms]
    files: 理赔, 保单, 退保...) and the analytics' lexicon words (speech/domain_terms.py, not cities) that name
    a thing (jieba's noun test, as the term repair takes them: not cue fragments such as 要什么), of at most
    `max_chars` characters (a taxonomy topic's name, 保单信息与保障查询, is a label, not a word said). Rank: how
    many entries of the taxonomy and profile lexicons contain the word (理赔 is in 理赔进度, 申请理赔, 理赔款...),
    so a short list holds the words most facts are made of. Ties: the longer word first (more sound to anchor
    on), then by code point, so every machine gets the same order."""
    parts = analytics_parts(settings)
    entries = parts["taxonomy"] + parts["profiles"]
    listed = {t for name in settings["speech"]["terms"]["files"] for t in read_terms(settings.config_file(name))}
    limit = int(settings["speech"]["vocabulary_max_chars"])
    candidates = {t for t in listed | set(entries) if 2 <= len(t) <= limit and _HAN.match(t)
                  and (t in listed or names_a_thing(t))}
    uses = {t: sum(t in e for e in entries) for t in candidates}
    return sorted(uses, key=lambda t: (-uses[t], -len(t), t))


def gate_lexicon(path, min_weight: float) -> tuple[str, ...]:
    """The words that mark a domain call: those of the gate model (scripts/train_vocabulary_gate.py) whose
    weight, their rarity in other customer service (-log10 of the share of its texts holding them), reaches
    `min_weight`."""
    model = model_json.read(path, GATE_KIND, GATE_REMEDY)
    return tuple(sorted(w for w, weight in model.weights.items() if weight >= min_weight and len(w) >= 2))


def word_bounds(text: str) -> set[int]:
    """Where jieba's dictionary cut of `text` puts word boundaries: a sound match must start and end on one,
    so a span across two words (受现 in 接受现实 sounds as 寿险, 体健 in 身体健康 as 体检) is not heard as a term,
    while a misheard term's characters (立陪, 宝丹: unknown to the dictionary, cut one by one) are."""
    bounds, pos = {0}, 0
    for word in default_jieba().lcut(text, HMM=False):
        pos += len(word)
        bounds.add(pos)
    return bounds


@dataclass(frozen=True)
class Vocabulary:
    """What Whisper is offered ([speech] vocabulary_*), to which channels, and from when in a call."""

    terms: tuple[str, ...]
    mode: str = "off"
    max_terms: int = 40
    gate_s: float = 0.0  # windows starting before this are decoded without the list and decide; 0 = every window
    gate_terms: int = 2  # distinct lexicon words heard in them that make a call a domain call
    channels: str = "all"  # "customer": only the customer's channel (and a mono call's one track, which holds it)
    lexicon: tuple[str, ...] = ()  # the domain words the gate listens for
    _by_sound: dict[int, dict[tuple[str, ...], str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        for term in self.lexicon:
            self._by_sound.setdefault(len(term), {}).setdefault(syllables(term), term)

    @classmethod
    def from_settings(cls, speech: dict, settings: Settings) -> Vocabulary:
        mode, source, channels = speech["vocabulary_mode"], speech["vocabulary_source"], speech["vocabulary_channels"]
        for key, value, allowed in (("vocabulary_mode", mode, MODES), ("vocabulary_source", source, SOURCES),
                                    ("vocabulary_channels", channels, CHANNELS)):
            if value not in allowed:
                raise ValueError(f"[speech] {key} = '{value}' is not one of {', '.join(allowed)}")
        terms: tuple[str, ...] = ()
        lexicon: tuple[str, ...] = ()
        if mode != "off":
            if source == "analytics":
                terms = tuple(ranked_terms(settings))
            elif speech["vocabulary"]:
                terms = tuple(read_terms(settings.config_file(speech["vocabulary"])))
            lexicon = gate_lexicon(settings.config_file(speech["vocabulary_gate_model"]),
                                   float(speech["vocabulary_gate_min_weight"]))
        return cls(terms, mode, int(speech["vocabulary_max_terms"]), float(speech["vocabulary_gate_s"]),
                   int(speech["vocabulary_gate_terms"]), channels, lexicon)

    def text(self) -> str:
        """The terms as one Chinese list (顿号-separated), as they would appear in a transcript."""
        return "、".join(self.terms[: self.max_terms]) + "。" if self.terms else ""

    def prompt(self) -> str:
        return self.text() if self.mode == "prompt" else ""

    def hotwords(self) -> str:
        return self.text() if self.mode == "hotwords" else ""

    @property
    def active(self) -> bool:
        return self.mode != "off" and bool(self.terms)

    def for_channel(self, role: str) -> bool:
        """Whether a channel of this role ("agent", "customer", "unknown" for a mono track) may hear the list."""
        return self.channels == "all" or role in ("customer", "unknown")

    def heard(self, texts: list[str]) -> list[str]:
        """The lexicon's words whose toneless sound occurs in `texts` (distinct, in order of first hearing)."""
        found: dict[str, None] = {}
        lengths = sorted(self._by_sound, reverse=True)
        for text in texts:
            sound, cuts, i = syllables(text), word_bounds(text), 0
            while i < len(sound):  # longest word first, spans never overlap: 客服中心 is one word, not two
                n, term = next(((n, self._by_sound[n][sound[i:i + n]]) for n in lengths
                                if sound[i:i + n] in self._by_sound[n] and {i, i + n} <= cuts), (1, None))
                if term is not None:
                    found.setdefault(term)
                i += n
        return list(found)

    def names_domain(self, heard: list[str]) -> bool:
        """Whether the lexicon words `heard` in an opening make it a domain call: at least `gate_terms` of them."""
        return len(heard) >= self.gate_terms

    def is_domain(self, texts: list[str]) -> bool:
        """A domain call: the opening's text names at least `gate_terms` distinct lexicon words."""
        return self.names_domain(self.heard(texts))

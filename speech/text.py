"""The one path every transcript's words take before the warehouse.

Whisper's words (speech.stage) and transcripts made elsewhere (an imported vendor transcript,
the dialogues `callintel eval calls` reads) go through the same steps, so no text reaches the
warehouse by another door unmasked or unnormalised: Simplified Chinese, numbers as digits and
closing punctuation (speech.normalize) -> insurance terms restored by sound (speech.terms) ->
ID-card, bank-card and phone numbers masked (speech.redact).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from callintel.mandarin import SENTENCE_ENDS
from callintel.records import Transcript, Utterance
from callintel.settings import Settings
from callintel.speech.normalize import NormalizeSettings, normalize_text
from callintel.speech.personal import answered_birth_date, find_personal
from callintel.speech.redact import RedactionRules, mask_call, mask_pii, mask_text
from callintel.speech.stated_age import birth_date_age, stated_age
from callintel.speech.terms import TermCorrector, repair_files

SPEAKERS = ("agent", "customer", "unknown")


def mask_attributes(attributes: Mapping[str, Any], keep: Iterable[str], rules: RedactionRules) -> dict[str, Any]:
    """Manifest columns beyond the known ones as calls.attributes may hold them.

    A column named in `keep` ([privacy] keep_manifest_columns: queue, skill group) stays as given; any other
    is masked like a transcript, and a value that is only a name (张建国) becomes the name token: a call
    centre's export carries customer_phone, id_card or notes columns nobody listed.
    """
    from callintel.speech.names import looks_like_name

    kept = set(keep)
    out: dict[str, Any] = {}
    for column, value in attributes.items():
        if column in kept or value is None or isinstance(value, bool):
            out[column] = value
            continue
        text = normalize_text(str(value).strip())
        if rules.personal is not None and looks_like_name(text, rules.personal.names):
            out[column] = rules.personal.tokens["name"]
        else:
            out[column] = mask_text(text, rules)
    return out


@dataclass
class TextCleaner:
    """normalise -> restore terms -> mask, with the [speech] settings parsed once."""

    normalize: NormalizeSettings
    terms: TermCorrector
    redact: RedactionRules
    terms_restored: int = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> TextCleaner:
        speech = settings["speech"]
        return cls(NormalizeSettings.from_settings(speech), TermCorrector.from_settings(settings),
                   RedactionRules.from_settings(settings))

    @staticmethod
    def files(settings: Settings) -> dict[str, Path]:
        """Every file the cleaning reads, by name (the repair's, the surnames the name masking knows): what a cache
        of cleaned text must hash."""
        return repair_files(settings) | {
            "surnames": settings.config_file(settings["speech"]["redact"]["surnames_file"])}

    def clean(self, text: str, names: set[str] | None = None) -> str:
        """The text as the warehouse may hold it ('' when nothing is left); `names` collects the names masked."""
        return self.clean_with_age(text, None, names)[0]

    def clean_alone(self, text: str) -> str:
        """A text that is not part of a call (a line of `callintel mask`), masked as a call of one turn: `clean`,
        then the names the tagger reads in it."""
        names: set[str] = set()
        return mask_call([self.clean(text, names)], names, self.redact)[0]

    def clean_with_age(self, text: str, on: date | None, names: set[str] | None = None) -> tuple[str, int | None]:
        """The masked text, and the age its ID number or birth date gives on `on` (read before masking)."""
        text, restored = self.terms.correct(normalize_text(text, self.normalize))
        self.terms_restored += len(restored)
        if not text:
            return "", None
        personal = find_personal(text, self.redact.personal) if self.redact.personal is not None else None
        age = stated_age(text, on, self.redact, personal) if on is not None else None
        return mask_pii(text, self.redact, names, personal), age

    def mask_names(self, utterances: list[Utterance], names: set[str], on: date | None = None) -> list[Utterance]:
        """A call's utterances with every name found in any of them masked in all (a name is said once with
        its cue, and again bare: 我是周敏 … 周敏的拼音), and the names and addresses the tagger reads with no cue
        (speech.redact.mask_call; its names are added to `names`). `on` (the call's date) keeps the age of a
        birth date only the call shows (`_mask_answered_birth`)."""
        texts = mask_call([u.text for u in utterances], names, self.redact)
        return self._mask_answered_birth([replace(u, text=t) for u, t in zip(utterances, texts, strict=True)], on)

    def _mask_answered_birth(self, utterances: list[Utterance], on: date | None) -> list[Utterance]:
        """A year answering the agent's question about the caller's birth (您是哪年出生的？ 七九年的) is a birth
        date: only the call shows it, a turn alone does not. Its age on `on` is kept as a turn's own birth date's
        is (utterances.stated_age), unless the turn already states one."""
        rules = self.redact.personal
        if rules is None or not rules.birth_asked:
            return utterances
        out, asked = [], False
        for u in utterances:
            if u.speaker == "agent":
                asked = any(c in u.text for c in rules.birth_asked)
            elif asked:
                text, age = u.text, u.stated_age
                spans = answered_birth_date(text)
                if spans and on is not None and age is None:
                    age = birth_date_age(text[spans[0][0]:spans[0][1]], on)
                for a, b in reversed(spans):
                    text = text[:a] + rules.tokens["birth_date"] + text[b:]
                u, asked = replace(u, text=text, stated_age=age), False
            out.append(u)
        return out


_SENTENCE_END = SENTENCE_ENDS + "；;…"   # a long turn is cut after a sentence, or a semicolon or ellipsis
_CLAUSE_END = "，,、 "


def cut_long_turn(text: str, max_chars: int) -> list[str]:
    """`text` in pieces of at most `max_chars` characters (0: whole), each cut after the last sentence end within
    the limit, else the last clause end, else at the limit; never inside a mask ([手机号]). Joined, they are `text`."""
    if max_chars <= 0 or len(text) <= max_chars:
        return [text]
    out = []
    while len(text) > max_chars:
        head = text[:max_chars]
        cut = max((head.rfind(ch) for ch in _SENTENCE_END), default=-1) + 1
        if cut <= 0:
            cut = max((head.rfind(ch) for ch in _CLAUSE_END), default=-1) + 1
        if cut <= 0:
            cut = max_chars
            opened = head.rfind("[")
            if opened > head.rfind("]") and opened > 0:
                cut = opened   # not inside a mask
        out.append(text[:cut])
        text = text[cut:]
    return out + ([text] if text else [])


def _cut_utterance(u: Utterance, max_chars: int) -> list[Utterance]:
    """`u` as turns of at most `max_chars` characters (`cut_long_turn`), its times shared out by characters; the
    first keeps its stated age."""
    pieces = cut_long_turn(u.text, max_chars)
    if len(pieces) == 1:
        return [u]
    out, at = [], 0
    for k, piece in enumerate(pieces):
        t0 = u.start + (u.end - u.start) * at / len(u.text)
        at += len(piece)
        t1 = u.start + (u.end - u.start) * at / len(u.text)
        out.append(replace(u, start=round(t0, 2), end=round(t1, 2), text=piece,
                           stated_age=u.stated_age if k == 0 else None))
    return out


def transcript_from_turns(call_id: str, turns: Iterable[Mapping[str, Any]], settings: Settings,
                          cache_key: str = "", source_sha256: str = "",
                          cleaner: TextCleaner | None = None, source: str = "callintel",
                          on: date | None = None) -> Transcript:
    """A Transcript from turns written elsewhere: {speaker, text, start?, end?} each, in order.

    Turns without times are laid one second apart in their order (the warehouse orders by time);
    empty turns are dropped. Raises ValueError naming the turn for an unknown speaker. `source` is
    what calls.source will say: the format the turns were read from (speech/transcripts.py). `on` (the
    call's date) lets each utterance keep the age its ID number or birth date states (`stated_age`).
    """
    cleaner = cleaner or TextCleaner.from_settings(settings)
    utterances: list[Utterance] = []
    names: set[str] = set()
    for i, turn in enumerate(turns):
        speaker = str(turn.get("speaker", "")).strip().lower()
        if speaker not in SPEAKERS:
            raise ValueError(f"turn {i} of {call_id}: speaker '{turn.get('speaker')}' is not one of "
                             f"{', '.join(SPEAKERS)}")
        text, age = cleaner.clean_with_age(str(turn.get("text") or ""), on, names)
        if not text:
            continue
        start = float(turn["start"]) if turn.get("start") is not None else float(i)
        end = float(turn["end"]) if turn.get("end") is not None else start + 1.0
        utterances.append(Utterance(speaker, round(start, 2), round(max(end, start), 2), text, stated_age=age))
    utterances = cleaner.mask_names(utterances, names, on)   # whole turns: a name is never cut in two
    utterances = [piece for u in utterances for piece in _cut_utterance(u, int(settings["night"]["max_turn_chars"]))]
    duration = max((u.end for u in utterances), default=0.0)
    return Transcript(call_id, source_sha256, round(duration, 3), utterances, cache_key,
                      role_method="transcript", source=source)

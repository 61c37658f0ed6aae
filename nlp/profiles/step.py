"""The profiles step's compute (flows/steps.py): the nights' calls and turns in, facts per call out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from callintel.nlp.profiles.facts import extract
from callintel.nlp.profiles.reader import Fact, ProfileLexicon, lexicon_from_settings
from callintel.settings import Settings


@dataclass(frozen=True)
class ProfileCall:
    """A call as the profiles step loads it (warehouse/profiles.py load)."""

    call_id: str
    caller_hash: str | None
    started_at: datetime
    utterances: list[tuple[str, str]]  # (speaker, text) in seq order
    stated_ages: dict[int, int]  # seq -> the age its ID number or birth date gave (utterances.stated_age)


@dataclass(frozen=True)
class ProfileInputs:
    calls: list[ProfileCall]


@dataclass(frozen=True)
class CallFacts:
    """One call's facts as `profile_facts` keys them (the caller and start come along for the view's merge)."""

    call_id: str
    caller_hash: str | None
    started_at: datetime
    facts: list[Fact]


@dataclass(frozen=True)
class ProfileResult:
    calls: list[CallFacts]


def compute(inputs: ProfileInputs, settings: Settings, lex: ProfileLexicon | None = None) -> ProfileResult:
    """Each call's facts at least [profiles].min_confidence sure, read on the call's local date (pure)."""
    lex = lex or lexicon_from_settings(settings)
    tz = ZoneInfo(settings["night"]["timezone"])
    floor = settings["profiles"]["min_confidence"]
    out = []
    for c in inputs.calls:
        facts = extract(c.utterances, lex, c.started_at.astimezone(tz).date(), c.stated_ages)
        out.append(CallFacts(c.call_id, c.caller_hash, c.started_at, [f for f in facts if f.confidence >= floor]))
    return ProfileResult(out)

"""Cue words heard in other characters: recognised speech writes a word by its sound (名下有 -> 民下有, 俺们 ->
暗门), so a cue of enough syllables is also found by its toneless pinyin ([sound] of the lexicon)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def phrase_at(clause: str, phrases: Sequence[str], cfg: dict[str, Any]) -> tuple[int, str]:
    """(where, which) of the first of `phrases` in `clause` as written, else of one of [sound] min_syllables or more
    by its toneless sound (家那口子 heard 加拿口子); (-1, "") when none."""
    for p in phrases:
        if p in clause:
            return clause.find(p), p
    fuzzy = tuple((a, b) for a, b in cfg["fuzzy"])
    for p in phrases:
        if len(p) >= cfg["min_syllables"] and re.fullmatch(r"[\u4e00-\u9fff]+", p):
            at = sound_at(clause, p, fuzzy)
            if at >= 0:
                return at, clause[at:at + len(p)]
    return -1, ""


def ends_like(text: str, cues: Sequence[str], by_sound: bool) -> bool:
    """`text` ends with one of `cues`, as written or (`by_sound`) in other characters of its toneless sound: the word
    right before a gazetteer city (俺们洛阳 heard 暗门洛阳), where a homophone stands for the cue."""
    if text.endswith(tuple(cues)):
        return True
    return by_sound and any(len(text) >= len(c) and sound_at(text[-len(c):], c, ()) == 0 for c in cues)


def sound_at(text: str, phrase: str, fuzzy: tuple[tuple[str, str], ...]) -> int:
    """Where `phrase`'s toneless sound ([sound] fuzzy merges applied) first starts in `text`, or -1."""
    from callintel.pinyin import syllables

    heard, want = syllables(text, fuzzy), syllables(phrase, fuzzy)
    return next((i for i in range(len(heard) - len(want) + 1) if heard[i:i + len(want)] == want), -1)


def said_by_sound(text: str, phrases: Sequence[str], cfg: dict[str, Any]) -> bool:
    """One of `phrases` of at least [sound] min_syllables is in `text` by its toneless sound, [sound] fuzzy merges
    applied: an agent's cue heard in other characters (名下有 -> 民下有, 明下有). Shorter phrases are matched as written
    only: two syllables sound like too many everyday words."""
    fuzzy = tuple((a, b) for a, b in cfg["fuzzy"])
    return any(sound_at(text, p, fuzzy) >= 0 for p in phrases
               if len(p) >= cfg["min_syllables"] and re.fullmatch(r"[\u4e00-\u9fff]+", p))

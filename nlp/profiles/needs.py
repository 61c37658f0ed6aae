"""Needs for the marketing view: health conditions, budget concerns and who is to be insured."""

from __future__ import annotations

import re
from collections.abc import Sequence

from callintel.nlp.profiles.reader import Fact, ProfileReader, add_fact
from callintel.regex_words import alternation


def read_needs(turns: Sequence[tuple[str, str]], r: ProfileReader, out: list[Fact]) -> None:
    cfg = r.lex["needs"]
    health: set[str] = set()
    cue = alternation(cfg["insured_cues"])
    for i, (speaker, text) in enumerate(turns):
        if speaker != "customer":
            continue
        for word in cfg["health"]:
            if word in text and word not in health and not any(word in h for h in health):
                health.add(word)
                add_fact(out, "health_condition", word, 0.7, i, text, speaker)
        if any(w in text for w in cfg["budget"]):
            add_fact(out, "budget_concern", next(w for w in cfg["budget"] if w in text), 0.6, i, text, speaker)
        for word, who in cfg["insured"]:
            if re.search(rf"(?:{cue})(?:我)?(?:家)?(?:俩|两个)?{re.escape(word)}\S{{0,6}}?(?:买|投保|保)", text):
                add_fact(out, "insured_person", who, 0.7, i, text, speaker)
                break

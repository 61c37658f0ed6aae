"""Customer turns -> sentences, and the filler-free "core" of a sentence.

A phone turn often holds several sentences ("你好。我想问一下理赔到哪一步了？"), and questions
are detected per sentence, so the split comes first. The core drops greetings and "I want to
ask" openers, which say nothing about *what* is asked but pull every question towards every
other in embedding space; the stored text keeps them, so analysts read what was said.
The punctuation and fillers are configuration (`configs/question_cues.toml`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_PUNCT = "，,、。！？!?；;：:…—-~～·\"'“”‘’（）()【】[]《》<> \t\r\n"
_SPACE = re.compile(r"\s+")


def split_sentences(text: str, ends: Sequence[str]) -> list[str]:
    """Split on sentence-ending characters, keeping each end with its sentence; blanks are dropped."""
    out, cur = [], []
    for ch in text:
        cur.append(ch)
        if ch in ends:
            s = "".join(cur).strip()
            if s.strip(_PUNCT):
                out.append(s)
            cur = []
    s = "".join(cur).strip()
    if s.strip(_PUNCT):
        out.append(s)
    return out


def strip_punct(text: str) -> str:
    """Text without punctuation or spaces (for length checks and duplicate keys)."""
    return "".join(ch for ch in text if ch not in _PUNCT and not unicodedata.category(ch).startswith("P"))


def core_text(sentence: str, leading: Sequence[str], trailing: Sequence[str]) -> str:
    """The sentence without leading/trailing fillers and edge punctuation; never empty if the input is not."""
    lead = sorted(set(leading), key=len, reverse=True)
    trail = sorted(set(trailing), key=len, reverse=True)
    s = _SPACE.sub(" ", sentence).strip(_PUNCT)
    changed = True
    while changed and s:
        changed = False
        for f in lead:
            if s.startswith(f) and len(s) > len(f):
                s = s[len(f):].lstrip(_PUNCT)
                changed = True
                break
        for f in trail:
            if s.endswith(f) and len(s) > len(f):
                s = s[: -len(f)].rstrip(_PUNCT)
                changed = True
                break
    return s or sentence.strip(_PUNCT) or sentence


def dedupe_key(text: str) -> str:
    """Key under which near-identical wordings collapse: no punctuation or spaces, lower case."""
    return strip_punct(text).lower()

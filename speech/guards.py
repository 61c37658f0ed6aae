"""Hallucination guards: what Whisper invents on silence, music and noise never becomes a turn.

Whisper was trained on subtitled video, so on hold music or line noise it writes the credits
it saw there (字幕由 Amara.org 社群提供, 请不吝点赞 订阅 转发 打赏, 谢谢观看) or loops on one
character (想想想想...). Four independent checks, each cheap, each configurable
([speech.guards] and configs/phantom_lines.txt):

1. no speech: Whisper's own no-speech probability together with a low log-probability;
2. compression ratio: text that gzips too well is a loop;
3. repetition: a unit of 1-4 characters repeated many times is collapsed, and the segment
   dropped when the loop was most of it;
4. phantom lines: known credit lines are cut out; a segment that was nothing else is dropped.

The VAD already keeps silence away from Whisper; these guards catch what the VAD lets through
(music it mistakes for a voice, a cough, a click).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from callintel.files import read_lines
from callintel.settings import options
from callintel.speech.normalize import to_simplified


@dataclass(frozen=True)
class GuardSettings:
    no_speech_threshold: float
    log_prob_threshold: float
    compression_ratio_threshold: float
    max_repeats: int  # a unit repeated more often than this is a loop
    min_chars: int  # segments shorter than this (after cleaning) are dropped

    @classmethod
    def from_settings(cls, speech: dict) -> GuardSettings:
        return options(cls, speech["guards"], "speech.guards")


def _bare(text: str) -> str:
    """Letters and digits only, Simplified, lower case: what phantom lines are compared on."""
    text = to_simplified(unicodedata.normalize("NFKC", text)).lower()
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@lru_cache(maxsize=8)
def load_phantoms(path: Path, mtime: float = 0.0) -> tuple[str, ...]:
    """Phantom lines from a file (one per line, # comments), longest first, in bare form."""
    bare = {_bare(x) for x in read_lines(path)}
    return tuple(sorted((b for b in bare if b), key=len, reverse=True))


def phantoms_for(path: Path) -> tuple[str, ...]:
    return load_phantoms(path, path.stat().st_mtime)


_PUNCT_OR_SPACE = r"[\s\W_]*"


def strip_phantoms(text: str, phantoms: tuple[str, ...]) -> str:
    """`text` without any phantom line; punctuation and spaces inside a phantom are ignored."""
    bare = _bare(text)
    for phantom in phantoms:
        if phantom not in bare:
            continue
        # match the phantom's characters in order, allowing punctuation/spaces between them;
        # compare on a Simplified, lower-case copy of the same length
        probe = to_simplified(unicodedata.normalize("NFKC", text)).lower()
        if len(probe) != len(text):
            probe = text
        pattern = _PUNCT_OR_SPACE.join(re.escape(ch) for ch in phantom)
        m = re.search(pattern, probe)
        if m:
            text = text[:m.start()] + text[m.end():]
        else:
            return ""  # found in bare form but not locatable: drop the whole segment
        bare = _bare(text)
    return text


_LOOP_CACHE: dict[int, re.Pattern] = {}


def collapse_loops(text: str, max_repeats: int) -> tuple[str, bool]:
    """Collapse a 1-4 character unit repeated more than `max_repeats` times to one copy.

    Returns (text, looped): `looped` is True when the loop was most of the segment, which is
    Whisper's repetition failure rather than a customer saying 对对对.
    """
    pattern = _LOOP_CACHE.setdefault(max_repeats, re.compile(rf"(.{{1,4}}?)\1{{{max_repeats},}}"))
    before = len(_bare(text))
    collapsed = pattern.sub(r"\1", text)
    after = len(_bare(collapsed))
    looped = before >= 10 and after < before / 2
    return collapsed, looped


def is_no_speech(no_speech_prob: float, avg_logprob: float, settings: GuardSettings) -> bool:
    return no_speech_prob > settings.no_speech_threshold and avg_logprob < settings.log_prob_threshold


def clean_segment_text(text: str, compression_ratio: float, no_speech_prob: float, avg_logprob: float,
                       settings: GuardSettings, phantoms: tuple[str, ...]) -> tuple[str, str]:
    """(cleaned text, '') when the segment stays, ('', why) when a guard drops it."""
    if is_no_speech(no_speech_prob, avg_logprob, settings):
        return "", "no_speech"
    if compression_ratio > settings.compression_ratio_threshold:
        return "", "compression_ratio"
    text, looped = collapse_loops(text, settings.max_repeats)
    if looped:
        return "", "repetition"
    text = strip_phantoms(text, phantoms)
    if len(_bare(text)) < settings.min_chars:
        return "", "phantom"
    return text.strip(), ""

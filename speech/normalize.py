"""Text normalisation: Simplified script, one punctuation set, trimmed phantom lines.

Whisper often answers Mandarin in Traditional characters; OpenCC's t2s conversion is
deterministic where a prompt is not (see ../shared/MODELS.md).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

# Half-width punctuation between CJK characters becomes its full-width form.
_TO_FULLWIDTH = {",": "，", "?": "？", "!": "！", ":": "：", ";": "；"}
_PUNCT = re.compile(r"[\s\u3000]+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    return _t2s().convert(text)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def unify_punctuation(text: str) -> str:
    """NFKC-fold full-width letters/digits, then use Chinese punctuation inside Chinese text."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for i, ch in enumerate(text):
        if ch in _TO_FULLWIDTH:
            before = text[i - 1] if i > 0 else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            # keep 1,000 and 3.5 and English "OK, VIP" as they are
            if _is_cjk(before) or _is_cjk(after) or (before and not before.isalnum()):
                ch = _TO_FULLWIDTH[ch]
        out.append(ch)
    text = "".join(out)
    # spaces between CJK characters are Whisper's segment joins, not words
    text = re.sub(r"(?<=[\u4e00-\u9fff，。？！：；])\s+(?=[\u4e00-\u9fff])", "，", text)
    return _PUNCT.sub(" ", text).strip()


def normalize_text(text: str) -> str:
    return unify_punctuation(to_simplified(text))


def strip_for_scoring(text: str) -> str:
    """Characters only (no punctuation or spaces), Simplified: what CER is computed on."""
    text = to_simplified(unicodedata.normalize("NFKC", text))
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith(("P", "Z", "S", "C")))

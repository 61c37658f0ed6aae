"""Toneless pinyin per character, for matching what Whisper wrote by how it sounds.

Whisper base writes insurance words with the right sounds and the wrong characters (理赔 -> 立陪,
保单 -> 宝丹, 受益人 -> 售议人); both the speech stage (speech/terms.py) and the resolution cues
(nlp/outcomes.py) compare on sound. "Fuzzy" pairs merge sounds that accents and ASR confuse
(zh-/z-, -ing/-in): initials end with "-", finals start with "-", and a pair without "-" merges one whole
syllable into another (xu/xi: 续保 heard as 细胞).
"""

from __future__ import annotations

from functools import lru_cache

Fuzzy = tuple[tuple[str, str], ...]


def fuzz(syllable: str, fuzzy: Fuzzy) -> str:
    """One toneless syllable with the fuzzy merges applied (zhi -> zi with ("zh-", "z-"))."""
    for src, dst in fuzzy:
        if src.endswith("-"):
            if syllable.startswith(src[:-1]):
                syllable = dst[:-1] + syllable[len(src) - 1:]
        elif src.startswith("-"):
            if syllable.endswith(src[1:]):
                syllable = syllable[:len(syllable) - len(src) + 1] + dst[1:]
        elif syllable == src:
            syllable = dst
    return syllable


@lru_cache(maxsize=1 << 16)
def syllables(text: str, fuzzy: Fuzzy = ()) -> tuple[str, ...]:
    """One token per character: toneless pinyin (fuzzy merges applied) for a Han character, else the
    lower-cased character itself, so positions line up with `text`."""
    from pypinyin import Style, lazy_pinyin

    out: list[str] = []
    for tok in lazy_pinyin(text, style=Style.NORMAL, errors=lambda chars: list(chars)):
        if not tok.isascii() or not tok.isalpha():  # punctuation, digits, spaces: kept one per character
            out += list(tok.lower()) if len(tok) > 1 else [tok.lower()]
            continue
        out.append(fuzz(tok.lower().replace("ü", "v"), fuzzy))
    return tuple(out)


@lru_cache(maxsize=1 << 12)
def readings(char: str) -> tuple[str, ...]:
    """Every toneless reading of one character (曾: ceng, zeng), for words read otherwise than usual: surnames."""
    from pypinyin import Style, pinyin

    return tuple(dict.fromkeys(r.lower().replace("ü", "v") for r in pinyin(char, style=Style.NORMAL, heteronym=True)[0]
                               if r.isascii() and r.isalpha()))


@lru_cache(maxsize=1 << 12)
def toned_readings(char: str) -> frozenset[str]:
    """Every reading of one character with its tone (bao3; the neutral tone as 5), or the character itself."""
    from pypinyin import Style, pinyin

    return frozenset(r.lower() for r in pinyin(char, style=Style.TONE3, heteronym=True,
                                               neutral_tone_with_five=True)[0])


def same_tones(a: str, b: str) -> bool:
    """Whether `a` and `b` can be read as the same toned syllables, character by character (any reading of a
    character with several): 宝障 and 保障 can (bao3 zhang4), 报障 and 保障 cannot (bao4 / bao3)."""
    return len(a) == len(b) and all(toned_readings(x) & toned_readings(y) for x, y in zip(a, b, strict=True))

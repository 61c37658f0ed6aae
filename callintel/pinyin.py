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


@lru_cache(maxsize=1 << 14)
def toned(text: str) -> tuple[str, ...]:
    """The toned syllable pypinyin reads for each character of `text`, in the context of the text (one reading each:
    吗 is ma5 here, not its rare ma3), one token per character."""
    from pypinyin import Style, pinyin

    out: list[str] = []
    for item in pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors=lambda chars: list(chars)):
        tok = item[0]
        out += list(tok) if len(tok) > 1 and not (tok.isascii() and tok.isalnum()) else [tok.lower()]
    return tuple(out)


def same_tones(heard: str, term: str) -> bool:
    """Whether what was written (`heard`, read in its own context) sounds like `term` with its tones, in any reading
    of the term's characters: 宝障 and 保障 do (bao3 zhang4), 报障 and 保障 do not (bao4 / bao3)."""
    said = toned(heard)
    return len(heard) == len(term) == len(said) and all(
        s in toned_readings(c) for s, c in zip(said, term, strict=True))

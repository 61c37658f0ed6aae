"""PII masking: phone, ID-card and bank-card numbers never leave the speech stage unmasked.

Numbers are found whether written as digits or as spoken Chinese numerals (幺三八…), with
spaces or dashes inside. Checksums (ID-card check digit, Luhn) name what a number is,
but privacy wins over precision: any long digit run is masked even when its checksum
fails, because an ASR error in one digit must not leak the other seventeen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CN_DIGITS = {"零": "0", "〇": "0", "洞": "0", "幺": "1", "一": "1", "二": "2", "两": "2", "三": "3",
             "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"Ｘ": "X", "ｘ": "x"}
_DIGITISH = "0-9０-９" + "".join(CN_DIGITS) + "XxＸｘ"
# A run of digit-like characters, allowing single separators (space, dash, dot, comma) between them.
_RUN = re.compile(rf"[{_DIGITISH}](?:[\s\-‐–—.,，、]?[{_DIGITISH}])+")

MASKS = {"phone": "[手机号]", "id_card": "[身份证号]", "bank_card": "[银行卡号]", "number": "[号码]"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True)
class RedactionRules:
    """Lengths that decide what a digit run is; defaults follow mainland formats."""

    min_spoken_run: int = 7  # Chinese-numeral runs shorter than this are ordinary words (一二三)
    min_masked_run: int = 15  # any digit run at least this long is masked whatever its checksum
    mask_landlines: bool = True


def id_card_valid(digits: str) -> bool:
    """GB 11643 check digit of an 18-character resident ID number."""
    if len(digits) != 18 or not digits[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == digits[17].upper()


def luhn_valid(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def classify_number(digits: str, rules: RedactionRules = RedactionRules()) -> str | None:
    """Which kind of PII a bare digit string is, or None if it may stay."""
    n = len(digits)
    core = digits[:-1] if digits[-1:] in "Xx" else digits
    if not core.isdigit():
        return None
    if n == 18 and id_card_valid(digits):
        return "id_card"
    if n == 11 and digits.startswith("1") and digits[1] in "3456789":
        return "phone"
    if 16 <= n <= 19 and luhn_valid(digits):
        return "bank_card"
    if n == 15 and digits.isdigit():
        return "id_card"  # first-generation 15-digit ID numbers carry no check digit
    if n >= rules.min_masked_run:
        return "id_card" if n == 18 or not digits.isdigit() else "bank_card"
    if rules.mask_landlines and digits.startswith("0") and 10 <= n <= 12:
        return "number"
    if n in (12, 13, 14) and digits.startswith("1"):
        return "phone"  # an 11-digit mobile with an ASR-inserted digit still identifies a person
    return None


def _to_digits(run: str) -> tuple[str, bool]:
    spoken = False
    out = []
    for ch in run:
        if ch in CN_DIGITS:
            out.append(CN_DIGITS[ch])
            spoken = True
        elif ch in FULLWIDTH:
            out.append(FULLWIDTH[ch])
        elif ch.isdigit() or ch in "Xx":
            out.append(ch)
    return "".join(out), spoken


def find_pii(text: str, rules: RedactionRules = RedactionRules()) -> list[tuple[int, int, str]]:
    """(start, end, kind) of every PII number in `text`."""
    found = []
    for m in _RUN.finditer(text):
        digits, spoken = _to_digits(m.group())
        if spoken and len(digits) < rules.min_spoken_run:
            continue
        if digits[:1] in "Xx":
            continue
        # a trailing X belongs to an ID number only when 17 digits precede it
        if digits[-1:] in "Xx" and len(digits) != 18:
            digits = digits.rstrip("Xx")
        kind = classify_number(digits, rules)
        if kind:
            found.append((m.start(), m.end(), kind))
    return found


def mask_pii(text: str, rules: RedactionRules = RedactionRules()) -> str:
    """`text` with every PII number replaced by its mask ([手机号], [身份证号], [银行卡号])."""
    spans = find_pii(text, rules)
    for start, end, kind in reversed(spans):
        text = text[:start] + MASKS[kind] + text[end:]
    return text

"""The age a turn states through an ID number or a birth date, read just before both are masked.

The warehouse never holds either (speech/redact.py masks them as [身份证号] and [出生日期]), yet both say
how old the speaker (or whoever the number belongs to) is. `stated_age` turns them into an age on the
call's date; the text path keeps it beside the masked turn (utterances.stated_age) and the profiles step
decides from the turn's words whose age it is. Only the age survives: no year, month or day.
"""

from __future__ import annotations

import re
from datetime import date

from callintel.ages import age_from_birth, age_from_id
from callintel.speech.personal import find_personal
from callintel.speech.redact import RedactionRules, cued_kind, find_pii, heard_id, to_digits

# What speech/personal.py masks as a birth date: 1976年5月3日, 76年, 1976-05-03, 19760503 (a month and day
# alone say no age).
_YMD = re.compile(r"((?:19|20)?\d{2})年(?:(\d{1,2})月(?:(\d{1,2})[日号])?)?|((?:19|20)\d{2})[-./](\d{1,2})"
                  r"(?:[-./](\d{1,2}))?|((?:19|20)\d{2})(\d{2})(\d{2})")


def birth_date_age(span: str, on: date) -> int | None:
    """Age on `on` from the text of a masked birth date; None when it has no year."""
    m = _YMD.search(span)
    if not m:
        return None
    groups = next(g for g in (m.group(1, 2, 3), m.group(4, 5, 6), m.group(7, 8, 9)) if g[0])
    year = int(groups[0])
    if year < 100:  # 76年: the century that makes it a past year
        year += 2000 if year <= on.year % 100 else 1900
    month, day = (int(g) if g else None for g in groups[1:])
    return age_from_birth(year, month, day, on)


def stated_age(text: str, on: date, rules: RedactionRules,
               personal: list[tuple[int, int, str]] | None = None) -> int | None:
    """The first age `text` states through a birth date or an ID number (on the date `on`), else None.

    `text` is normalised but not yet masked; spans are found exactly as masking finds them (`personal`: the
    spans find_personal gave for this text, which the masking then reuses).
    """
    if rules.personal is not None:
        spans = personal if personal is not None else find_personal(text, rules.personal)
        for start, end, kind in spans:
            if kind == "birth_date":
                age = birth_date_age(text[start:end], on)
                if age is not None:
                    return age
    for start, end, kind in find_pii(text, rules):
        if kind == "id_card":
            digits = to_digits(text[start:end])[0]
            age = age_from_id(digits, on)
            if age is None and (born := heard_id(digits, rules, cued_kind(text, start, rules))):
                age = age_from_birth(*born, on)
            if age is not None:
                return age
    return None

"""An age from a birth date or an ID number: the one thing of either that may be kept.

ID numbers and spoken birth dates are masked before the warehouse (speech/redact.py). The caller's age on
the day of the call is read from them just before masking (speech/stated_age.py) and kept instead, so a
profile holds an age, never the date it came from.
"""

from __future__ import annotations

import re
from datetime import date


def age_from_birth(year: int, month: int | None, day: int | None, on: date) -> int | None:
    """Whole years from a birth date (month and day may be unknown) to `on`; None for an impossible year."""
    if not 1900 < year <= on.year:
        return None
    age = on.year - year
    if month is not None and 1 <= month <= 12 and (on.month, on.day) < (month, day or 1):
        age -= 1
    return age if age >= 0 else None  # born after `on`: a misheard date, not an age


def heard_id_birth(digits: str, slack: int) -> tuple[int, int, int] | None:
    """The birth date in a digit run that is an 18-digit ID number heard with up to `slack` digits dropped or
    added (speech recognition of a number read aloud), else None.

    Its digits 7-14 are a date (19xx/20xx, a month, a day); a digit lost or doubled before them moves the date by
    one, so offsets 6 -/+ `slack` are tried, 6 first. A 16-19-digit bank card holds such a date at one of three
    offsets about once in 500; an ID number whose digits slipped loses its check digit but keeps the date.
    """
    if slack <= 0 or not 18 - slack <= len(digits) <= 18 + slack or not digits[:-1].isdigit():
        return None
    for offset in sorted(range(6 - slack, 7 + slack), key=lambda o: abs(o - 6)):
        m = re.fullmatch(r"((?:19|20)\d{2})(\d{2})(\d{2})", digits[offset:offset + 8])
        if m:
            try:
                born = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))  # a real day: not 1991-02-31
            except ValueError:
                continue
            return born.year, born.month, born.day
    return None


def age_from_id(number: str, on: date) -> int | None:
    """Age on `on` from a mainland ID number: 18 digits (birth date in digits 7-14) or the older 15 (7-12, 19yy)."""
    m = re.fullmatch(r"\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dXx]", number)
    if m:
        year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = re.fullmatch(r"\d{6}(\d{2})(\d{2})(\d{2})\d{3}", number)
        if not m:
            return None
        year, month, day = 1900 + int(m.group(1)), int(m.group(2)), int(m.group(3))
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return age_from_birth(year, month, day, on)

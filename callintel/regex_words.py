"""Regular-expression alternations of literal words, built one way everywhere.

Why one helper: a config list of words becomes a pattern in many readers, and each had its own join. Escaping keeps a
word that holds a regex character (a dot, a plus) literal; longest first makes the alternation take 不用了 rather than
its prefix 不用 wherever nothing after it forces backtracking; and a list an analyst emptied must match nothing, where
a bare join of no words is the empty pattern that matches everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

NEVER = "(?!)"   # a pattern that matches nowhere: the alternation of no words


def alternation(words: Iterable[str]) -> str:
    """`a|bc|...` of the distinct words, escaped, longest first (ties in a fixed order); NEVER for no words. An empty
    word is left out: it would match everywhere."""
    unique = sorted({w for w in words if w}, key=lambda w: (-len(w), w))
    return "|".join(map(re.escape, unique)) or NEVER

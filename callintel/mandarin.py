"""Closed classes of Mandarin grammar that the text rules share: written once, so that what ends a clause or what
may stand between a subject and its verb is the same for the masking (speech/personal.py) and the profiles
(nlp/profiles/).

Why here and not in configs/: these are facts of the language, not choices of a deployment; a rule's own word lists
(cues, kinship terms, units) stay in its configs/ section. Each class is small and complete.
"""

from __future__ import annotations

# Sentence-final modal particles (语气词) that may close a clause after its last word: 我是他妈妈啊, 我九二年的吧.
# Not the question particles 吗/么 (a question is no statement) nor 了 (an aspect mark that changes the statement).
CLOSING_PARTICLES = "吧啊呀嘛呢哈"

# Punctuation that ends a clause, as the normaliser writes it (speech/normalize.py) and as transcripts bring it:
# full- and half-width stops, commas, question and exclamation marks, semicolons, the ellipsis, the list comma, and
# whitespace (recognised speech joins two pieces with a space).
CLAUSE_PUNCT = "，,。.！!？?；;…、"

# Of them, what ends a sentence: the full stop and the question and exclamation marks (not the half-width "."
# alone, which also stands in numbers: 1.5万).
SENTENCE_ENDS = "。！!？?"

# Adverbs of scope and sequence that sit between a subject and its verb without changing who is spoken of:
# 我也是88年的, 我就是他妈妈, 孩子都没要, 孩子还没生.
LINKING_ADVERBS = ("也", "就", "都", "还")

# Single-character locatives (方位词) that follow a place noun to say on or in it: 工地上, 厂里. jieba may fuse one with
# the verb after it into another word (工地 + 上当 'be fooled' for 工地上 + 当 'work as').
LOCATIVES = ("上", "里")
# ... and the two-character forms they make with 头 / 面 (里头, 上面): a place noun takes either.
LOCATIVE_WORDS = (*(loc + end for loc in LOCATIVES for end in ("头", "面")), *LOCATIVES)


def clause_end(also: str = "") -> str:
    """A lookahead: at most one closing particle (or one of `also`), then the clause ends (punctuation, a space or the
    end of the text)."""
    particles = CLOSING_PARTICLES + "".join(c for c in also if c not in CLOSING_PARTICLES)
    return rf"(?=[{particles}]?(?:[{CLAUSE_PUNCT}\s]|$))"


def linking_adverb() -> str:
    """An optional linking adverb (LINKING_ADVERBS), as a regular-expression fragment."""
    return "(?:" + "|".join(LINKING_ADVERBS) + ")?"

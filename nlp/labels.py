"""How a topic is named: c-TF-IDF keywords over jieba words, and its medoid question.

c-TF-IDF (BERTopic's class-based TF-IDF): all questions of a cluster form one document; a
word weighs tf(word, cluster) * log(1 + A / f(word)), with A the mean number of words per
cluster and f the word's frequency over all clusters, so words that are frequent in this
cluster and rare elsewhere name it. The background (questions in no cluster) is one more
class, so a small night with one topic still gets discriminating words. The name is the best nameable
word of two or more characters, joined with the next one where a question says the two as one phrase
(理赔材料, 保单贷款的利息 -> 保单贷款利息). The medoid - the
member closest to all the others, which for unit vectors is the one closest to the mean - is
a real, already-masked question an analyst can read.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from itertools import permutations

import numpy as np

from callintel.privacy import label_is_clean


def ctfidf_keywords(docs: Sequence[Sequence[Sequence[str]]], top_n: int | None,
                    background: Sequence[Sequence[str]] = (), min_chars: int = 1) -> list[list[tuple[str, float]]]:
    """For each class (a list of token lists), its top words with weights (`top_n` None: every word, best first);
    `background` only shapes the idf. Words shorter than `min_chars` still count in the idf but are never keywords."""
    counts = [Counter(w for tokens in cls for w in tokens) for cls in docs]
    bg = Counter(w for tokens in background for w in tokens)
    total = Counter()
    for c in [*counts, bg]:
        total.update(c)
    sizes = [sum(c.values()) for c in [*counts, bg] if c]
    mean_words = (sum(sizes) / len(sizes)) if sizes else 1.0
    out = []
    for c in counts:
        n = sum(c.values()) or 1
        scored = [(w, (k / n) * float(np.log1p(mean_words / total[w]))) for w, k in c.items()
                  if len(w) >= min_chars and label_is_clean(w)]
        # ties: more frequent in the class first, then the word itself, so labels are reproducible
        scored.sort(key=lambda x: (-round(x[1], 12), -c[x[0]], x[0]))
        out.append([(w, round(s, 4)) for w, s in scored[:top_n]])
    return out


# The naming rule (any language class, no list of words): digits, Latin letters and mask brackets mark numbers,
# plates, e-mail addresses and masked personal data; jieba flags say what else a word is.
NAME_MIN_CHARS, NAME_MAX_CHARS = 2, 8
_NOT_IN_NAMES = re.compile(r"[0-9０-９A-Za-zＡ-Ｚａ-ｚ\[\]［］【】*＊#＃@]")
_NOUN_FLAGS = ("n", "vn", "an")                 # jieba nouns (n, nz, ng, nl, ...), verbal and adjectival nouns
_NAME_FLAGS = ("nr", "ns", "nt")                # person, place and organisation names: private or a brand
UNNAMED = "未命名话题"  # no keyword can name it: no topic, unless [topics] keep_unnamed (then an analyst names it)


def can_name(word: str, flag: str, terms: Collection[str] = ()) -> bool:
    """Whether one keyword may be part of a topic name: a noun (or a term of the domain dictionary), of two
    or more characters, with no digit, Latin letter or mask, and not a person, place or organisation name."""
    if len(word) < NAME_MIN_CHARS or _NOT_IN_NAMES.search(word) or flag.startswith(_NAME_FLAGS) \
            or not label_is_clean(word):
        return False
    return word in terms or flag.startswith(_NOUN_FLAGS)


def is_topic_name(name: str, flag_of: Callable[[str], str], words: Callable[[str], list[str]],
                  terms: Collection[str] = ()) -> bool:
    """The naming rule for a discovered topic: 2-8 characters, every word of it a nameable noun (`can_name`)."""
    if not NAME_MIN_CHARS <= len(name) <= NAME_MAX_CHARS or _NOT_IN_NAMES.search(name):
        return False
    parts = words(name)
    return bool(parts) and all(can_name(w, flag_of(w), terms) for w in parts)


def topic_name(keywords: Sequence[tuple[str, float]], representative: str, flag_of: Callable[[str], str],
               terms: Collection[str] = (), max_words: int = 2, said: Sequence[str] = ()) -> str:
    """A discovered topic's name in its customers' words: the best `max_words` keywords that `can_name`, within 8
    characters together, joined in the order the representative question, else another of the topic's texts
    (`said`), says them as one phrase (理赔材料要哪些, 保单贷款的利息, 申诉书和发票: `_one_phrase`); keywords no text
    says together are no phrase (退保 and 光线 made 退保光线), and the best of them names the topic alone.
    `UNNAMED` when none can (never the start of a sentence: a fragment names nothing)."""
    chosen: list[str] = []
    for w, _ in keywords:
        if len(chosen) == max_words:
            break
        if w not in chosen and can_name(w, flag_of(w), terms) and \
                len("".join(chosen)) + len(w) <= NAME_MAX_CHARS:
            chosen.append(w)
    if not chosen:
        return UNNAMED
    for text in (representative, *said):  # the first text that says them as one phrase, in the order it does
        for order in permutations(chosen):
            if _one_phrase(order, text):
                return "".join(order)
    return chosen[0]


# what may stand between two nouns of one phrase: nothing (理赔材料), the possessive 的 (保单贷款的利息) or a
# coordinating conjunction (申诉书和发票): a closed class of Mandarin function words
_LINKS = re.compile(r"(?:的|之|和|与|跟|及|或)?")


def _one_phrase(words: Sequence[str], text: str) -> bool:
    """Whether `text` says `words` in this order as one noun phrase (only `_LINKS` between them)."""
    if len(words) < 2:
        return True
    pattern = _LINKS.pattern.join(re.escape(w) for w in words)
    return re.search(pattern, text) is not None


def medoid(X: np.ndarray) -> int:
    """Index of the member with the highest total cosine similarity to the others (unit rows)."""
    if len(X) == 0:
        raise ValueError("medoid of an empty cluster")
    return int(np.argmax(X @ X.sum(axis=0)))

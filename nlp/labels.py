"""How a topic is named: c-TF-IDF keywords over jieba words, and its medoid question.

c-TF-IDF (BERTopic's class-based TF-IDF): all questions of a cluster form one document; a
word weighs tf(word, cluster) * log(1 + A / f(word)), with A the mean number of words per
cluster and f the word's frequency over all clusters, so words that are frequent in this
cluster and rare elsewhere name it. The background (questions in no cluster) is one more
class, so a small night with one topic still gets discriminating words. The name is the two
best words of two or more characters in the order the medoid says them (扣款 + 失败). The medoid - the
member closest to all the others, which for unit vectors is the one closest to the mean - is
a real, already-masked question an analyst can read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from callintel.privacy import clean_label, label_is_clean


def ctfidf_keywords(docs: Sequence[Sequence[Sequence[str]]], top_n: int,
                    background: Sequence[Sequence[str]] = ()) -> list[list[tuple[str, float]]]:
    """For each class (a list of token lists), its top words with weights; `background` only shapes the idf."""
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
        scored = [(w, (k / n) * float(np.log1p(mean_words / total[w]))) for w, k in c.items() if label_is_clean(w)]
        # ties: more frequent in the class first, then the word itself, so labels are reproducible
        scored.sort(key=lambda x: (-round(x[1], 12), -c[x[0]], x[0]))
        out.append([(w, round(s, 4)) for w, s in scored[:top_n]])
    return out


def label_from_keywords(keywords: Sequence[tuple[str, float]], fallback: str, terms: int = 2,
                        max_chars: int = 12) -> str:
    """A short name people use (扣款失败, 保单借款): the `terms` best key phrases of two or more characters
    (single characters and function words say nothing), in the order the representative question says
    them, joined; else the start of the representative question."""
    words = [w for w, _ in keywords if len(w) >= 2 and label_is_clean(w)][:terms]
    if not words:
        return clean_label(fallback)[:max_chars]
    rank = {w: i for i, w in enumerate(words)}
    words.sort(key=lambda w: (fallback.find(w) if w in fallback else len(fallback) + rank[w]))
    return "".join(words)


def medoid(X: np.ndarray) -> int:
    """Index of the member with the highest total cosine similarity to the others (unit rows)."""
    if len(X) == 0:
        raise ValueError("medoid of an empty cluster")
    return int(np.argmax(X @ X.sum(axis=0)))

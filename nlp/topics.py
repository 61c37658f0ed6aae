"""Topic identity across nights: assign to existing topics first, discover only the rest.

The rules (each a setting in [topics] of configs/callintel.toml):
1. Assign. A question joins the existing topic whose centroid is nearest if its cosine
   distance is at most `assign_threshold` (calibrated on BQ so that a question split over five
   nights lands where a single run puts it, see bench/bench_topics.py).
2. Discover. The questions no topic took - tonight's plus the unassigned ones of the previous
   `pool_nights` nights, so a question asked once a night on several nights still becomes a
   topic - are clustered (nlp/cluster.py).
3. Merge by rule, never silently. A new cluster whose centroid is within `absorb_threshold` of
   an existing topic joins that topic (method "absorbed") instead of opening a near-duplicate;
   existing topics are never merged with each other or split.
4. Frozen meaning. A topic's centroid is fixed when it is created (the mean of its first
   members) and never moves, and new members are admitted only within `assign_threshold` of
   it, so topic 42 means tomorrow what it meant the day it was made; a subject that drifts
   away simply stops being assigned and appears as a new topic.
5. Ids are integers handed out in order (largest new cluster first), so a rerun of the same
   night, which first removes what that night created, hands out the same ids again.
Arrays and token lists in, plans out: storage is warehouse/topics.py, order is flows/topics_step.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
from sklearn.cluster import MiniBatchKMeans

from nlp.cluster import ClusterOptions, cluster, unit
from nlp.labels import ctfidf_keywords, label_from_keywords, medoid


@dataclass(frozen=True)
class TopicOptions:
    assign_threshold: float = 0.05
    absorb_threshold: float = 0.04
    pool_nights: int = 7
    label_terms: int = 4
    brute_force_topics: int = 20000   # above this many topics, nearest-centroid search uses an IVF index
    ivf_probe: int = 8
    cluster: ClusterOptions = field(default_factory=ClusterOptions)

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> TopicOptions:
        names = {f.name for f in fields(cls)} - {"cluster"}
        return cls(**{k: v for k, v in section.items() if k in names},
                   cluster=ClusterOptions.from_settings(section.get("cluster", {})))


class CentroidIndex:
    """Nearest topic centroid by cosine: exact below `brute_force_topics`, else an inverted file
    (k-means lists over the centroids, `probe` nearest lists searched), so assigning a 200k-question
    night against a long history stays O(N * sqrt(T))."""

    def __init__(self, C: np.ndarray, brute_force: int = 20000, probe: int = 8, seed: int = 0):
        self.C = np.ascontiguousarray(C, dtype=np.float32)
        self.lists: list[np.ndarray] | None = None
        if len(self.C) > brute_force:
            nlist = int(np.sqrt(len(self.C)))
            km = MiniBatchKMeans(n_clusters=nlist, random_state=seed, n_init=1, batch_size=4096).fit(self.C)
            self.coarse = unit(km.cluster_centers_.astype(np.float32))
            lab = km.labels_
            self.lists = [np.where(lab == j)[0] for j in range(nlist)]
            self.probe = min(probe, nlist)

    def nearest(self, X: np.ndarray, chunk: int = 4096) -> tuple[np.ndarray, np.ndarray]:
        """(index of the nearest centroid or -1 when there are none, its cosine similarity)."""
        idx = np.full(len(X), -1, dtype=np.int64)
        sim = np.full(len(X), -1.0, dtype=np.float32)
        if len(self.C) == 0 or len(X) == 0:
            return idx, sim
        for s in range(0, len(X), chunk):
            xb = X[s:s + chunk]
            if self.lists is None:
                S = xb @ self.C.T
                j = S.argmax(axis=1)
                idx[s:s + len(xb)], sim[s:s + len(xb)] = j, S[np.arange(len(xb)), j]
                continue
            probes = np.argsort(-(xb @ self.coarse.T), axis=1)[:, : self.probe]
            for r, row in enumerate(probes):
                cand = np.concatenate([self.lists[p] for p in row])
                if len(cand) == 0:
                    continue
                sc = self.C[cand] @ xb[r]
                b = int(sc.argmax())
                idx[s + r], sim[s + r] = cand[b], sc[b]
        return idx, sim


def assign(X: np.ndarray, index: CentroidIndex, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Rule 1: (topic position or -1, similarity) for each question."""
    j, s = index.nearest(X)
    ok = (j >= 0) & (1.0 - s <= threshold)
    return np.where(ok, j, -1), s


@dataclass
class Discovery:
    """Rule 2 and 3 applied to a pool: which pool items go to an existing topic, which form new ones."""

    absorbed: dict[int, tuple[int, float]] = field(default_factory=dict)  # pool item -> (topic position, sim)
    new_topics: list[NewTopic] = field(default_factory=list)


@dataclass
class NewTopic:
    members: np.ndarray        # pool item indices
    similarity: np.ndarray     # each member's cosine to the centroid
    centroid: np.ndarray
    medoid: int                # pool item index of the representative question
    keywords: list[tuple[str, float]]
    label: str


def discover(X: np.ndarray, keys: Sequence[str], tokens: Sequence[Sequence[str]], index: CentroidIndex,
             opts: TopicOptions, texts: Sequence[str], tonight: np.ndarray | None = None) -> Discovery:
    """Cluster the pool; absorb clusters close to an existing topic, name the others (largest first).

    `tonight` marks the pool items asked tonight: a cluster made only of older questions is left
    alone (they had their nights), so a night without questions changes nothing.
    """
    out = Discovery()
    if len(X) == 0:
        return out
    labels = cluster(X, opts.cluster, keys)
    k = int(labels.max()) + 1 if (labels >= 0).any() else 0
    fresh: list[np.ndarray] = []
    for c in range(k):
        members = np.where(labels == c)[0]
        if tonight is not None and not tonight[members].any():
            continue
        cen = unit(X[members].mean(axis=0))
        j, s = index.nearest(cen[None, :])
        if j[0] >= 0 and 1.0 - s[0] <= opts.absorb_threshold:
            for m in members:
                out.absorbed[int(m)] = (int(j[0]), float(X[m] @ index.C[j[0]]))
        else:
            fresh.append(members)
    if not fresh:
        return out
    background = [tokens[i] for i in np.where(labels < 0)[0]]
    keywords = ctfidf_keywords([[tokens[i] for i in m] for m in fresh], opts.label_terms, background)
    for members, kw in zip(fresh, keywords, strict=True):
        cen = unit(X[members].mean(axis=0)).astype(np.float32)
        med = int(members[medoid(X[members])])
        out.new_topics.append(NewTopic(members, X[members] @ cen, cen, med, kw,
                                       label_from_keywords(kw, texts[med])))
    return out

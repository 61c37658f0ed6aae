"""Questions -> clusters: average-linkage on cosine distance, two-stage when the night is large.

Why this algorithm (measured on ../shared/data/bq, see bench/bench_topics.py):
- Average-linkage agglomerative clustering with one distance threshold needs no number of
  clusters, handles a 30-question night as well as a big one, and every cluster it makes has a
  mean pairwise distance under the threshold, so a topic means one thing. HDBSCAN (scikit-learn's)
  scored lower on BQ and leaves 40% as noise; Louvain on a kNN graph scored lower too.
- Noise is bounded: a cluster under the size floor is not a topic, but its questions are
  attached to the nearest topic when they are within `attach_threshold` of its centroid; only
  the rest stay unassigned (and are pooled with the next nights', see nlp/topics.py).
- Exact duplicates (same text without punctuation and spaces) are collapsed before clustering
  and expanded after; on a call-centre night many questions are word-for-word the same.
- The threshold adapts to the pool size (`threshold_for`): tuned on BQ's 3,748 questions it is
  0.06, but the ~40 questions of a small night are so far apart that nothing would cluster, so
  up to `small_n` questions it is `small_threshold` (sensible topics on the sample calls), log-linear between.
- Cost stays near-linear in N: above `block_size` points, the vectors are first split into
  blocks by recursive mini-batch k-means (O(N) per level, log levels), average linkage runs
  inside each block (O(block^2) each, so O(N * block) in all), and cluster centroids from all
  blocks are then merged by the same procedure at `merge_threshold` (far fewer points).
Vectors in, integer labels out (-1 = noise); deterministic for a given input and seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans


@dataclass(frozen=True)
class ClusterOptions:
    distance_threshold: float = 0.06   # average linkage, cosine distance (m3e-small distances are compressed)
    small_threshold: float = 0.14      # the threshold for a pool of `small_n` questions or fewer
    small_n: int = 50
    large_n: int = 3000                # from here on `distance_threshold`; log-linear in between
    min_size: int = 2                  # size floor: smaller clusters are not topics
    attach_threshold: float = 0.10     # an unclustered question joins the nearest cluster within this distance
    merge_threshold: float = 0.05      # two-stage only: block clusters whose centroids are this close merge
    block_size: int = 4000             # above this many distinct questions, cluster in blocks
    coarse_k: int = 16                 # k-means branching when splitting into blocks
    seed: int = 0

    def threshold_for(self, n: int) -> float:
        """Density-adaptive threshold: a few dozen questions lie far apart, so a small pool needs a
        wider radius to find any topic; a large pool is dense and gets the fine, BQ-tuned one."""
        if n >= self.large_n or self.large_n <= self.small_n:
            return self.distance_threshold
        if n <= self.small_n:
            return self.small_threshold
        f = (np.log(self.large_n) - np.log(n)) / (np.log(self.large_n) - np.log(self.small_n))
        return float(self.distance_threshold + f * (self.small_threshold - self.distance_threshold))

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> ClusterOptions:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in section.items() if k in names})


def unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(n, 1e-12)


def centroids(X: np.ndarray, labels: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Unit-length weighted mean vector of each label 0..n-1."""
    w = np.ones(len(X), dtype=np.float32) if weights is None else weights.astype(np.float32)
    out = np.zeros((n, X.shape[1]), dtype=np.float64)
    ok = labels >= 0
    np.add.at(out, labels[ok], X[ok] * w[ok, None])
    return unit(out).astype(np.float32)


def _average_linkage(X: np.ndarray, threshold: float) -> np.ndarray:
    if len(X) == 1:
        return np.zeros(1, dtype=np.int64)
    return AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                   distance_threshold=threshold).fit_predict(X).astype(np.int64)


def partition(X: np.ndarray, block_size: int, k: int, seed: int) -> list[np.ndarray]:
    """Index blocks of at most `block_size` by recursive mini-batch k-means (deterministic)."""
    out: list[np.ndarray] = []
    stack = [np.arange(len(X))]
    while stack:
        idx = stack.pop()
        if len(idx) <= block_size:
            out.append(idx)
            continue
        kk = int(min(k, max(2, np.ceil(len(idx) / block_size))))
        km = MiniBatchKMeans(n_clusters=kk, random_state=seed, batch_size=4096, n_init=1, max_iter=50)
        lab = km.fit_predict(X[idx])
        parts = [idx[lab == j] for j in range(kk) if (lab == j).any()]
        if len(parts) == 1:  # k-means could not split (identical points): cut in order
            parts = [idx[i:i + block_size] for i in range(0, len(idx), block_size)]
        stack.extend(reversed(parts))
    return out


def _attach(X: np.ndarray, labels: np.ndarray, weights: np.ndarray, opts: ClusterOptions) -> np.ndarray:
    """Size floor, then attach the small clusters' points to the nearest kept cluster if close enough."""
    n = int(labels.max()) + 1 if len(labels) else 0
    size = np.bincount(labels, weights=weights, minlength=n)
    keep = size >= opts.min_size
    out = np.where(keep[labels], labels, -1)
    small = np.where(out < 0)[0]
    kept = np.where(keep)[0]
    if len(small) and len(kept):
        C = centroids(X, out, n, weights)[kept]
        sims = X[small] @ C.T
        best = sims.argmax(axis=1)
        close = 1.0 - sims[np.arange(len(small)), best] <= opts.attach_threshold
        out[small[close]] = kept[best[close]]
    return out


def _cluster_distinct(X: np.ndarray, weights: np.ndarray, opts: ClusterOptions, threshold: float,
                      depth: int = 0) -> np.ndarray:
    """Labels for distinct unit vectors (weights = how many questions each stands for).

    The centroid merge recurses only while it still shrinks the problem (at most 3 levels, and only
    when the blocks cut the points by 10% or more), so its cost is bounded by a few block passes.
    """
    if len(X) <= opts.block_size:
        return _attach(X, _average_linkage(X, threshold), weights, opts)
    labels = np.full(len(X), -1, dtype=np.int64)
    nxt = 0
    for block in partition(X, opts.block_size, opts.coarse_k, opts.seed):
        # size floor and attach inside the block: the attach search stays O(block^2), not O(N^2)
        lab = relabel(_attach(X[block], _average_linkage(X[block], threshold), weights[block], opts))
        ok = lab >= 0
        labels[block[ok]] = lab[ok] + nxt
        nxt += int(lab.max()) + 1 if ok.any() else 0
    # Merge clusters split across blocks: cluster their centroids (far fewer points) the same way.
    # Merging only grows clusters, so no cluster falls under the size floor afterwards.
    if nxt > 1 and depth < 3 and nxt <= 0.9 * len(X):
        C = centroids(X, labels, nxt, weights)
        csize = np.bincount(labels[labels >= 0], weights=weights[labels >= 0], minlength=nxt)
        merge_opts = ClusterOptions(**{**opts.__dict__, "min_size": 1, "attach_threshold": 0.0})
        merged = _cluster_distinct(C, csize, merge_opts, opts.merge_threshold, depth + 1)
        labels = np.where(labels >= 0, merged[np.maximum(labels, 0)], -1)
    return labels


def cluster(X: np.ndarray, opts: ClusterOptions, keys: Sequence[str] | None = None) -> np.ndarray:
    """Cluster unit vectors; -1 = noise. `keys` (e.g. text without punctuation) collapse exact duplicates.

    Labels are renumbered by cluster size (largest first), ties by first member, so equal inputs
    give equal labels.
    """
    n = len(X)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    X = unit(np.asarray(X, dtype=np.float32))
    if keys is not None:
        _, first, inverse = np.unique(np.asarray(keys, dtype=object).astype(str), return_index=True,
                                      return_inverse=True)
        order = np.argsort(first)              # distinct items in order of first appearance
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        inverse = rank[inverse]
        reps = first[order]
    else:
        reps, inverse = np.arange(n), np.arange(n)
    weights = np.bincount(inverse, minlength=len(reps)).astype(np.float32)
    lab = _cluster_distinct(X[reps], weights, opts, opts.threshold_for(len(reps)))[inverse]
    return relabel(lab)


def relabel(labels: np.ndarray) -> np.ndarray:
    """0..k-1 by descending size, ties by first occurrence; -1 stays -1."""
    out = np.full(len(labels), -1, dtype=np.int64)
    ok = labels >= 0
    if not ok.any():
        return out
    ids, first, counts = np.unique(labels[ok], return_index=True, return_counts=True)
    order = sorted(range(len(ids)), key=lambda i: (-counts[i], first[i]))
    mapping = {int(ids[i]): r for r, i in enumerate(order)}
    out[ok] = [mapping[int(v)] for v in labels[ok]]
    return out

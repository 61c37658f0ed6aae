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
- Pool whitening (`whiten_*`, off in configs/callintel.toml: it helps only on pools the size of BQ and
  costs stability; kept as an option, measured here): from `whiten_min_n` to `whiten_max_n`
  distinct questions, the pool is grouped in the space of its own 64 principal directions, each
  scaled to unit variance (BERT-whitening, fitted on the pool itself, no labels; O(N d^2) on at
  most `whiten_fit_max` rows). m3e-small
  vectors share a few dominant directions that say "a banking/insurance question" and crowd
  everything together; whitening equalises them. BQ (3,748 questions): ARI 0.219 -> 0.239
  (noise 8%); on random halves of the groups, thresholds tuned on one half, it won on the
  other half in 6 of 6 cases (+0.010 to +0.016). It only decides the grouping: the embedding
  cache, centroids and topic identity (nlp/topics.py) stay in m3e-small space, so a topic's
  frozen centroid means the same whatever pool found it. Small pools (the ~40 questions of the
  sample night) cannot fit 64 directions and stay in m3e space with the thresholds above. Pools
  over `whiten_max_n` stay there too: clustering BQ together with insuranceqa_zh (18,637
  questions, two-stage) scored BQ's rows lower whitened than not (ARI 0.169 vs 0.206; 0.212 at
  a whitened threshold of 0.25), so the fixed whitened threshold is not right for big mixed pools.
- Measured and not kept (bench/bench_topics.py variants, BQ ARI, each with its best threshold):
  full text instead of the core 0.222; whitening or centring fitted on a fixed corpus
  (insuranceqa_zh) 0.19-0.22; removing the top principal component 0.229; blending char TF-IDF
  cosine into the m3e cosine 0.20; shared-nearest-neighbour (k-reciprocal) distances 0.236
  (needs all-pairs kNN); complete linkage 0.226. None reaches 0.35 because BQ's groups split
  one intent over several groups (see evaluation/topics.py `label_ceiling`: merging only
  the groups that share a question at cosine >= 0.985 already drops the labels' own ARI to 0.32).
Vectors in, integer labels out (-1 = noise); deterministic for a given input and seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering, MiniBatchKMeans

from callintel.settings import options


@dataclass(frozen=True)
class ClusterOptions:
    distance_threshold: float   # average linkage, cosine distance (m3e-small distances are compressed)
    small_threshold: float      # the threshold for a pool of `small_n` questions or fewer
    small_n: int
    large_n: int                # from here on `distance_threshold`; log-linear in between
    min_size: int                  # size floor: smaller clusters are not topics
    attach_threshold: float     # an unclustered question joins the nearest cluster within this distance
    merge_threshold: float      # two-stage only: block clusters whose centroids are this close merge
    block_size: int             # above this many distinct questions, cluster in blocks
    coarse_k: int                 # k-means branching when splitting into blocks
    seed: int
    # pool whitening (see the module docstring); whiten_dims = 0 turns it off
    whiten_dims: int              # principal directions kept, each scaled to unit variance
    whiten_min_n: int           # distinct questions needed to fit it; smaller pools stay in m3e space
    whiten_max_n: int           # larger pools stay in m3e space too (whitening not validated there)
    whiten_fit_max: int        # fit on at most this many distinct vectors (an even stride), O(N) cost
    whiten_small_threshold: float  # average-linkage threshold in whitened space at `whiten_min_n` ...
    whiten_threshold: float     # ... and from `large_n` on (log-linear in between)
    whiten_attach_margin: float  # whitened space: attach radius = threshold + this
    whiten_merge_threshold: float  # whitened space, two-stage: block clusters this close (centroids) merge

    def threshold_for(self, n: int) -> float:
        """Density-adaptive threshold: a few dozen questions lie far apart, so a small pool needs a
        wider radius to find any topic; a large pool is dense and gets the fine, BQ-tuned one."""
        return _log_linear(n, self.small_n, self.large_n, self.small_threshold, self.distance_threshold)

    def whitens(self, n: int) -> bool:
        """Whether a pool of `n` distinct questions is clustered in whitened space."""
        return self.whiten_dims > 0 and max(self.whiten_min_n, 2 * self.whiten_dims) <= n <= self.whiten_max_n

    def space_for(self, n: int) -> tuple[str, ClusterOptions, float]:
        """(space name, options with that space's attach/merge radii, linkage threshold) for `n` distinct questions."""
        if not self.whitens(n):
            return "m3e", self, self.threshold_for(n)
        t = _log_linear(n, self.whiten_min_n, self.large_n, self.whiten_small_threshold, self.whiten_threshold)
        return (f"whitened-{self.whiten_dims}",
                replace(self, attach_threshold=t + self.whiten_attach_margin,
                        merge_threshold=self.whiten_merge_threshold), t)

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> ClusterOptions:
        return options(cls, section, "topics.cluster")


def _log_linear(n: int, lo_n: int, hi_n: int, lo_value: float, hi_value: float) -> float:
    """`lo_value` up to `lo_n`, `hi_value` from `hi_n` on, linear in log(n) between."""
    if n >= hi_n or hi_n <= lo_n:
        return hi_value
    if n <= lo_n:
        return lo_value
    f = (np.log(hi_n) - np.log(n)) / (np.log(hi_n) - np.log(lo_n))
    return float(hi_value + f * (lo_value - hi_value))


def fit_whitening(X: np.ndarray, dims: int, fit_max: int = 20000) -> tuple[np.ndarray, np.ndarray]:
    """(mean, projection) of PCA whitening fitted on the rows of `X` (unsupervised: no labels).

    The projection maps onto the `dims` directions of largest variance, each divided by its
    standard deviation, so no single "generic" direction dominates the cosine. Above `fit_max`
    rows the fit uses an even stride of them (deterministic, O(fit_max * d^2)).
    """
    X = np.asarray(X, dtype=np.float64)
    if len(X) > fit_max:
        X = X[np.linspace(0, len(X) - 1, fit_max).astype(np.int64)]
    mu = X.mean(axis=0)
    Z = X - mu
    vals, vecs = np.linalg.eigh(Z.T @ Z / max(1, len(Z) - 1))
    order = np.argsort(vals)[::-1][: min(dims, X.shape[1])]
    vals = np.maximum(vals[order], 1e-6 * max(float(vals.max()), 1e-12))
    return mu.astype(np.float32), (vecs[:, order] / np.sqrt(vals)).astype(np.float32)


def whiten(X: np.ndarray, mu: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Unit rows of the whitened vectors."""
    return unit((np.asarray(X, dtype=np.float32) - mu) @ W)


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
        merge_opts = replace(opts, min_size=1, attach_threshold=0.0)
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
    Xd = X[reps]
    _, eff, threshold = opts.space_for(len(reps))
    if opts.whitens(len(reps)):
        Xd = whiten(Xd, *fit_whitening(Xd, opts.whiten_dims, opts.whiten_fit_max))
    lab = _cluster_distinct(Xd, weights, eff, threshold)[inverse]
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

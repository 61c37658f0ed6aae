"""`callintel eval topics`: the production hot-question clustering against BQ's labelled groups.

Every question goes through what a night does to it - the filler-free core
(nlp/sentences.py), m3e-small embeddings, `nlp.cluster.cluster` with the [topics.cluster]
settings (duplicate collapsing; pool whitening when switched on) - with no
access to the labels; the labels only score. Nothing is trained (`trained_on` says so).
ARI is the headline (on these small groups V-measure and NMI reward all-singleton answers);
noise questions count as singletons. `pair_precision`/`pair_recall` are over question pairs.
Baselines on the same questions: the same clustering without whitening when whitening is on,
character TF-IDF with the same clustering (its own threshold, `TFIDF_THRESHOLD`, chosen on BQ
like ours), and BERTopic's default pipeline with a jieba vectorizer when `bertopic` is importable.

`label_ceiling` explains why ARI stays low on BQ: its groups are connected components of labelled
pairs, so one intent is often split over several groups (27 pairs of word-for-word identical
questions, only 6 in one group; of the 224 pairs with m3e cosine >= 0.99, 28% in one group).
It is the ARI of the true labels themselves after merging the groups that share an identical
question (0.889 on BQ) or a pair of questions with cosine >= 0.99 (0.430) / 0.985 (0.318): a
perfect method that puts such near-identical wordings together scores at most that.
"""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, v_measure_score

from callintel.evaluation import data_files
from callintel.evaluation.data_files import DataError, json_lines
from callintel.settings import Settings

# Character (1-2 gram) TF-IDF distances are on another scale than m3e-small's: threshold and
# attach radius measured with bench/bench_topics.py on BQ (best ARI over 0.5-0.85).
TFIDF_THRESHOLD = 0.75
TFIDF_ATTACH = 0.75


def bq_file(data_dir: Path) -> Path:
    """`clusters.jsonl` in `data_dir` or its `bq/` folder."""
    for candidate in (Path(data_dir), Path(data_dir) / "bq"):
        if (candidate / "clusters.jsonl").exists():
            return candidate / "clusters.jsonl"
    raise FileNotFoundError(f"no clusters.jsonl in {data_dir} or {Path(data_dir) / 'bq'}")


def read_groups(path: Path, limit: int | None = None,
                problems: list[str] | None = None) -> tuple[list[str], np.ndarray]:
    """(questions, group label of each); `limit` keeps the first N groups (tests). A line without a cluster or
    without questions, and a question that is no text, are left out and said in `problems`."""
    problems = [] if problems is None else problems
    texts: list[str] = []
    labels: list[str] = []
    for n, row in enumerate(json_lines(path, problems)):
        if limit is not None and n >= limit:
            break
        said = data_files.texts(row.get("questions"))
        if row.get("cluster") is None or not said:
            problems.append(f"{path}: group {n + 1} has no cluster or no question; skipped")
            continue
        if len(said) < len(row.get("questions") or []):
            problems.append(f"{path}: group {n + 1}: {len(row['questions']) - len(said)} question(s) not text; skipped")
        texts += said
        labels += [str(row["cluster"])] * len(said)   # a label is a name: 3 and "3" are one group
    if not texts:
        raise DataError(f"{path}: no question to cluster ({len(problems)} problem(s))")
    return texts, np.asarray(labels)


def score(truth: np.ndarray, found: np.ndarray, seconds: float) -> dict:
    """ARI/NMI/V-measure with noise (-1) as singletons, plus noise share and cluster counts."""
    lab = np.asarray(found).copy()
    noise = lab < 0
    lab[noise] = (lab.max() + 1 if (~noise).any() else 0) + np.arange(noise.sum())
    return {"questions": len(truth), "clusters_true": len(set(truth.tolist())),
            "clusters_found": len(set(found[~noise].tolist())),
            "ari": round(float(adjusted_rand_score(truth, lab)), 4),
            "nmi": round(float(normalized_mutual_info_score(truth, lab)), 4),
            "v_measure": round(float(v_measure_score(truth, lab)), 4),
            "noise_share": round(float(noise.mean()), 4), "seconds": round(seconds, 2)}


def pair_scores(truth: np.ndarray, found: np.ndarray) -> tuple[float, float]:
    """(precision, recall) over question pairs put in one cluster, noise (-1) as singletons."""
    from sklearn.metrics.cluster import pair_confusion_matrix

    lab = np.asarray(found).copy()
    noise = lab < 0
    lab[noise] = (lab.max() + 1 if (~noise).any() else 0) + np.arange(noise.sum())
    (_, fp), (fn, tp) = pair_confusion_matrix(truth, lab)
    return float(tp / max(1, tp + fp)), float(tp / max(1, tp + fn))


def label_ceiling(truth: np.ndarray, X: np.ndarray, keys: list[str], cosines: tuple[float, ...] = (0.99, 0.985),
                  chunk: int = 2048) -> dict[str, float]:
    """ARI of the true groups against themselves after merging groups that share an identical
    question (`keys`) or two questions at cosine >= c: the most any method that keeps such
    wordings together can score. Pairwise cosines in row chunks (memory O(chunk * N))."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from sklearn.metrics import adjusted_rand_score

    _, g = np.unique(truth, return_inverse=True)
    n_groups = int(g.max()) + 1 if len(g) else 0

    def merged_ari(a: np.ndarray, b: np.ndarray) -> float:
        graph = coo_matrix((np.ones(len(a)), (g[a], g[b])), shape=(n_groups, n_groups))
        return round(float(adjusted_rand_score(g, connected_components(graph, directed=False)[1][g])), 4)

    _, first = np.unique(np.asarray(keys, dtype=object).astype(str), return_inverse=True)
    order = np.argsort(first, kind="stable")
    same = np.where(first[order][1:] == first[order][:-1])[0]
    out = {"identical_text": merged_ari(order[same], order[same + 1])}
    X = np.asarray(X, dtype=np.float32)
    pairs: dict[float, list[tuple[np.ndarray, np.ndarray]]] = {c: [] for c in cosines}
    for s in range(0, len(X), chunk):
        sims = X[s:s + chunk] @ X.T
        for c in cosines:
            i, j = np.nonzero(sims >= c)
            pairs[c].append((i + s, j))
    for c in cosines:
        a = np.concatenate([p[0] for p in pairs[c]]) if pairs[c] else np.zeros(0, dtype=np.int64)
        b = np.concatenate([p[1] for p in pairs[c]]) if pairs[c] else np.zeros(0, dtype=np.int64)
        out[f"cosine_{c:g}"] = merged_ari(a, b)
    return out


def production_labels(texts: list[str], settings: Settings, X: np.ndarray | None = None) -> np.ndarray:
    """What a night does: core text, embed (unless `X` is given), cluster with [topics.cluster]."""
    from callintel.nlp.cluster import ClusterOptions, cluster
    from callintel.nlp.embed import embedder_from_settings
    from callintel.nlp.questions import load_cues
    from callintel.nlp.sentences import core_text, dedupe_key

    cues = load_cues(settings)
    cores = [core_text(t, cues.leading_fillers, cues.trailing_fillers) for t in texts]
    if X is None:
        X = embedder_from_settings(settings).encode(cores)
    return cluster(X, ClusterOptions.from_settings(settings["topics"].get("cluster", {})),
                   [dedupe_key(c) for c in cores])


def cluster_plain(texts: list[str], settings: Settings, X: np.ndarray) -> np.ndarray:
    """The production clustering with whitening off (m3e-small space at every pool size)."""
    from callintel.nlp.cluster import ClusterOptions, cluster
    from callintel.nlp.questions import load_cues
    from callintel.nlp.sentences import core_text, dedupe_key

    cues = load_cues(settings)
    opts = replace(ClusterOptions.from_settings(settings["topics"].get("cluster", {})), whiten_dims=0)
    return cluster(X, opts, [dedupe_key(core_text(t, cues.leading_fillers, cues.trailing_fillers)) for t in texts])


def tfidf_labels(texts: list[str], settings: Settings) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from callintel.nlp.cluster import ClusterOptions, cluster

    T = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    opts = replace(ClusterOptions.from_settings(settings["topics"].get("cluster", {})),
                   distance_threshold=TFIDF_THRESHOLD, small_threshold=TFIDF_THRESHOLD,
                   attach_threshold=TFIDF_ATTACH, whiten_dims=0)
    return cluster(T.toarray().astype(np.float32), opts)


def bertopic_labels(texts: list[str], X: np.ndarray, settings: Settings) -> np.ndarray | None:
    """BERTopic's defaults (UMAP + HDBSCAN) on the same m3e-small vectors, jieba vectorizer; None if absent."""
    try:
        from bertopic import BERTopic
    except ImportError:
        return None
    from sklearn.feature_extraction.text import CountVectorizer

    from callintel.nlp.tokenize import tokenizer_from_settings

    tok = tokenizer_from_settings(settings)
    model = BERTopic(vectorizer_model=CountVectorizer(tokenizer=tok.words, token_pattern=None, lowercase=False),
                     language="multilingual")
    topics, _ = model.fit_transform(texts, embeddings=X)
    return np.asarray(topics)


def run(data_dir: Path, settings: Settings, limit: int | None = None) -> dict:
    """The `eval topics` figures for our clustering, with baselines under `baselines`."""
    from callintel.nlp.embed import embedder_from_settings
    from callintel.nlp.questions import load_cues
    from callintel.nlp.sentences import core_text

    problems: list[str] = []
    texts, truth = read_groups(bq_file(data_dir), limit, problems)
    t0 = time.perf_counter()
    embedder = embedder_from_settings(settings)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    cues = load_cues(settings)
    X = embedder.encode([core_text(t, cues.leading_fillers, cues.trailing_fillers) for t in texts])
    embed_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ours = production_labels(texts, settings, X)
    cluster_s = time.perf_counter() - t0
    from callintel.nlp.cluster import ClusterOptions
    from callintel.nlp.sentences import dedupe_key

    opts = ClusterOptions.from_settings(settings["topics"].get("cluster", {}))
    keys = [dedupe_key(core_text(t, cues.leading_fillers, cues.trailing_fillers)) for t in texts]
    space, eff, threshold = opts.space_for(len(set(keys)))
    result = score(truth, ours, embed_s + cluster_s)
    precision, recall = pair_scores(truth, ours)
    result.update({"pair_precision": round(precision, 4), "pair_recall": round(recall, 4),
                   "embed_seconds": round(embed_s, 2), "cluster_seconds": round(cluster_s, 2),
                   "model_load_seconds": round(load_s, 2), "model": settings["topics"]["model"],
                   "variant": f"core text + {settings['topics']['model']} + {space} + average linkage",
                   "cluster_space": space, "distance_threshold": round(threshold, 4),
                   "attach_threshold": round(eff.attach_threshold, 4),
                   "trained_on": "nothing (whitening, if any, is fitted on the questions being clustered, "
                                 "without their labels)",
                   "method": f"{settings['topics']['model']} ({space} space) + average linkage (density-adaptive "
                             "threshold) + size floor/attach",
                   "label_ceiling": label_ceiling(truth, X, keys)})
    baselines = {}
    if opts.whitens(len(set(keys))):
        t0 = time.perf_counter()
        plain = cluster_plain(texts, settings, X)
        baselines["m3e_no_whitening"] = score(truth, plain, time.perf_counter() - t0 + embed_s)
    t0 = time.perf_counter()
    baselines["char_tfidf_same_clustering"] = score(truth, tfidf_labels(texts, settings), time.perf_counter() - t0)
    t0 = time.perf_counter()
    bt = bertopic_labels(texts, X, settings)
    baselines["bertopic_default"] = (score(truth, bt, time.perf_counter() - t0 + embed_s) if bt is not None
                                     else "bertopic is not installed")
    result["baselines"] = baselines
    result["data_problems"] = data_files.summary(problems)
    return result

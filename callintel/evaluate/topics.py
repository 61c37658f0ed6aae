"""`callintel eval topics`: the production hot-question clustering against BQ's labelled groups.

Every question goes through what a night does to it - the filler-free core
(nlp/sentences.py), m3e-small embeddings, `nlp.cluster.cluster` with the [topics.cluster]
settings and duplicate collapsing - with no access to the labels; the labels only score.
ARI is the headline (on these small groups V-measure and NMI reward all-singleton answers);
noise questions count as singletons. Two baselines run on the same questions: character
TF-IDF with the same clustering (its own threshold, `TFIDF_THRESHOLD`, chosen on BQ like ours),
and BERTopic's default pipeline with a jieba vectorizer when `bertopic` is importable.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, v_measure_score

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


def read_groups(path: Path, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """(questions, group label of each); `limit` keeps the first N groups (tests)."""
    texts: list[str] = []
    labels: list[int] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if limit is not None and n >= limit:
                break
            row = json.loads(line)
            texts += row["questions"]
            labels += [row["cluster"]] * len(row["questions"])
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


def production_labels(texts: list[str], settings: Settings, X: np.ndarray | None = None) -> np.ndarray:
    """What a night does: core text, embed (unless `X` is given), cluster with [topics.cluster]."""
    from nlp.cluster import ClusterOptions, cluster
    from nlp.embed import embedder_from_settings
    from nlp.questions import load_cues
    from nlp.sentences import core_text, dedupe_key

    cues = load_cues(settings)
    cores = [core_text(t, cues.leading_fillers, cues.trailing_fillers) for t in texts]
    if X is None:
        X = embedder_from_settings(settings).encode(cores)
    return cluster(X, ClusterOptions.from_settings(settings["topics"].get("cluster", {})),
                   [dedupe_key(c) for c in cores])


def tfidf_labels(texts: list[str], settings: Settings) -> np.ndarray:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlp.cluster import ClusterOptions, cluster

    T = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    opts = replace(ClusterOptions.from_settings(settings["topics"].get("cluster", {})),
                   distance_threshold=TFIDF_THRESHOLD, small_threshold=TFIDF_THRESHOLD,
                   attach_threshold=TFIDF_ATTACH)
    return cluster(T.toarray().astype(np.float32), opts)


def bertopic_labels(texts: list[str], X: np.ndarray, settings: Settings) -> np.ndarray | None:
    """BERTopic's defaults (UMAP + HDBSCAN) on the same m3e-small vectors, jieba vectorizer; None if absent."""
    try:
        from bertopic import BERTopic
    except ImportError:
        return None
    from sklearn.feature_extraction.text import CountVectorizer

    from nlp.tokenize import tokenizer_from_settings

    tok = tokenizer_from_settings(settings)
    model = BERTopic(vectorizer_model=CountVectorizer(tokenizer=tok.words, token_pattern=None, lowercase=False),
                     language="multilingual")
    topics, _ = model.fit_transform(texts, embeddings=X)
    return np.asarray(topics)


def run(data_dir: Path, settings: Settings, limit: int | None = None) -> dict:
    """The `eval topics` figures for our clustering, with baselines under `baselines`."""
    from nlp.embed import embedder_from_settings
    from nlp.questions import load_cues
    from nlp.sentences import core_text

    texts, truth = read_groups(bq_file(data_dir), limit)
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
    result = score(truth, ours, embed_s + cluster_s)
    result.update({"embed_seconds": round(embed_s, 2), "cluster_seconds": round(cluster_s, 2),
                   "model_load_seconds": round(load_s, 2), "model": settings["topics"]["model"],
                   "method": "m3e-small + average linkage (density-adaptive threshold) + size floor/attach"})
    baselines = {}
    t0 = time.perf_counter()
    baselines["char_tfidf_same_clustering"] = score(truth, tfidf_labels(texts, settings), time.perf_counter() - t0)
    t0 = time.perf_counter()
    bt = bertopic_labels(texts, X, settings)
    baselines["bertopic_default"] = (score(truth, bt, time.perf_counter() - t0 + embed_s) if bt is not None
                                     else "bertopic is not installed")
    result["baselines"] = baselines
    return result

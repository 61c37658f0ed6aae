"""Hot-question benchmarks: quality on BQ, cost at 1k/10k/100k questions, stability over 5 nights.

    .venv/bin/python bench/bench_topics.py quality            # = callintel eval topics (with baselines)
    .venv/bin/python bench/bench_topics.py variants           # every variant tried, best threshold each, BQ
    .venv/bin/python bench/bench_topics.py scale              # 1k, 10k, 100k questions, one subprocess each
    .venv/bin/python bench/bench_topics.py stability          # BQ split over 5 nights vs one night

Embeddings of the shared questions are cached in /tmp (an .npy per model and text hash) so
experiments do not embed the same sentences again. Volume for the scale run is synthesised
from the 18,637 real questions of bq and insuranceqa_zh: N/5 real questions (all of them from
N = 93k on) are drawn, and each synthetic question is one of their vectors plus a small random
perturbation (a paraphrase stand-in), about five per drawn question, so clusters keep realistic
sizes; the embedding rate is measured on real text and reported separately.
Figures go to stdout, one JSON object per measurement; nothing is asserted.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.model_files import hub_offline  # noqa: E402
from callintel.settings import load_settings  # noqa: E402

hub_offline()
SHARED = ROOT.parent / "shared" / "data"
CACHE = Path(tempfile.gettempdir()) / "callintel-bench-embeddings"


def cached_embed(texts: list[str], settings) -> np.ndarray:
    """Embed with the production embedder, cached in /tmp by model + hash of all texts."""
    from callintel.nlp.embed import embedder_from_settings

    model = settings["topics"]["model"]
    key = hashlib.sha256((model + "\n" + "\n".join(texts)).encode()).hexdigest()[:24]
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"{model}-{key}.npy"
    if path.exists():
        return np.load(path)
    X = embedder_from_settings(settings).encode(texts)
    np.save(path, X)
    return X


def shared_questions() -> tuple[list[str], list[str]]:
    from callintel.evaluation.topics import bq_file, read_groups

    bq, _ = read_groups(bq_file(SHARED))
    with (SHARED / "insuranceqa_zh" / "questions.jsonl").open(encoding="utf-8") as fh:
        iqa = [json.loads(line)["question"] for line in fh]
    return bq, iqa


def cores(texts: list[str], settings) -> list[str]:
    from callintel.nlp.questions import load_cues
    from callintel.nlp.sentences import core_text

    cues = load_cues(settings)
    return [core_text(t, cues.leading_fillers, cues.trailing_fillers) for t in texts]


def quality(args) -> None:
    from callintel.evaluation import topics

    print(json.dumps(topics.run(SHARED, load_settings()), ensure_ascii=False))


def _precomputed_labels(D: np.ndarray, threshold: float, attach: float, min_size: int = 2) -> np.ndarray:
    """Average linkage on a full distance matrix, size floor, attach by mean distance to a cluster."""
    from sklearn.cluster import AgglomerativeClustering

    lab = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="average",
                                  distance_threshold=threshold).fit_predict(D)
    lab = np.where(np.bincount(lab)[lab] >= min_size, lab, -1)
    kept, small = np.unique(lab[lab >= 0]), np.where(lab < 0)[0]
    if len(kept) and len(small):
        M = np.zeros((len(D), len(kept)))
        M[lab >= 0, np.searchsorted(kept, lab[lab >= 0])] = 1.0
        mean_d = (D[small] @ M) / M.sum(axis=0)
        best = mean_d.argmin(axis=1)
        ok = mean_d[np.arange(len(small)), best] <= attach
        lab[small[ok]] = kept[best[ok]]
    return lab


def variants(args) -> None:
    """Every representation/similarity tried for hot questions, each at its best threshold on BQ.

    One JSON line per variant (ARI, NMI, noise, pair precision/recall, clustering seconds, the
    setting that won); the labels pick the threshold, as they did for production's. Whitening or
    centring "on iqa" is fitted on insuranceqa_zh's questions (a fixed corpus), "on pool" on the
    BQ questions being clustered; neither sees labels. Last: the labels' own ceiling.
    """
    from dataclasses import replace

    from sklearn.feature_extraction.text import TfidfVectorizer

    from callintel.evaluation.topics import bq_file, label_ceiling, pair_scores, read_groups, score
    from callintel.nlp.cluster import ClusterOptions, cluster, fit_whitening, unit, whiten
    from callintel.nlp.sentences import dedupe_key

    settings = load_settings()
    bq, iqa = shared_questions()
    _, truth = read_groups(bq_file(SHARED))
    core_bq, core_iqa = cores(bq, settings), cores(iqa, settings)
    both = cached_embed(core_bq + core_iqa, settings)
    X, Xi = both[: len(bq)], both[len(bq):]
    Xfull = cached_embed(bq, settings)
    keys, full_keys = [dedupe_key(c) for c in core_bq], [dedupe_key(t) for t in bq]
    prod = ClusterOptions.from_settings(settings["topics"]["cluster"])
    plain = replace(prod, whiten_dims=0)

    def report(name: str, runs: list[tuple[str, object]]) -> None:
        best = None
        for setting, fn in runs:
            t0 = time.perf_counter()
            lab = fn()  # type: ignore[operator]
            secs = time.perf_counter() - t0
            r = score(truth, lab, secs)
            if best is None or r["ari"] > best[0]["ari"]:
                best = (r, lab, setting)
        assert best is not None
        r, lab, setting = best
        p, rc = pair_scores(truth, lab)
        print(json.dumps({"variant": name, "ari": r["ari"], "nmi": r["nmi"], "noise_share": r["noise_share"],
                          "clusters_found": r["clusters_found"], "pair_precision": round(p, 4),
                          "pair_recall": round(rc, 4), "cluster_seconds": r["seconds"], "best_setting": setting},
                         ensure_ascii=False), flush=True)

    def grid(Z: np.ndarray, ks: list[str], thresholds: tuple[float, ...], margin: float,
             **extra: object) -> list[tuple[str, object]]:
        out: list[tuple[str, object]] = []
        for t in thresholds:
            o = replace(plain, distance_threshold=t, small_threshold=t, attach_threshold=round(t + margin, 4),
                        **extra)  # type: ignore[arg-type]
            out.append((f"threshold {t}, attach {t + margin:.2f}", lambda o=o: cluster(Z, o, ks)))
        return out

    report("production ([topics.cluster])", [("configs/callintel.toml", lambda: cluster(X, prod, keys))])
    report("m3e-small core text, no whitening (previous production)", grid(X, keys, (0.05, 0.06, 0.07), 0.04))
    report("m3e-small full text, no whitening", grid(Xfull, full_keys, (0.05, 0.06, 0.07), 0.04))
    report("m3e-small full text + pool whitening", [("production settings", lambda: cluster(Xfull, prod, full_keys))])
    for k in (512, 64):
        mu, W = fit_whitening(Xi, k)
        report(f"whitening-{k} fitted on iqa (fixed)", grid(whiten(X, mu, W), keys, (0.15, 0.25, 0.35, 0.45), 0.05))
    report("centring on iqa (fixed mean)", grid(unit(X - Xi.mean(axis=0)), keys, (0.1, 0.15, 0.2), 0.05))
    mu = X.mean(axis=0)
    top = np.linalg.svd(X - mu, full_matrices=False)[2][:1]
    Zpc = unit((X - mu) - ((X - mu) @ top.T) @ top)
    report("top principal component removed (pool)", grid(Zpc, keys, (0.2, 0.25, 0.3), 0.05))
    for k in (128, 64, 48):
        mu, W = fit_whitening(X, k)
        report(f"whitening-{k} fitted on pool", grid(whiten(X, mu, W), keys, (0.3, 0.35, 0.4, 0.45, 0.5), 0.05))
    cos_d = np.clip(1.0 - X @ X.T, 0.0, None)
    np.fill_diagonal(cos_d, 0.0)
    tf = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True).fit_transform(core_bq)
    tf_d = np.clip(1.0 - (tf @ tf.T).toarray(), 0.0, None)
    np.fill_diagonal(tf_d, 0.0)
    report("char TF-IDF alone (average linkage)",
           [(f"threshold {t}", lambda t=t: _precomputed_labels(tf_d, t, t)) for t in (0.65, 0.75, 0.85)])
    hyb = 0.8 * cos_d + 0.2 * tf_d
    report("0.8 m3e cosine + 0.2 char TF-IDF cosine",
           [(f"threshold {t}", lambda t=t: _precomputed_labels(hyb, t, t + 0.03)) for t in (0.15, 0.2, 0.25)])
    k = 10
    nb = np.argsort(-(X @ X.T), axis=1)[:, :k]
    A = np.zeros((len(X), len(X)), dtype=np.float32)
    A[np.repeat(np.arange(len(X)), k), nb.ravel()] = 1.0
    shared = A @ A.T
    snn = 0.5 * cos_d / 0.1 + 0.5 * (1.0 - shared / (2 * k - shared))
    np.fill_diagonal(snn, 0.0)
    report("shared-nearest-neighbour (k=10 Jaccard) + cosine",
           [(f"threshold {t}", lambda t=t: _precomputed_labels(snn, t, t + 0.05)) for t in (0.6, 0.7, 0.8)])

    def complete(t: float) -> np.ndarray:
        from sklearn.cluster import AgglomerativeClustering

        lab = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="complete",
                                      distance_threshold=t).fit_predict(cos_d)
        return np.where(np.bincount(lab)[lab] >= 2, lab, -1)

    report("complete linkage, m3e-small", [(f"threshold {t}", lambda t=t: complete(t)) for t in (0.08, 0.1, 0.12)])
    print(json.dumps({"label_ceiling": label_ceiling(truth, X, keys),
                      "note": "ARI of the true groups after merging groups that share an identical question or "
                              "a pair at m3e cosine >= c"}))


def scale_one(n: int) -> dict:
    """Cluster n synthetic questions (one process per n, so peak memory is this n's)."""
    from callintel.nlp.cluster import ClusterOptions, cluster

    settings = load_settings()
    bq, iqa = shared_questions()
    texts = cores(bq + iqa, settings)
    base = cached_embed(texts, settings)
    rng = np.random.default_rng(0)
    # about five asks per distinct question at every N (a night's density), up to all 18,637 real ones
    bases = rng.choice(len(base), size=min(len(base), max(1, n // 5)), replace=False)
    pick = bases[rng.integers(0, len(bases), n)]
    X = base[pick] + rng.normal(0, 0.012, (n, base.shape[1])).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    keys = [f"{texts[i]}#{j % 3}" for j, i in enumerate(pick)]  # a third of repeats are word-for-word duplicates
    opts = ClusterOptions.from_settings(settings["topics"]["cluster"])
    t0 = time.perf_counter()
    lab = cluster(X, opts, keys)
    secs = time.perf_counter() - t0
    # the taxonomy path: key phrases / follow-ups / nearest example first, clustering only for the rest
    from callintel.nlp.embed import embedder_from_settings
    from callintel.nlp.taxonomy import MatchOptions, load_taxonomy, match_questions

    taxonomy = load_taxonomy(settings)
    ex_texts, ex_slugs = taxonomy.examples()
    E = embedder_from_settings(settings).encode(ex_texts)
    t0 = time.perf_counter()
    matched = match_questions([texts[i] for i in pick], X, taxonomy, E, ex_slugs,
                              MatchOptions.from_settings(settings["topics"]["taxonomy_match"]))
    match_s = time.perf_counter() - t0
    rest = np.array([k for k, m in enumerate(matched) if m[1] is None], dtype=np.int64)
    t0 = time.perf_counter()
    if len(rest):
        cluster(X[rest], opts, [keys[k] for k in rest])
    rest_s = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"n": n, "distinct": len(set(keys)), "cluster_seconds": round(secs, 2),
            "taxonomy_match_seconds": round(match_s, 2), "left_to_clustering": len(rest),
            "cluster_rest_seconds": round(rest_s, 2),
            "taxonomy_path_seconds": round(match_s + rest_s, 2),
            "taxonomy_path_vs_cluster_all": round((match_s + rest_s) / max(secs, 1e-9), 2),
            "cluster_q_per_s": round(n / secs), "clusters": int(lab.max() + 1),
            "noise_share": round(float((lab < 0).mean()), 4),
            "two_stage": len(set(keys)) > opts.block_size, "peak_rss_mb": round(peak_mb)}


def embed_rate(settings, n: int = 1000) -> float:
    from callintel.nlp.embed import embedder_from_settings

    _, iqa = shared_questions()
    texts = cores(random.Random(1).sample(iqa, n), settings)
    emb = embedder_from_settings(settings)
    emb.encode(texts[:32])
    t0 = time.perf_counter()
    emb.encode(texts)
    return n / (time.perf_counter() - t0)


def scale(args) -> None:
    settings = load_settings()
    rate = embed_rate(settings)
    print(json.dumps({"embed_q_per_s_m3e_small": round(rate, 1), "threads": settings["topics"]["embed_threads"]}))
    for n in args.sizes:
        out = subprocess.run([sys.executable, __file__, "scale-one", "--n", str(n)], capture_output=True, text=True,
                             check=True)
        row = json.loads(out.stdout.strip().splitlines()[-1])
        embed_s = n / rate
        row["embed_seconds_at_measured_rate"] = round(embed_s, 1)
        row["embed_plus_cluster_q_per_s"] = round(n / (embed_s + row["cluster_seconds"]), 1)
        print(json.dumps(row))


def _night_db(path: Path, texts: list[str], nights: list[date], X_core: np.ndarray, core_list: list[str], settings):
    """A warehouse with one call per question (customer turn), and the embedding cache pre-filled."""
    from callintel.nlp.embed import text_key
    from callintel.warehouse.db import connect
    from callintel.warehouse.topics import store_vectors

    con = connect(path)
    calls = [(f"Q{i:05d}", nights[i], datetime(nights[i].year, nights[i].month, nights[i].day, 9).astimezone(),
              "mono", "-", "-", 1, "bench") for i in range(len(texts))]
    con.executemany("""INSERT INTO calls (call_id, night, started_at, channel_layout, audio_path, audio_sha256,
                       n_utterances, run_id, processed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())""", calls)
    con.executemany("INSERT INTO utterances (call_id, seq, speaker, start_s, end_s, text) "
                    "VALUES (?, 0, 'customer', 0, 3, ?)",
                    [(f"Q{i:05d}", t) for i, t in enumerate(texts)])
    uniq = dict(zip([text_key(c) for c in core_list], X_core, strict=True))
    store_vectors(con, uniq, settings["topics"]["model"])
    return con


def agreement(a: dict[str, int | None], b: dict[str, int | None]) -> dict:
    """Share of questions whose split-run topic is the single-run topic, after mapping topics."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    qs = sorted(a)
    A = [a[q] if a[q] is not None else -1 for q in qs]
    B = [b.get(q) if b.get(q) is not None else -1 for q in qs]
    pairs: dict[tuple[int, int], int] = {}
    for x, y in zip(A, B, strict=True):
        pairs[(x, y)] = pairs.get((x, y), 0) + 1
    # many-to-one: each split-run topic maps to the single-run topic it shares most questions with
    best: dict[int, tuple[int, int]] = {}
    for (x, y), n in pairs.items():
        if y >= 0 and (y not in best or n > best[y][1]):
            best[y] = (x, n)
    m2o = sum(1 for x, y in zip(A, B, strict=True) if (y < 0 and x < 0) or (y >= 0 and best[y][0] == x)) / len(qs)
    # one-to-one (Hungarian): splits and merges both count against
    xs = sorted({x for x in A if x >= 0})
    ys = sorted({y for y in B if y >= 0})
    xi, yi = {x: i for i, x in enumerate(xs)}, {y: i for i, y in enumerate(ys)}
    M = np.zeros((len(xs), len(ys)))
    for (x, y), n in pairs.items():
        if x >= 0 and y >= 0:
            M[xi[x], yi[y]] = n
    r, c = linear_sum_assignment(-M) if M.size else ([], [])
    matched = M[r, c].sum() + pairs.get((-1, -1), 0)
    lab = lambda v: [x if x >= 0 else -(i + 2) for i, x in enumerate(v)]  # noqa: E731
    return {"questions": len(qs), "same_topic_one_to_one": round(float(matched) / len(qs), 4),
            "same_topic_many_to_one": round(m2o, 4), "ari_between_runs": round(adjusted_rand_score(lab(A), lab(B)), 4)}


def stability(args) -> None:
    from callintel.flows.steps import run_steps

    over: dict = {"topics": json.loads(args.set)} if args.set else {}
    if args.assign:
        over.setdefault("topics", {})["assign_threshold"] = args.assign
    settings = load_settings(overrides=over or None)
    bq, _ = shared_questions()
    order = list(range(len(bq)))
    random.Random(7).shuffle(order)
    # every BQ line is a question; a ？ makes sure detection keeps it (this measures topic identity only)
    texts = [bq[i] if bq[i].endswith(("？", "?")) else bq[i] + "？" for i in order]
    core_list = cores(texts, settings)
    X = cached_embed(core_list, settings)
    d0 = date(2026, 11, 1)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = {"single": [d0] * len(texts), "five_nights": [d0 + timedelta(days=i % 5) for i in range(len(texts))]}
        got = {}
        for name, nights in runs.items():
            con = _night_db(Path(tmp) / f"{name}.duckdb", texts, nights, X, core_list, settings)
            t0 = time.perf_counter()
            first_ids: dict = {}
            for night in sorted(set(nights)):  # one night at a time, as the nightly flow does
                run_steps(con, [night], settings, ["questions", "topics", "call_topics"])
                first_ids.update(con.execute("""SELECT q.question_id, t.topic_id FROM questions q
                    LEFT JOIN v_question_topics t USING (question_id) WHERE q.night = ?""", [night]).fetchall())
            results[f"{name}_seconds"] = round(time.perf_counter() - t0, 2)
            results[f"{name}_topics"] = con.execute("SELECT count(*) FROM topics").fetchone()[0]
            noise = con.execute("""SELECT avg(CASE WHEN t.topic_id IS NULL THEN 1.0 ELSE 0.0 END)
                                   FROM questions q LEFT JOIN v_question_topics t USING (question_id)""").fetchone()[0]
            results[f"{name}_noise_share"] = round(float(noise), 4)
            results[f"{name}_topics_in_use"] = con.execute(
                "SELECT count(DISTINCT topic_id) FROM v_question_topics").fetchone()[0]
            got[name] = dict(con.execute("""SELECT q.question_id, t.topic_id FROM questions q
                                            LEFT JOIN v_question_topics t USING (question_id)""").fetchall())
            # churn: questions whose topic id later differs from the one their own night gave them
            changed = [q for q, t in first_ids.items() if t is not None and got[name].get(q) != t]
            results[f"{name}_changed_after_own_night"] = round(len(changed) / max(1, len(first_ids)), 4)
            con.close()
    results.update(agreement(got["single"], got["five_nights"]))
    results["settings"] = {k: settings["topics"][k] for k in ("assign_threshold", "absorb_threshold", "cluster")}
    print(json.dumps(results))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("quality").set_defaults(fn=quality)
    sub.add_parser("variants").set_defaults(fn=variants)
    s = sub.add_parser("scale")
    s.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    s.set_defaults(fn=scale)
    s1 = sub.add_parser("scale-one")
    s1.add_argument("--n", type=int, required=True)
    s1.set_defaults(fn=lambda a: print(json.dumps(scale_one(a.n))))
    st = sub.add_parser("stability")
    st.add_argument("--assign", type=float, default=None, help="override [topics].assign_threshold")
    st.add_argument("--set", default="", help='JSON merged into [topics], e.g. \'{"cluster": {"small_n": 10}}\'')
    st.set_defaults(fn=stability)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()

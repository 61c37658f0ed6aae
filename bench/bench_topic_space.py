"""How far the embedding space alone separates call topics, and whether a learned projection helps.

    .venv/bin/python bench/bench_topic_space.py            # every space below, both call sets
    .venv/bin/python bench/bench_topic_space.py --dims 64 128 --shrink 0.5
    .venv/bin/python bench/bench_topic_space.py --ties 0 1 3 5 10   # only the key-phrase tie sweep
    .venv/bin/python bench/bench_topic_space.py --loso              # a projection learned on the other read sets
    .venv/bin/python bench/bench_topic_space.py --classifier        # a topic classifier learned on the other read sets

Measured on the TRUE topical questions of ../shared/data/calls (life insurer) and
../shared/data/calls_health (health insurer), each question's core (nlp/sentences.py core_text),
m3e-small ([topics] model). Per set and space, three figures (ARI against the true topics):
  near_name   each question to the nearest of its own set's topic names
  kmeans      k-means told the true number of topics
  call_first  each call's first topical question to the nearest name, against the call's topic
Spaces:
  raw         m3e-small as the night embeds it
  lda_shared  a within-class projection (generalised eigenvectors of between- over shrunk
              within-class scatter) learned on paraphrase groups: BQ's groups and insuranceqa_zh's
              twelve domains (a fixed sample); trained on neither call set, so both are held out
  lda_<set>   the same learned on the other call set's true questions (trained on one set,
              measured on the other: both directions)
  pos_core    only the jieba nouns and verbs of the core (no person/place/organisation names)
Why: the taxonomy's key phrases decide most questions, and what they miss is left to meaning;
before shipping a projection file the space has to separate topics better on BOTH sets.
Measured 2026-12 (near_name / kmeans / call_first):
  raw                 life 0.408 / 0.279 / 0.628   health 0.386 / 0.160 / 0.322
  pos_core            life 0.380 / 0.125 / 0.412   health 0.261 / 0.195 / 0.141
  lda_shared 64, 0.5  life 0.476 / 0.323 / 0.650   health 0.294 / 0.169 / 0.302
  lda_shared 128, 0.5 life 0.490 / 0.374 / 0.609   health 0.288 / 0.099 / 0.383
  lda_<other set> 11  life 0.288 / 0.249 / 0.384   health 0.274 / 0.199 / 0.322
A projection learned on bank/insurance paraphrase groups lifts the life insurer and lowers the health
insurer (its nearest-name ARI 0.386 -> 0.29): tuning to the vocabulary it was fitted on, not a space that
generalises; learned on one call set it lowers the other in both directions. Nouns/verbs alone lose
what a question asks (0.386 -> 0.261). None is shipped.
Ties (--ties K ...): each set's true questions matched as one night by the taxonomy (nlp/taxonomy.py
match_questions); among those its key phrases decide, ARI against the true topics (no slug mapping
needed) and how many were ties, with a tie decided by the phrase said first (K = 0) or by the mean
cosine to each tied topic's K nearest prototypes ([topics.taxonomy_match] prototype_k).
Measured 2026-12-03 (ties: life 4 of 68 phrase-decided, health 5 of 70; ari_by_phrase):
  said first (0)      life 0.897   health 0.389
  k = 1, 3, 5         life 0.944   health 0.435
  k = 10              life 0.944   health 0.445
Meaning lifts both sets, and the figure is flat in k: a tie is decided by meaning, k = 3.
Leave one set out (--loso): every call set of bench/bench_topic_novelty.py with topical truth questions; for each,
the within-class projection (32 dims, shrink 0.8) is fitted on the OTHER read sets' true questions (their topics as
classes: about a hundred across eight insurers; bench/calls_travel is never fitted on, only measured) and measured
on it: the three figures above, plus the production clustering (nlp/cluster.py cluster, [topics.cluster]) of the
set's true questions in m3e space (`cluster_raw`) and in the projected space at average-linkage thresholds 0.5 /
0.6 / 0.7 / 0.8 (`cluster_proj`). Measured 2026-12-06 (cluster_raw -> cluster_proj at 0.7; kmeans raw -> proj):
  life 0.189 -> 0.355 (0.279 -> 0.315)   health 0.084 -> 0.437 (0.160 -> 0.257)  motor 0.063 -> 0.318
  pc 0.097 -> 0.406   online 0.166 -> 0.527   group 0.032 -> 0.261   agri 0.018 -> 0.148   pension 0.074 -> 0.283
  travel (unread, fitted on all eight) 0.043 -> 0.273
Learned on eight insurers' topics, the space separates a ninth's true questions three to ten times better, every
set, where a projection of one set or of BQ + insuranceqa_zh did not carry (above). Not shipped: in the night it
did not carry. The same projection in nlp/cluster.py (each set with its own left-out file, threshold 0.7 / 0.5)
moved `callintel eval calls` question / call ARI down (pc 0.451 / 0.759 -> 0.355 / 0.616 at 0.7, online 0.454 /
0.250 -> 0.377 / 0.224; agri 0.242 / 0.196 -> 0.253 / 0.256 the one gain), and question discovery off altogether
leaves every call ARI unchanged: the night's clustering sees only the questions the taxonomy left, and the call
topics are decided by which calls are judged novel (nlp/novelty.py) and how those group. Its likeness to the
taxonomy's examples as a novelty signal (AUC of 1 - best cosine, first question | any question, raw -> projected)
moved both ways too (motor 0.697 -> 0.833 any, online 0.898 -> 0.807 first, pc 0.944 -> 0.893 first).
Matching by meaning learned from other insurers' calls (--classifier): for each set, the TRUE questions of its
topics the default taxonomy lists (by slug or [eval.calls] topic_aliases) are sent to a topic by (a) the night's
model (nlp/taxonomy.py example_model: a logistic model fitted on the taxonomy's example questions alone) and (b) a
logistic model (balanced classes, C 10) fitted on those examples plus the OTHER read sets' true listed questions
(travel: all eight); `listed_acc` is the share sent to their own topic, `novel_class` the same with the other
sets' unlisted questions as one more class (share of the set's unlisted questions it keeps out, and of its listed
ones it wrongly calls novel). Measured 2026-12-07, listed accuracy examples only -> learned:
  life 0.72 -> 0.72   health 0.61 -> 0.77   motor 0.55 -> 0.70   pc 0.53 -> 0.65   online 0.52 -> 0.76
  group 0.49 -> 0.75  agri 0.33 -> 0.48     pension 0.56 -> 0.56 travel (unread) 0.45 -> 0.57
Never lower, on eight insurers' calls it was not fitted on. Not in the match itself: in the night (the learned
model in place of example_model for the questions no key phrase matched, each set with its own left-out model, p >=
0.3) it files
listed calls better (call_topic_ari_listed mean of the six project sets 0.529 -> 0.557, listed_sent_out 0.204 ->
0.166) but matches the questions of calls about unlisted topics too (call_topic_ari_unlisted 0.454 -> 0.368), and
the whole call ARI falls (health 0.598 -> 0.544, motor 0.378 -> 0.325, online 0.326 -> 0.269, travel 0.293 ->
0.140; group 0.384 -> 0.394, agri 0.275 -> 0.298). With the novel class, its question-level novelty is weak (keeps
out 0.17-0.64 of unlisted questions, calls 1-21% of listed ones novel) and the night is no better (health 0.554,
travel 0.227, group 0.423). The projection of --loso in the same place: the same trade (listed 0.529 -> 0.572,
unlisted 0.454 -> 0.375, call ARI mean 0.419 -> 0.400). Matching and novelty are coupled: whatever lets a listed
call's words reach its topic lets an unlisted call's reach one too; a gain needs a novelty signal that the
learned match does not move. Shipped after the novelty judgement instead, where it files only what is left of the
calls the taxonomy explains (nlp/topic_classifier.py, [topics.learned_match]: its figures in configs/callintel.toml).
Figures go to stdout, one JSON object per line; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.model_files import hub_offline  # noqa: E402
from callintel.settings import load_settings  # noqa: E402

hub_offline()
SHARED = ROOT.parent / "shared" / "data"
SETS = {"life": SHARED / "calls" / "dialogues.json", "health": SHARED / "calls_health" / "dialogues.json"}
IQA_SAMPLE = 4000   # insuranceqa_zh questions drawn for the shared projection (embedding all 14,889 costs minutes)
NAME_FLAGS = ("nr", "ns", "nt")


def unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def call_set(path: Path, core) -> dict:
    """The set's true topical questions (core text, topic, call, first of its call) and topic names."""
    data = json.loads(path.read_text(encoding="utf-8"))
    calls = data["calls"] if isinstance(data, dict) else data
    out: dict = {"texts": [], "labels": [], "calls": [], "first": [], "names": {}, "call_topic": {}}
    for c in calls:
        topic = c["truth"]["topic"]
        out["names"][topic["slug"]] = topic["name"]
        out["call_topic"][c["call_id"]] = topic["slug"]
        n = 0
        for q in c["truth"]["questions"]:
            if q.get("topic") is None:
                continue
            out["texts"].append(core(q["text"]))
            out["labels"].append(q["topic"])
            out["calls"].append(c["call_id"])
            out["first"].append(n == 0)
            n += 1
    return out


def paraphrase_groups(core) -> tuple[list[str], list[str]]:
    """BQ's groups and a fixed sample of insuranceqa_zh's domains: (texts, group of each)."""
    texts, groups = [], []
    with (SHARED / "bq" / "clusters.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            texts += [core(t) for t in row["questions"]]
            groups += [f"bq{row['cluster']}"] * len(row["questions"])
    rows = [json.loads(line) for line in (SHARED / "insuranceqa_zh" / "questions.jsonl").open(encoding="utf-8")]
    for i in np.random.default_rng(0).choice(len(rows), min(IQA_SAMPLE, len(rows)), replace=False):
        texts.append(core(rows[i]["question"]))
        groups.append("iqa-" + rows[i]["domain"])
    return texts, groups


def fit_projection(X: np.ndarray, groups: list[str], dims: int, shrink: float) -> tuple[np.ndarray, np.ndarray]:
    """(mean, projection): the `dims` directions that best separate the groups relative to the spread within
    them (within-class scatter shrunk towards its mean variance by `shrink`)."""
    import scipy.linalg

    _, inv = np.unique(np.asarray(groups), return_inverse=True)
    counts = np.bincount(inv)
    C = np.zeros((len(counts), X.shape[1]))
    np.add.at(C, inv, X)
    C /= counts[:, None]
    W = X - C[inv]
    Sw = W.T @ W / len(X)
    Sw = (1 - shrink) * Sw + shrink * np.trace(Sw) / len(Sw) * np.eye(len(Sw))
    mu = X.mean(axis=0)
    B = C - mu
    Sb = (B * counts[:, None]).T @ B / len(X)
    vals, vecs = scipy.linalg.eigh(Sb, Sw)
    return mu, vecs[:, np.argsort(vals)[::-1][:dims]]


def figures(s: dict, X: np.ndarray, N: np.ndarray) -> dict:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score

    X, N = unit(X), unit(N)
    slugs = list(s["names"])
    near = [slugs[i] for i in (X @ N.T).argmax(axis=1)]
    km = KMeans(len(slugs), n_init=10, random_state=0).fit_predict(X)
    first = {c: near[i] for i, c in enumerate(s["calls"]) if s["first"][i]}
    ids = list(s["call_topic"])
    return {"near_name": round(float(adjusted_rand_score(s["labels"], near)), 3),
            "kmeans": round(float(adjusted_rand_score(s["labels"], km)), 3),
            "call_first": round(float(adjusted_rand_score([s["call_topic"][c] for c in ids],
                                                           [first.get(c, "none-" + c) for c in ids])), 3)}


def tie_figures(s: dict, X: np.ndarray, settings, k: int) -> dict:
    """ARI over the true questions key phrases decide, ties said-first (k = 0) or by meaning (prototype_k = k)."""
    from dataclasses import replace

    from sklearn.metrics import adjusted_rand_score

    from callintel.nlp.embed import embedder_from_settings
    from callintel.nlp.taxonomy import (
        PHRASE,
        MatchOptions,
        best_phrase,
        is_tie,
        load_taxonomy,
        match_questions,
        phrase_scores,
    )

    taxonomy = load_taxonomy(settings)
    opts = MatchOptions.from_settings(settings["topics"]["taxonomy_match"])
    texts, ex_slugs = taxonomy.examples()
    if k:
        E = embedder_from_settings(settings).encode(texts)
        matched = match_questions(s["texts"], X, taxonomy, E, ex_slugs, replace(opts, prototype_k=k))
        got = [slug if method == PHRASE else None for slug, method, _ in matched]
    else:
        got = [(best_phrase(t, taxonomy, opts.strong_weight) or (None,))[0] for t in s["texts"]]
    pairs = [(t, g) for t, g in zip(s["labels"], got, strict=True) if g is not None]
    ties = sum(1 for t in s["texts"] if (sc := phrase_scores(t, taxonomy, opts.strong_weight)) and is_tie(sc))
    return {"prototype_k": k, "by_phrase": len(pairs), "ties": ties,
            "ari_by_phrase": round(float(adjusted_rand_score(*zip(*pairs, strict=True))), 3)}


def leave_one_set_out(core, emb, settings, dims: int = 32, shrink: float = 0.8,
                      thresholds: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8)) -> None:
    """Each set measured with the projection fitted on the other read sets (see the module docstring)."""
    from dataclasses import replace

    from bench_topic_novelty import SETS as ALL
    from sklearn.metrics import adjusted_rand_score

    from callintel.evaluation import calls as ev
    from callintel.nlp.cluster import ClusterOptions, cluster

    opts = ClusterOptions.from_settings(settings["topics"]["cluster"])
    sets = {k: call_set(ev.dialogues_file(p), core) for k, p in ALL.items()}
    sets = {k: s for k, s in sets.items() if s["texts"]}
    X = {k: emb.encode(s["texts"]) for k, s in sets.items()}
    N = {k: emb.encode(list(s["names"].values())) for k, s in sets.items()}
    read = [k for k in sets if k != "travel"]   # bench/calls_travel is measured only
    for k, s in sets.items():
        train = [o for o in read if o != k]
        mu, W = fit_projection(np.vstack([X[o] for o in train]), [lab for o in train for lab in sets[o]["labels"]],
                               dims, shrink)
        P = unit((X[k] - mu) @ W)
        proj = [round(float(adjusted_rand_score(s["labels"], cluster(P, replace(
            opts, small_threshold=t, distance_threshold=t, attach_threshold=t)))), 3) for t in thresholds]
        print(json.dumps({"set": k, "trained_on": train, "dims": dims, "shrink": shrink,
                          "raw": figures(s, X[k], N[k]), "projected": figures(s, (X[k] - mu) @ W, (N[k] - mu) @ W),
                          "cluster_raw": round(float(adjusted_rand_score(s["labels"], cluster(X[k], opts))), 3),
                          "cluster_proj": dict(zip(map(str, thresholds), proj, strict=True))}), flush=True)


def learned_classifier(core, emb, settings, c: float = 10.0) -> None:
    """Each set's true listed questions sent to a topic by the taxonomy's example model and by one learned on the
    other read sets' questions (see the module docstring)."""
    from bench_topic_novelty import SETS as ALL
    from sklearn.linear_model import LogisticRegression

    from callintel.evaluation import calls as ev
    from callintel.nlp.taxonomy import example_model, load_taxonomy

    taxonomy = load_taxonomy(settings)
    aliases = dict(settings["eval"]["calls"]["topic_aliases"])
    ex_texts, ex_slugs = taxonomy.examples()
    listed = set(ex_slugs)
    E = unit(emb.encode(list(ex_texts)))
    sets = {k: call_set(ev.dialogues_file(p), core) for k, p in ALL.items()}
    sets = {k: s for k, s in sets.items() if s["texts"]}
    X = {k: unit(emb.encode(s["texts"])) for k, s in sets.items()}
    novel = "__novel__"
    y = {k: np.asarray([aliases.get(t, t) if aliases.get(t, t) in listed else novel for t in s["labels"]])
         for k, s in sets.items()}
    read = [k for k in sets if k != "travel"]   # bench/calls_travel is measured only

    def fit(train: list[str], with_novel: bool) -> LogisticRegression:
        keep = {o: np.ones(len(y[o]), bool) if with_novel else y[o] != novel for o in train}
        Xt = np.vstack([X[o][keep[o]] for o in train] + [E])
        yt = [t for o in train for t in y[o][keep[o]]] + list(ex_slugs)
        return LogisticRegression(C=c, max_iter=5000, class_weight="balanced").fit(Xt, yt)

    for k in sets:
        train = [o for o in read if o != k]
        lst = y[k] != novel
        if not lst.any():
            continue
        base, _ = example_model(X[k][lst], E, list(ex_slugs), settings["topics"]["taxonomy_match"]["example_model_c"])
        learned = fit(train, False).predict(X[k][lst])
        with_novel = fit(train, True).predict(X[k])
        print(json.dumps({
            "set": k, "trained_on": train, "listed_questions": int(lst.sum()), "unlisted_questions": int((~lst).sum()),
            "listed_acc_examples": round(float(np.mean(np.asarray(base) == y[k][lst])), 3),
            "listed_acc_learned": round(float(np.mean(learned == y[k][lst])), 3),
            "novel_class": {"listed_acc": round(float(np.mean(with_novel[lst] == y[k][lst])), 3),
                            "unlisted_kept_out": (round(float(np.mean(with_novel[~lst] == novel)), 3)
                                                  if (~lst).any() else None),
                            "listed_called_novel": round(float(np.mean(with_novel[lst] == novel)), 3)}}),
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dims", type=int, nargs="+", help="projection sizes to try (default 64 128; 32 with --loso)")
    ap.add_argument("--shrink", type=float, nargs="+",
                    help="within-class shrinkage to try (default 0.5; 0.8 with --loso)")
    ap.add_argument("--ties", type=int, nargs="+", default=[], help="only the tie sweep, for these prototype_k")
    ap.add_argument("--loso", action="store_true", help="only the leave-one-set-out projection over every call set")
    ap.add_argument("--classifier", action="store_true",
                    help="only the topic classifier learned on the other read sets, against the taxonomy's examples")
    args = ap.parse_args()
    from callintel.nlp.embed import embedder_from_settings
    from callintel.nlp.questions import load_cues
    from callintel.nlp.sentences import core_text
    from callintel.nlp.tokenize import tokenizer_from_settings

    settings = load_settings()
    cues = load_cues(settings)
    emb = embedder_from_settings(settings)
    tok = tokenizer_from_settings(settings)

    def core(text: str) -> str:
        return core_text(text, cues.leading_fillers, cues.trailing_fillers)

    def pos_core(text: str) -> str:
        words = [w for w in tok.words(text) if len(w) >= 2 and tok.flag(w)[:1] in ("n", "v")
                 and not tok.flag(w).startswith(NAME_FLAGS)]
        return "".join(words) or text

    if args.classifier:
        learned_classifier(core, emb, settings)
        return
    if args.loso:
        for dims in args.dims or [32]:
            for shrink in args.shrink or [0.8]:
                leave_one_set_out(core, emb, settings, dims, shrink)
        return
    args.dims, args.shrink = args.dims or [64, 128], args.shrink or [0.5]
    sets = {k: call_set(p, core) for k, p in SETS.items()}
    X = {k: emb.encode(s["texts"]) for k, s in sets.items()}
    if args.ties:
        for k, s in sets.items():
            for proto_k in args.ties:
                print(json.dumps({"set": k, **tie_figures(s, X[k], settings, proto_k)}), flush=True)
        return
    N = {k: emb.encode(list(s["names"].values())) for k, s in sets.items()}
    for k, s in sets.items():
        print(json.dumps({"set": k, "space": "raw", **figures(s, X[k], N[k])}), flush=True)
        print(json.dumps({"set": k, "space": "pos_core", **figures(s, emb.encode([pos_core(t) for t in s["texts"]]),
                                                                   N[k])}), flush=True)
    for shrink in args.shrink:
        for k, s in sets.items():
            other = next(o for o in sets if o != k)
            # a handful of topics spans at most (topics - 1) separating directions
            d = len(set(sets[other]["labels"])) - 1
            mu, W = fit_projection(X[other], sets[other]["labels"], d, shrink)
            print(json.dumps({"set": k, "space": f"lda_{other}", "trained_on": other, "dims": d, "shrink": shrink,
                              **figures(s, (X[k] - mu) @ W, (N[k] - mu) @ W)}), flush=True)
    texts, groups = paraphrase_groups(core)
    P = emb.encode(texts)
    for dims in args.dims:
        for shrink in args.shrink:
            mu, W = fit_projection(P, groups, dims, shrink)
            for k, s in sets.items():
                print(json.dumps({"set": k, "space": "lda_shared", "trained_on": "bq+insuranceqa_zh", "dims": dims,
                                  "shrink": shrink, **figures(s, (X[k] - mu) @ W, (N[k] - mu) @ W)}), flush=True)


if __name__ == "__main__":
    main()

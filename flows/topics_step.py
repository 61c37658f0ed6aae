"""Hot questions and call topics for the given nights: questions -> taxonomy -> clusters -> call topics.

For each night, oldest first: detect questions in customer turns, embed what the cache does
not have, then in one transaction undo any earlier run of the night; match each question to the
known topics of configs/topic_taxonomy.toml (key phrases, then nearest example; follow-ups are
marked), cluster the rest with all such questions of the previous [topics].pool_nights nights,
give each cluster the id of the existing topic it matches or a new one, store what changed
(earlier questions included: their topic is revised within the window), then give follow-ups the
topic of what they follow and every call its main topic (call_topics; "other" when nothing is
topical). Analysts' names (configs/topic_names.toml) are applied; topic_daily is recomputed at the end.
The rules live in nlp/taxonomy.py, nlp/call_topics.py and nlp/topics.py; this file only knows the order.
"""

from __future__ import annotations

import logging
import time
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from callintel.nlp.call_topics import STATEMENT, inherit, main_topic, refine_families
from callintel.nlp.cluster import unit
from callintel.nlp.embed import embedder_from_settings, text_key
from callintel.nlp.questions import detect_questions, load_cues
from callintel.nlp.sentences import dedupe_key
from callintel.nlp.taxonomy import (
    EXAMPLE,
    FOLLOW_UP,
    PHRASE,
    MatchOptions,
    Taxonomy,
    best_phrase,
    match_questions,
    phrase_scores,
)
from callintel.nlp.tokenize import tokenizer_from_settings
from callintel.nlp.topics import CentroidIndex, TopicOptions, plan_pool
from callintel.settings import Settings
from callintel.warehouse import topics as store
from callintel.warehouse.db import transaction

log = logging.getLogger(__name__)


def embed_cached(con: duckdb.DuckDBPyConnection, texts: list[str], settings: Settings) -> tuple[np.ndarray, int]:
    """Vectors for `texts` (unit rows), embedding only the ones not in embedding_cache; (X, newly embedded)."""
    model = settings["topics"]["model"]
    keys = [text_key(t) for t in texts]
    found = store.cached_vectors(con, sorted(set(keys)), model)
    todo = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
    if todo:
        new = embedder_from_settings(settings).encode([t for _, t in todo])
        store.store_vectors(con, [k for k, _ in todo], model, new)
        found.update({k: v for (k, _), v in zip(todo, new, strict=True)})
    if not texts:
        return np.zeros((0, 0), dtype=np.float32), 0
    return np.stack([found[k] for k in keys]).astype(np.float32), len(todo)


def load_taxonomy(settings: Settings) -> Taxonomy:
    """[topics].taxonomy, with the families of [topics.taxonomy_match].merge_families folded into one topic each."""
    return Taxonomy.load(settings.config_file(settings["topics"]["taxonomy"])).merged(
        settings["topics"]["taxonomy_match"]["merge_families"])


def load_names(settings: Settings) -> dict[int, str]:
    """Topic names analysts set: [names] of the file named by [topics].names (topic id = name)."""
    path = Path(settings.config_file(settings["topics"]["names"]))
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        return {int(k): str(v) for k, v in data.get("names", {}).items() if str(v).strip()}
    except ValueError as exc:
        raise ValueError(f"{path}: [names] keys must be topic ids (integers): {exc}") from exc


def known_topic_rows(con: duckdb.DuckDBPyConnection, taxonomy: Taxonomy, settings: Settings) -> tuple[
        list[dict[str, Any]], np.ndarray, list[str]]:
    """(rows for the taxonomy and "other" topics, unit example vectors, slug of each example)."""
    texts, slugs = taxonomy.examples()
    E, _ = embed_cached(con, texts, settings)
    rows = []
    for t in taxonomy.topics:
        own = [i for i, s in enumerate(slugs) if s == t.slug]
        centroid = unit(E[own].mean(axis=0)) if own else np.zeros(E.shape[1] if len(E) else 1, dtype=np.float32)
        rows.append({"slug": t.slug, "name": t.name, "source": "taxonomy", "centroid": centroid,
                     "representative": t.examples[0] if t.examples else t.name})
    dim = E.shape[1] if len(E) else 1
    rows.append({"slug": taxonomy.other_slug, "name": taxonomy.other_name, "source": "other",
                 "centroid": np.zeros(dim, dtype=np.float32), "representative": taxonomy.other_name})
    return rows, E, slugs


def _call_topics(con: duckdb.DuckDBPyConnection, night: date, turns_of: dict[str, list[tuple[int, str]]],
                 taxonomy: Taxonomy,
                 ids: dict[str, int], mopts: MatchOptions, settings: Settings) -> tuple[list[tuple], list[tuple], int]:
    """Follow-ups and general-family questions take their topic from the call; each call's main topic.

    Returns (question_topics rows to write, call_topics rows, questions left without topic).
    """
    texts = {c: "。".join(t for _, t in ts) for c, ts in turns_of.items()}
    by_call: dict[str, list[tuple]] = {c: [] for c in texts}
    for row in store.call_questions(con, night):
        by_call.setdefault(row[0], []).append(row)
    family = {ids[s]: f for s, f in taxonomy.families().items()}
    general = {f: ids[f] for f in set(taxonomy.families().values()) if f in ids}
    assign, calls, unclustered = [], [], 0
    no_vote: list[str] = []
    for call_id, qs in sorted(by_call.items()):
        topics = [q[5] for q in qs]
        methods = [FOLLOW_UP if q[3] == "follow_up" else q[6] for q in qs]
        turns = [q[2] for q in qs]
        final = refine_families(inherit(topics, methods, turns), family, general, turns)
        for q, old, new, m in zip(qs, topics, final, methods, strict=True):
            if new is not None and new != old:
                assign.append((q[1], int(new), 0.0, "context" if m == FOLLOW_UP else "family", night))
        unclustered += sum(1 for t in final if t is None)
        text_scores = {ids[s]: w for s, (w, _) in phrase_scores(texts.get(call_id, ""), taxonomy,
                                                               mopts.strong_weight).items()}
        own = [t if m != FOLLOW_UP else None for t, m in zip(refine_families(topics, family, general, turns),
                                                              methods, strict=True)]
        # customer turns without a question still say what the call is about: they vote, in turn order
        items = [(seq, t, m, q) for seq, t, m, q in zip(turns, own, methods, qs, strict=True)]
        asked = set(turns)
        for seq, text in turns_of.get(call_id, []):
            hit = best_phrase(text, taxonomy, mopts.strong_weight) if seq not in asked else None
            if hit is not None:
                items.append((seq, ids[hit[0]], STATEMENT, None))
        items.sort(key=lambda x: x[0])
        ct = main_topic([x[1] for x in items], [x[2] for x in items], text_scores, mopts, family, general)
        if ct.topic is None:
            no_vote.append(call_id)
        ev = items[ct.evidence][3] if ct.evidence >= 0 else None
        calls.append([call_id, night, ct.topic, ct.method, ct.score, ev[1] if ev else None, ev[4] if ev else None,
                      len(qs), sum(1 for t in final if t is None)])
    # calls with nothing topical said: their customer words to the nearest example, else "other"
    if no_vote:
        ex_texts, ex_slugs = taxonomy.examples()
        E, _ = embed_cached(con, ex_texts, settings)
        X, _ = embed_cached(con, [texts[c] for c in no_vote], settings)
        S = X @ E.T if len(E) and len(X) else np.zeros((len(no_vote), 0))
        best = {c: (ex_slugs[int(S[i].argmax())], float(S[i].max())) for i, c in enumerate(no_vote) if S.shape[1]}
        for row in calls:
            if row[2] is None:
                slug, sim = best.get(row[0], (None, 0.0))
                if slug is not None and sim >= mopts.call_example_threshold:
                    row[2], row[3], row[4] = ids[slug], "customer_text", round(sim, 4)
                else:
                    row[2], row[3], row[4] = ids[taxonomy.other_slug], "other", 0.0
    return assign, [tuple(r) for r in calls], unclustered


def run_night(con: duckdb.DuckDBPyConnection, night: date, settings: Settings) -> dict[str, Any]:
    cfg = settings["topics"]
    opts = TopicOptions.from_settings(cfg)
    mopts = MatchOptions.from_settings(cfg["taxonomy_match"])
    model = cfg["model"]
    cues = load_cues(settings)
    taxonomy = load_taxonomy(settings)
    turns = store.customer_turns(con, night)
    asked = {(c, s): at for c, s, _, at in turns}
    turns_of: dict[str, list[tuple[int, str]]] = {}
    for c, seq, t, _ in turns:
        turns_of.setdefault(c, []).append((seq, t or ""))
    found = detect_questions([(c, s, t) for c, s, t, _ in turns], cues)
    QX, embedded = embed_cached(con, [q.core for q in found], settings)  # outside the transaction: slow, idempotent
    known, E, ex_slugs = known_topic_rows(con, taxonomy, settings)
    matches = match_questions([q.core for q in found], QX, taxonomy, E, ex_slugs, mopts)
    rows = [(f"{q.call_id}:{q.seq}:{q.part}", q.call_id, q.seq, q.part, night, asked[(q.call_id, q.seq)], q.text,
             q.core, q.cue, text_key(q.core), "follow_up" if m[1] == FOLLOW_UP else "own")
            for q, m in zip(found, matches, strict=True)]

    with transaction(con):
        store.undo_night(con, night)
        store.write_questions(con, night, rows)
        known_ids = store.known_topics(con, known, night, model)
        store.write_assignments(con, [(r[0], known_ids[m[0]], m[2], m[1], night)
                                      for r, m in zip(rows, matches, strict=True)
                                      if m[1] in (PHRASE, EXAMPLE)])
        by_taxonomy = sum(1 for m in matches if m[1] in (PHRASE, EXAMPLE))
        follow_ups = sum(1 for m in matches if m[1] == FOLLOW_UP)
        if not any(m[1] is None for m in matches):  # nothing for clustering tonight: no revision of earlier nights
            ctx, call_rows, unclustered = _call_topics(con, night, turns_of, taxonomy, known_ids, mopts, settings)
            store.write_assignments(con, ctx)
            store.write_call_topics(con, night, call_rows)
            store.apply_names(con, load_names(settings))
            return {"questions": len(rows), "customer_turns": len(turns), "embedded": embedded, "pool": 0,
                    "by_taxonomy": by_taxonomy, "follow_ups": follow_ups, "by_context": len(ctx),
                    "absorbed": 0, "discovered": 0, "new_topics": 0, "kept_topics": 0, "moved": 0, "dropped": 0,
                    "unassigned": 0, "unclustered": unclustered, "calls": len(call_rows),
                    "calls_other": sum(1 for r in call_rows if r[3] == "other")}
        pool = store.pool_questions(con, night - timedelta(days=opts.pool_nights), night)
        X, late = embed_cached(con, [p[2] for p in pool], settings)
        ids, C = store.load_topics(con, model)
        index = CentroidIndex(C, opts.brute_force_topics, opts.ivf_probe, opts.cluster.seed)
        tok = tokenizer_from_settings(settings)
        plan = plan_pool(X, [dedupe_key(p[2]) for p in pool], [tok.tokens(p[2]) for p in pool], index, opts,
                         [p[1] for p in pool])
        target = {m: (int(ids[j]), s, "absorbed") for m, (j, s) in plan.existing.items()}
        first_id = store.next_topic_id(con)
        new_rows = []
        for n, t in enumerate(plan.new_topics):
            tid = first_id + n
            target.update({int(m): (tid, float(s), "discovered") for m, s in zip(t.members, t.similarity, strict=True)})
            new_rows.append({"topic_id": tid, "label": t.label, "keywords": t.keywords,
                             "representative": pool[t.medoid][1], "representative_question_id": pool[t.medoid][0],
                             "created_night": night, "initial_size": len(t.members), "model": model,
                             "centroid": t.centroid})
            if t.near >= 0:
                log.info("topics %s: new topic %d split from topic %d (its centroid is nearer another cluster)",
                         night, tid, int(ids[t.near]))
        # write only what changed: earlier questions keep their row (and its night) when their topic did not move
        out = [(pool[m][0], tid, sim, method, night) for m, (tid, sim, method) in sorted(target.items())
               if pool[m][5] != tid]
        dropped = [p[0] for i, p in enumerate(pool) if i not in target and p[5] is not None]
        store.write_topics(con, new_rows)
        store.drop_assignments(con, dropped)
        store.write_assignments(con, out)
        ctx, call_rows, unclustered = _call_topics(con, night, turns_of, taxonomy, known_ids, mopts, settings)
        store.write_assignments(con, ctx)
        store.write_call_topics(con, night, call_rows)
        store.apply_names(con, load_names(settings))
    had = {p[0] for p in pool if p[4] != night and p[5] is not None}
    earlier = sum(1 for o in out if o[0] in had)
    summary = {"questions": len(rows), "customer_turns": len(turns), "embedded": embedded + late, "pool": len(pool),
               "by_taxonomy": by_taxonomy, "follow_ups": follow_ups, "by_context": len(ctx),
               "unclustered": unclustered, "calls": len(call_rows),
               "calls_other": sum(1 for r in call_rows if r[3] == "other"),
               "absorbed": sum(1 for v in target.values() if v[2] == "absorbed"),
               "discovered": sum(1 for v in target.values() if v[2] == "discovered"),
               "new_topics": len(new_rows), "kept_topics": len(plan.kept), "split_topics": len(plan.contested),
               "moved": earlier, "dropped": len(dropped), "outside_centroid": plan.outside,
               "unassigned": len(pool) - len(target)}
    log.info("topics %s: %s", night, summary)
    return summary


def run(con: duckdb.DuckDBPyConnection, nights: list[date], settings: Settings) -> dict[str, Any]:
    """Topics for `nights` (oldest first), then topic_daily; returns counts per night and in all.

    A night's topics depend on every night before it (existing topics, pooled questions), so when
    an earlier night is rerun, the nights already processed after it are redone too: all of them are
    undone latest first, then run oldest first, which hands out the same topic ids as the first time.
    """
    t0 = time.perf_counter()
    nights = sorted(set(nights))
    if nights:
        later = [n for (n,) in con.execute("SELECT DISTINCT night FROM questions WHERE night > ?",
                                           [nights[0]]).fetchall()]
        nights = sorted(set(nights) | set(later))
        with transaction(con):
            for n in reversed(nights):
                store.undo_night(con, n)
    per_night = {str(n): run_night(con, n, settings) for n in nights}
    daily = 0
    if nights:
        with transaction(con):
            since = nights[0] - timedelta(days=int(settings["topics"]["pool_nights"]))
            daily = store.refresh_daily(con, since, settings["topics"]["trend"])
    totals = {k: sum(v[k] for v in per_night.values()) for k in
              ("questions", "embedded", "by_taxonomy", "follow_ups", "by_context", "absorbed", "discovered",
               "new_topics", "moved", "dropped", "unclustered", "calls", "calls_other")}
    return {**totals, "topic_daily_rows": daily, "nights": per_night, "seconds": round(time.perf_counter() - t0, 2)}

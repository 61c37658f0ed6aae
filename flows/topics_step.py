"""Hot questions for the given nights: questions -> embeddings -> topics -> topic_daily.

For each night, oldest first: detect questions in customer turns, embed what the cache does
not have, then in one transaction undo any earlier run of the night, cluster tonight's questions
with all questions of the previous [topics].pool_nights nights, give each cluster the id of the
existing topic it matches or a new one, and store what changed (earlier questions included:
their topic is revised within the window). topic_daily is recomputed at the end.
The rules live in nlp/topics.py; this file only knows the order.
"""

from __future__ import annotations

import logging
import time
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from callintel.nlp.embed import embedder_from_settings, text_key
from callintel.nlp.questions import detect_questions, load_cues
from callintel.nlp.sentences import dedupe_key
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


def run_night(con: duckdb.DuckDBPyConnection, night: date, settings: Settings) -> dict[str, Any]:
    cfg = settings["topics"]
    opts = TopicOptions.from_settings(cfg)
    model = cfg["model"]
    cues = load_cues(settings)
    turns = store.customer_turns(con, night)
    asked = {(c, s): at for c, s, _, at in turns}
    found = detect_questions([(c, s, t) for c, s, t, _ in turns], cues)
    rows = [(f"{q.call_id}:{q.seq}:{q.part}", q.call_id, q.seq, q.part, night, asked[(q.call_id, q.seq)], q.text,
             q.core, q.cue, text_key(q.core)) for q in found]
    _, embedded = embed_cached(con, [q.core for q in found], settings)  # outside the transaction: slow, idempotent

    with transaction(con):
        store.undo_night(con, night)
        store.write_questions(con, night, rows)
        if not rows:  # a night without questions changes nothing (no revision of earlier nights either)
            return {"questions": 0, "customer_turns": len(turns), "embedded": embedded, "pool": 0, "absorbed": 0,
                    "discovered": 0, "new_topics": 0, "kept_topics": 0, "moved": 0, "dropped": 0, "unassigned": 0}
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
    had = {p[0] for p in pool if p[4] != night and p[5] is not None}
    earlier = sum(1 for o in out if o[0] in had)
    summary = {"questions": len(rows), "customer_turns": len(turns), "embedded": embedded + late, "pool": len(pool),
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
            since = nights[0] - timedelta(days=int(settings["topics"].get("pool_nights", 7)))
            daily = store.refresh_daily(con, since, settings["topics"].get("trend", {}))
    totals = {k: sum(v[k] for v in per_night.values()) for k in
              ("questions", "embedded", "absorbed", "discovered", "new_topics", "moved", "dropped")}
    return {**totals, "topic_daily_rows": daily, "nights": per_night, "seconds": round(time.perf_counter() - t0, 2)}

"""Hot questions for the given nights: questions -> embeddings -> topics -> topic_daily.

For each night, oldest first: detect questions in customer turns, embed what the cache does
not have, then in one transaction undo any earlier run of the night, assign questions to
existing topics, cluster the rest (with the still-unassigned questions of the previous
[topics].pool_nights nights) into new topics, and store. topic_daily is recomputed at the end.
The rules live in nlp/topics.py; this file only knows the order.
"""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import duckdb
import numpy as np

from callintel.settings import Settings
from nlp.embed import embedder_from_settings, text_key
from nlp.questions import detect_questions, load_cues
from nlp.sentences import dedupe_key
from nlp.tokenize import tokenizer_from_settings
from nlp.topics import CentroidIndex, TopicOptions, assign, discover
from warehouse import topics as store
from warehouse.db import transaction


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
        pool = store.unassigned(con, night - timedelta(days=opts.pool_nights), night)
        X, late = embed_cached(con, [p[2] for p in pool], settings)
        ids, C = store.load_topics(con, model)
        index = CentroidIndex(C, opts.brute_force_topics, opts.ivf_probe, opts.cluster.seed)
        pos, sim = assign(X, index, opts.assign_threshold) if len(pool) else (np.zeros(0, int), np.zeros(0))
        out = [(pool[i][0], int(ids[pos[i]]), float(sim[i]), "assigned", night) for i in np.where(pos >= 0)[0]]
        rest = np.where(pos < 0)[0]
        tok = tokenizer_from_settings(settings)
        disc = discover(X[rest], [dedupe_key(pool[i][2]) for i in rest], [tok.tokens(pool[i][2]) for i in rest],
                        index, opts, [pool[i][1] for i in rest], np.array([pool[i][4] == night for i in rest]))
        out += [(pool[rest[m]][0], int(ids[j]), s, "absorbed", night) for m, (j, s) in sorted(disc.absorbed.items())]
        first_id = store.next_topic_id(con)
        new_rows = []
        for n, t in enumerate(disc.new_topics):
            tid = first_id + n
            out += [(pool[rest[m]][0], tid, float(s), "discovered", night)
                    for m, s in zip(t.members, t.similarity, strict=True)]
            new_rows.append({"topic_id": tid, "label": t.label, "keywords": t.keywords,
                             "representative": pool[rest[t.medoid]][1],
                             "representative_question_id": pool[rest[t.medoid]][0], "created_night": night,
                             "initial_size": len(t.members), "model": model, "centroid": t.centroid})
        store.write_topics(con, new_rows)
        store.write_assignments(con, out)
    methods = [o[3] for o in out]
    return {"questions": len(rows), "customer_turns": len(turns), "embedded": embedded + late,
            "pool": len(pool), "assigned": methods.count("assigned"), "absorbed": methods.count("absorbed"),
            "discovered": methods.count("discovered"), "new_topics": len(new_rows),
            "unassigned": len(pool) - len(out)}


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
              ("questions", "embedded", "assigned", "absorbed", "discovered", "new_topics")}
    return {**totals, "topic_daily_rows": daily, "nights": per_night, "seconds": round(time.perf_counter() - t0, 2)}

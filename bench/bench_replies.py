"""Replies step figures: the per-call pick (learned ranker vs hand-set weights) on the development calls, and the
library's refresh of every stored row's outcome at warehouse scale.

    .venv/bin/python bench/bench_replies.py [--data ../shared/data] [--rows 30000]

Prints one JSON object per line; nothing is asserted (tests hold the checks). rank_library is a Python loop
merges near-duplicates per topic and objection through an inverted index of the group leaders' bigrams
(nlp/reply_library.py) and writes the placements in one statement. At 30,000 rows on the shared 2-core machine
(load ~9): before 51.9 s (a linear scan of every group per reply and one UPDATE per row), after 0.41 s; the refresh
0.05 s.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_reply_ranker import truth_calls  # noqa: E402

from callintel.nlp.outcomes import lexicon_from_settings  # noqa: E402
from callintel.nlp.replies import call_cues_from_settings, reply_candidates  # noqa: E402
from callintel.nlp.reply_ranker import RankerModel  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.speech.text import TextCleaner  # noqa: E402
from callintel.warehouse.db import connect  # noqa: E402
from callintel.warehouse.replies import rank_library, score_by_outcome  # noqa: E402


def pick_speed(data: Path) -> dict:
    settings = load_settings()
    lex, cues = lexicon_from_settings(settings), call_cues_from_settings(settings)
    ranker = RankerModel.from_settings(settings)
    cleaner = TextCleaner.from_settings(settings)
    calls = [t for name in ("calls", "calls_health") for t, _ in truth_calls(data / name / "dialogues.json", cleaner)]
    out = {"calls": len(calls)}
    for label, model in (("hand", None), ("ranker", ranker)):
        t0 = time.perf_counter()
        for turns in calls * 5:
            reply_candidates(turns, lex, cues, model)
        out[f"ms_per_call_{label}"] = round((time.perf_counter() - t0) * 1000 / (5 * len(calls)), 2)
    return out


def refresh_speed(rows: int) -> dict:
    """reply_candidates of rows / 3 calls, their outcomes and topics, then score_by_outcome and rank_library as a
    night ends."""
    settings = load_settings()
    weights = call_cues_from_settings(settings).weights
    with tempfile.TemporaryDirectory() as tmp:
        con = connect(Path(tmp) / "w.duckdb")
        n_calls = rows // 3
        con.execute("""INSERT INTO call_outcomes (call_id, night, started_at, local_hour, n_turns, score, rule_score,
                           method, dialogue_label, label, escalated, unanswered, evidence, evidence_text, versions,
                           scored_at)
                       SELECT 'C' || i, DATE '2026-11-01', TIMESTAMPTZ '2026-11-01 09:00:00+08', 9, 12, 0.3, 0.3,
                           'model', CASE WHEN i % 3 = 0 THEN 'unresolved' ELSE 'resolved' END, 'x', false, false,
                           '[]', '', '', now() FROM range(?) t(i)""", [n_calls])
        con.execute("UPDATE call_outcomes SET resolved_in_call = dialogue_label = 'resolved', "
                    "fcr_failed = (hash(call_id) % 10 = 0)")
        con.execute("""INSERT INTO repeat_contacts (call_id, started_at, flag, is_repeat, has_repeat, fcr_override,
                           window_days) SELECT call_id, started_at, 'ok', false, false, false, 7 FROM call_outcomes""")
        con.execute("""INSERT INTO call_topics (call_id, night, topic_id, method, score, questions, unclustered,
                           assigned_at) SELECT 'C' || i, DATE '2026-11-01', i % 40, 'questions', 1, 1, 0, now()
                       FROM range(?) t(i)""", [n_calls])
        con.execute("""INSERT INTO reply_candidates (call_id, started_at, question_turn, question, objection,
                           reply_turn, reply, reply_score, reasons, followed, is_best, score, script_group,
                           similar_replies, scored_at)
                       SELECT 'C' || (i // 3), TIMESTAMPTZ '2026-11-01 09:00:00+08', i % 3 * 2 + 1,
                           '问题' || i, CASE WHEN i % 7 = 0 THEN '价格太贵' END, i % 3 * 2 + 2,
                           '回答' || (i % 5000) || '，这是关于保单的具体说明，包括时间和金额。', (i % 11) / 2.0,
                           'answer', CASE WHEN i % 13 = 0 THEN 'rejected' ELSE 'accepted' END, i % 3 = 0, 0,
                           'C' || i, 1, now() FROM range(?) t(i)""", [n_calls * 3])
        t0 = time.perf_counter()
        worked = score_by_outcome(con, weights)
        t1 = time.perf_counter()
        kept = rank_library(con, settings["replies"]["per_group"], settings["replies"]["merge_similarity"])
        t2 = time.perf_counter()
        con.close()
    return {"reply_rows": n_calls * 3, "worked": worked, "library": kept, "score_by_outcome_s": round(t1 - t0, 2),
            "rank_library_s": round(t2 - t1, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--rows", type=int, default=30_000)
    args = parser.parse_args()
    print(json.dumps({"bench": "reply_pick", **pick_speed(args.data)}))
    print(json.dumps({"bench": "library_refresh", **refresh_speed(args.rows)}))


if __name__ == "__main__":
    main()

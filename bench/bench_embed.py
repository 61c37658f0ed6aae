"""How fast the embedder turns a night's texts into vectors, by how texts are batched ([topics] embed_batch_chars).

    .venv/bin/python bench/bench_embed.py                       # 0 (by count alone) and the shipped budget
    .venv/bin/python bench/bench_embed.py --budgets 0 2048 4096 8192 --repeats 3

A night embeds two kinds of text: questions (a sentence, ~20 characters) and whole calls (the customer's words, and
the agent's for the grouping of novel calls: hundreds of characters each, cut at the model's 512 tokens). Both come
from the two development sets (../shared/data calls and calls_health, read in place), as the topics step makes them
(nlp/call_topics.py call_text of each side's turns; the truth questions' turns as the questions). For each budget
the bench prints texts per second and characters per second of each kind (best of --repeats, after one warm-up
batch), the largest difference of any vector from the ones batched by count alone (padding is masked, so it should
be float noise), and the process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.model_files import hub_offline  # noqa: E402
from callintel.settings import load_settings  # noqa: E402

hub_offline()
DATA = ROOT.parent / "shared" / "data"


def texts() -> dict[str, list[str]]:
    """The development sets' calls (customer and agent side, each as one text) and their questions' turns."""
    from callintel.evaluation.calls import dialogues_file, load_dialogues
    from callintel.nlp.call_topics import call_text

    calls, questions = [], []
    for folder in (DATA, DATA / "calls_health"):
        for call in load_dialogues(dialogues_file(folder)):
            turns = call["turns"]
            for side in ("customer", "agent"):
                said = [(i, str(t.get("text") or "")) for i, t in enumerate(turns) if t.get("speaker") == side]
                if said:
                    calls.append(call_text(said))
            questions += [str(turns[q["turn"]].get("text") or "") for q in call["truth"]["questions"]
                          if q["turn"] < len(turns)]
    return {"calls": calls, "questions": [q for q in dict.fromkeys(questions) if q]}


def main() -> None:
    import numpy as np

    from callintel.model_files import embedding_model_dir
    from callintel.nlp.embed import Embedder

    settings = load_settings()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", type=int, nargs="+", default=[0, int(settings["topics"]["embed_batch_chars"])])
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    cfg = settings["topics"]
    model_dir = embedding_model_dir(settings, cfg["model"])
    kinds = texts()
    reference: dict[str, np.ndarray] = {}
    for budget in args.budgets:
        emb = Embedder(model_dir, cfg["model"], int(cfg["embed_batch_size"]), int(cfg["embed_threads"]), budget)
        emb.encode(kinds["questions"][:8])   # warm-up
        row: dict[str, object] = {"batch_chars": budget, "batch_size": emb.batch_size}
        for kind, items in kinds.items():
            best, vectors = float("inf"), None
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                vectors = emb.encode(items)
                best = min(best, time.perf_counter() - t0)
            reference.setdefault(kind, vectors)
            row[f"{kind}_n"] = len(items)
            row[f"{kind}_per_s"] = round(len(items) / best, 1)
            row[f"{kind}_chars_per_s"] = round(sum(len(t) for t in items) / best)
            row[f"{kind}_max_diff"] = float(np.abs(vectors - reference[kind]).max())
        row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

"""Train the learned topic classifier (nlp/topic_classifier.py) on the read call sets, each measured with it fitted on
the others.

    .venv/bin/python scripts/train_topic_classifier.py               # left-out figures, writes the model file
    .venv/bin/python scripts/train_topic_classifier.py --no-write    # figures only

Each set's TRUE questions of the topics the default taxonomy lists (by slug or [eval.calls] topic_aliases), their
cores as the night embeds them, are the training rows, with the taxonomy's own example questions; a multinomial
logistic model (balanced classes, C 10) over m3e-small vectors. Sets: the two development sets and [training]
read_sets. Figures: per set, the share of its listed questions sent to their own topic by the night's example model
(nlp/taxonomy.py example_model, fitted on the examples alone) and by this model fitted on the OTHER sets (left out);
bench/calls_agri and bench/calls_pension (read, never trained on) with the shipped model. The file's meta keeps
them. Same bytes for the same data and embedder.
Measured 2026-12-07 (examples only -> learned, left out): see the file's meta and bench/bench_topic_space.py
--classifier (fitted on seven read sets a time).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cross_set import project_read_sets  # noqa: E402

from callintel.model_files import hub_offline  # noqa: E402
from callintel.settings import load_settings  # noqa: E402

hub_offline()
SHARED = ROOT.parent / "shared" / "data"
HELD_OUT = {"calls_agri": ROOT / "bench" / "calls_agri", "calls_pension": ROOT / "bench" / "calls_pension"}
C = 10.0          # inverse regularisation: flat over 1-10 on the left-out sets (bench --classifier), 10 the best
OUT = ROOT / "configs" / "models" / "topic_classifier.json"


def listed_questions(path: Path, core, listed: set[str], aliases: dict[str, str]) -> tuple[list[str], list[str]]:
    """(cores, taxonomy slugs) of the set's true questions whose topic the taxonomy lists."""
    from callintel.evaluation.calls import load_dialogues

    texts, slugs = [], []
    for c in load_dialogues(path):
        for q in c["truth"]["questions"]:
            slug = aliases.get(q.get("topic"), q.get("topic"))
            if slug in listed:
                texts.append(core(q["text"]))
                slugs.append(slug)
    return texts, slugs


def _shown(path: Path) -> str:
    """A training file as the meta names it, the same on every machine: data/... (../shared/data) or the project's."""
    if path.is_relative_to(SHARED):
        return str(Path("data") / path.relative_to(SHARED))
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def fit(X: np.ndarray, y: list[str]):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=5000, class_weight="balanced").fit(X, y)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="print the figures only")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write the model file")
    args = ap.parse_args()

    from callintel.evaluation.calls import dialogues_file
    from callintel.nlp.cluster import unit
    from callintel.nlp.embed import embedder_from_settings
    from callintel.nlp.questions import load_cues
    from callintel.nlp.sentences import core_text
    from callintel.nlp.taxonomy import example_model, load_taxonomy
    from callintel.nlp.topic_classifier import TopicClassifier

    settings = load_settings()
    cues = load_cues(settings)
    taxonomy = load_taxonomy(settings)
    aliases = dict(settings["eval"]["calls"]["topic_aliases"])
    ex_texts, ex_slugs = taxonomy.examples()
    emb = embedder_from_settings(settings)

    def core(text: str) -> str:
        return core_text(text, cues.leading_fillers, cues.trailing_fillers)

    E = unit(emb.encode(list(ex_texts)))
    folders = {"calls": SHARED, "calls_health": SHARED / "calls_health"} | project_read_sets(settings)
    files = {name: dialogues_file(folder) for name, folder in folders.items()}
    sets = {name: listed_questions(f, core, set(ex_slugs), aliases) for name, f in files.items()}
    X = {name: unit(emb.encode(t)) for name, (t, _) in sets.items()}

    def model_on(names: list[str]):
        return fit(np.vstack([X[n] for n in names] + [E]), [s for n in names for s in sets[n][1]] + list(ex_slugs))

    def accuracy(pred, slugs: list[str]) -> float:
        return round(float(np.mean(np.asarray(pred) == np.asarray(slugs))), 4)

    c_examples = settings["topics"]["taxonomy_match"]["example_model_c"]

    def examples_only_acc(Xs: np.ndarray, slugs: list[str]) -> float:
        return accuracy(example_model(Xs, E, list(ex_slugs), c_examples)[0], slugs)

    left_out, examples_only = {}, {}
    for name, (_, slugs) in sets.items():
        left_out[name] = accuracy(model_on([n for n in sets if n != name]).predict(X[name]), slugs)
        examples_only[name] = examples_only_acc(X[name], slugs)
    model = model_on(list(sets))
    shipped = TopicClassifier(tuple(str(c) for c in model.classes_), model.coef_, model.intercept_)
    # the file's own arithmetic is the library's
    probe = np.vstack([X[n][:5] for n in sets])
    assert np.allclose(shipped.probability(probe), model.predict_proba(probe), atol=1e-6)
    held = {}
    for name, folder in HELD_OUT.items():
        if folder.exists():
            texts, slugs = listed_questions(dialogues_file(folder), core, set(ex_slugs), aliases)
            Xh = unit(emb.encode(texts))
            held[name] = {"learned": accuracy(model.predict(Xh), slugs), "examples_only": examples_only_acc(Xh, slugs)}
    meta = {"C": C, "class_weight": "balanced", "embedder": settings["topics"]["model"],
            "listed_acc_left_out": left_out, "listed_acc_examples_only": examples_only,
            "listed_acc_held_out": held,
            "trained_on": {name: {"file": _shown(f),
                                  "questions": len(sets[name][1]),
                                  "sha256": hashlib.sha256(f.read_bytes()).hexdigest()}
                           for name, f in files.items()},
            "examples": len(ex_texts)}
    print(json.dumps(meta, ensure_ascii=False))
    if not args.no_write:
        args.out.write_text(shipped.to_file(meta).to_json(separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

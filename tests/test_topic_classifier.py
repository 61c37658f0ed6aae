"""The learned topic classifier: its file, its arithmetic, and which questions it may file (nlp/topic_classifier.py)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from callintel.model_json import ModelFileError
from callintel.nlp.taxonomy import EXAMPLE, PHRASE, Match, load_taxonomy
from callintel.nlp.topic_classifier import (
    TopicClassifier,
    configured_classifier,
    file_left_questions,
    learned_topics,
    load_classifier,
)
from callintel.settings import PROJECT_ROOT, load_settings


def test_shipped_classifier_names_the_default_taxonomy_topics_and_says_what_it_was_measured_on():
    settings = load_settings()
    model = configured_classifier(settings)
    assert model is not None
    slugs = set(load_taxonomy(settings).examples()[1])
    assert set(model.classes) <= slugs and len(model.classes) >= 10
    p = model.probability(np.random.default_rng(0).normal(size=(3, model.coef.shape[1])))
    assert np.allclose(p.sum(axis=1), 1.0) and (p >= 0).all()
    meta = json.loads((PROJECT_ROOT / "configs" / "models" / "topic_classifier.json").read_text())["meta"]
    # every training set measured left out, beside the examples-only model, and the read sets it never saw
    assert set(meta["listed_acc_left_out"]) == set(meta["trained_on"]) == set(meta["listed_acc_examples_only"])
    assert set(meta["listed_acc_held_out"]) == {"calls_agri", "calls_pension"}


def test_eval_says_what_the_topic_classifier_learned_on():
    """`eval calls` reports the topic figures of the sets the classifier learned on as in-sample, from its meta, with
    each one's left-out figure, and says so when no classifier is set."""
    from callintel.evaluation.calls import _classifier_provenance

    settings = load_settings()
    said = _classifier_provenance(settings)
    meta = json.loads((PROJECT_ROOT / "configs" / "models" / "topic_classifier.json").read_text())["meta"]
    assert "in-sample" in said and all(name in said for name in meta["trained_on"]), said
    off = settings.with_overrides({"topics": {"learned_match": {"model": ""}}})
    assert _classifier_provenance(off).endswith("no learned classifier")


def test_the_file_holds_the_fitted_model(tmp_path):
    """What the trainer writes gives sklearn's probabilities back (six decimals kept)."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(3, 8))
    X = np.vstack([c + 0.3 * rng.normal(size=(20, 8)) for c in centres])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    y = [s for s in ("claim_status", "surrender", "purchase") for _ in range(20)]
    fitted = LogisticRegression(C=10.0, max_iter=5000).fit(X, y)
    path = tmp_path / "m.json"
    path.write_text(TopicClassifier(tuple(fitted.classes_), fitted.coef_, fitted.intercept_).to_file(
        {"note": "test"}).to_json())
    back = load_classifier(path)
    assert back.classes == tuple(fitted.classes_)
    assert np.allclose(back.probability(X), fitted.predict_proba(X), atol=1e-5)


def test_a_broken_file_says_how_to_make_the_right_one(tmp_path):
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"kind": "topic_classifier", "version": 1, "weights": {"a": 0.0}, "meta": {},
                                "classes": ["a", "b"], "coef": [[1.0, 0.0]]}))
    with pytest.raises(ModelFileError, match="train_topic_classifier"):
        load_classifier(path)


def _two_topics() -> TopicClassifier:
    """Unit vectors along the first axis are claim_status, along the second surrender, along the third purchase."""
    return TopicClassifier(("claim_status", "surrender", "purchase"), 10.0 * np.eye(3), np.zeros(3))


def test_only_questions_no_rule_decided_of_calls_not_judged_novel_are_filed():
    model = _two_topics()
    vectors = {"c1#1": [1.0, 0.0, 0.0], "c1#2": [0.0, 1.0, 0.0], "c2#1": [1.0, 0.0, 0.0], "c1#3": [0.0, 1.0, 0.0],
               "c1#4": [0.0, 0.0, 1.0], "c1#5": [1.0, 1.0, 1.0]}
    matches = [Match("c1#1", None, None, 0.0),              # undecided, its call explained: filed
               Match("c1#2", "surrender", PHRASE, 2.0),     # a key phrase decided it: kept
               Match("c2#1", None, None, 0.0),              # its call judged novel: left to discovery
               Match("c1#3", None, "context", 0.0),         # a follow-up: inherits, as before
               Match("c1#4", None, None, 0.0),              # its topic is not in the taxonomy in use
               Match("c1#5", None, None, 0.0)]              # no topic probable enough
    got = file_left_questions(matches, {"c2#1"}, lambda q: np.asarray(vectors[q]), model,
                              {"claim_status", "surrender"}, 0.5, EXAMPLE)
    assert got[0].slug == "claim_status" and got[0].method == EXAMPLE and got[0].score > 0.99
    assert got[1:] == matches[1:]


def test_learned_topics_reads_unit_length_and_an_empty_night():
    model = _two_topics()
    assert learned_topics(np.zeros((0, 3)), model, {"claim_status"}, 0.3) == []
    (got,) = learned_topics(np.asarray([[7.0, 0.0, 0.0]]), model, {"claim_status"}, 0.3)
    assert got is not None and got[0] == "claim_status"


@pytest.mark.slow
def test_the_trainer_writes_the_shipped_model(tmp_path, shared_data):
    """scripts/train_topic_classifier.py on the read sets gives the shipped file's classes and probabilities (to 1e-3:
    another processor moves the embeddings' floats a little, and the fit's flat directions move the weights more)."""
    out = tmp_path / "topic_classifier.json"
    subprocess.run([sys.executable, str(PROJECT_ROOT / "scripts" / "train_topic_classifier.py"), "--out", str(out)],
                   check=True, cwd=PROJECT_ROOT, capture_output=True)
    shipped = load_classifier(PROJECT_ROOT / "configs" / "models" / "topic_classifier.json")
    made = load_classifier(out)
    assert made.classes == shipped.classes
    X = np.random.default_rng(0).normal(size=(200, shipped.coef.shape[1]))
    gap = float(np.abs(made.probability(X) - shipped.probability(X)).max())
    assert gap < 1e-3, (gap, float(np.abs(made.coef - shipped.coef).max()))

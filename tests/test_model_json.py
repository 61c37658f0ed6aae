"""The trained model files share one shape and one reader: each shipped file loads as its kind, a file of another
kind, a newer layout, broken JSON or no file at all fails with the file's name and how to make the right one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonclose import close

from callintel import model_json
from callintel.model_json import ModelFile, ModelFileError
from callintel.nlp.novelty_model import KIND, load_model
from callintel.nlp.outcomes import ResolutionModel
from callintel.nlp.replies import REPLY_WEIGHTS, load_reply_weights
from callintel.nlp.reply_ranker import RankerModel
from callintel.nlp.topic_classifier import KIND as TOPIC_CLASSIFIER
from callintel.nlp.topic_classifier import load_classifier
from callintel.settings import load_settings
from callintel.speech.vocabulary import GATE_KIND

SETTINGS = load_settings()
ROOT = Path(__file__).resolve().parents[1]


def _shipped(section: str, key: str) -> Path:
    path = model_json.configured(SETTINGS, section, key)
    assert path is not None and path.is_file(), (section, key)
    return path


def test_every_shipped_model_file_has_the_common_head():
    files = {("outcomes", "model"): ResolutionModel.KIND, ("replies", "ranker"): RankerModel.KIND,
             ("outcomes", "reply_model"): REPLY_WEIGHTS, ("speech", "vocabulary_gate_model"): GATE_KIND}
    for (section, key), kind in files.items():
        raw = json.loads(_shipped(section, key).read_text(encoding="utf-8"))
        assert raw["kind"] == kind and raw["version"] == model_json.VERSION and raw["weights"] and raw["meta"]
    assert RankerModel.from_settings(SETTINGS).weights == model_json.read(_shipped("replies", "ranker"),
                                                                          RankerModel.KIND, "").weights
    assert load_reply_weights(_shipped("outcomes", "reply_model"))
    novelty = SETTINGS.config_file("models/novelty_lr.json")   # shipped, [topics.novelty] model
    raw = json.loads(novelty.read_text(encoding="utf-8"))
    assert raw["kind"] == KIND and raw["version"] == model_json.VERSION and raw["weights"] and raw["meta"]
    assert load_model(str(novelty)).features == tuple(raw["features"])
    classifier = _shipped("topics.learned_match", "model")   # a nested table by its dotted name
    raw = json.loads(classifier.read_text(encoding="utf-8"))
    assert raw["kind"] == TOPIC_CLASSIFIER and raw["version"] == model_json.VERSION and raw["weights"] and raw["meta"]
    assert load_classifier(classifier).classes == tuple(raw["classes"])


def test_a_model_is_read_once_per_version_of_its_file(tmp_path):
    """A step asks for its model every night of a run: the file is read once, and again when a trainer rewrites it
    (a new modification time), never served stale."""
    import os

    reads: list[str] = []

    def load(path: str) -> float:
        reads.append(path)
        return model_json.read(path, "demo", "retrain it").weights["a"]

    get = model_json.read_once(load)
    path = tmp_path / "m.json"
    path.write_text(ModelFile("demo", {"a": 1.0}).to_json(), encoding="utf-8")
    assert [get(path), get(str(path))] == [1.0, 1.0] and len(reads) == 1
    path.write_text(ModelFile("demo", {"a": 2.0}).to_json(), encoding="utf-8")
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    assert get(path) == 2.0 and len(reads) == 2
    with pytest.raises(ModelFileError, match="not found"):   # a missing file still fails with the reader's error
        get(tmp_path / "gone.json")
    assert model_json.configured(SETTINGS.with_overrides({"topics": {"learned_match": {"model": ""}}}),
                                 "topics.learned_match", "model") is None


def test_a_model_round_trips_with_its_own_parts(tmp_path):
    model = ModelFile("demo", {"a": 1.5, "b": -2.0}, {"trained_on": ["x"]}, {"intercept": 0.25})
    path = tmp_path / "m.json"
    path.write_text(model.to_json(indent=1), encoding="utf-8")
    again = model_json.read(path, "demo", "retrain it")
    assert (again.weights, again.meta, again.body, again.version) == (model.weights, model.meta, model.body, 1)
    assert again.path == str(path)


@pytest.mark.parametrize(("content", "said"), [
    (None, "demo model file not found"),
    ("{not json", "is not a JSON model file"),
    ('{"weights": {}}', "is a kind-less model file, not demo"),
    ('{"kind": "logistic", "weights": {}}', "is a logistic model file, not demo"),
    ('{"kind": "demo", "version": 99, "weights": {}}', "layout 99"),
    ('{"kind": "demo", "version": 1}', "without weights"),
])
def test_a_wrong_model_file_says_which_file_and_what_to_do(tmp_path, content, said):
    path = tmp_path / "m.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ModelFileError, match=said) as err:
        model_json.read(path, "demo", "run scripts/train_demo.py")
    assert str(path) in str(err.value) and err.value.args[0].endswith("run scripts/train_demo.py")


def test_an_empty_setting_means_no_model():
    settings = SETTINGS.with_overrides({"replies": {"ranker": ""}, "outcomes": {"model": ""}})
    assert RankerModel.from_settings(settings) is None and ResolutionModel.from_settings(settings) is None


@pytest.mark.slow  # builds the four read sets' warehouses and every leave-topics-out fold (~3 min)
def test_the_shipped_novelty_model_is_the_one_its_trainer_writes(tmp_path: Path, shared_data: Path):
    """configs/models/novelty_lr.json comes from scripts/train_novelty.py on the read call sets (fresh warehouses:
    a kept folder would train on a pipeline that has since changed): the same keys and values to 1e-5; another
    processor's float rounding in the embeddings moves them by about 1e-7."""
    out = tmp_path / "novelty_lr.json"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "train_novelty.py"), "--work", str(tmp_path / "w"),
                    "--out", str(out)], check=True, capture_output=True, cwd=ROOT)
    assert close(json.loads(out.read_text(encoding="utf-8")),
                 json.loads((ROOT / "configs" / "models" / "novelty_lr.json").read_text(encoding="utf-8")))


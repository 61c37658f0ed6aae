"""A deployment's own copy of a lexicon, made from an older release, still runs: the keys it lacks come from the
shipped file and the log names them; a value of the wrong type stops the load naming file and key."""

from __future__ import annotations

import json
import logging
import re
import tomllib
from pathlib import Path

import pytest

from callintel.lexicon_files import LexiconFileError, read_lexicon
from callintel.nlp.profiles import extract
from callintel.nlp.profiles.reader import load_lexicon
from callintel.nlp.questions import QuestionCues, question_cue
from callintel.settings import CONFIG_DIR
from callintel.speech.roles import SpeakerCues


def _toml(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _without(name: str, section: str | None, key: str, tmp_path: Path) -> Path:
    """The shipped file less one key (as an older release's copy lacks a key added since)."""
    data = tomllib.loads((CONFIG_DIR / name).read_text(encoding="utf-8"))
    del (data[section] if section else data)[key]
    lines = [f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for table, keys in ((k, v) for k, v in data.items() if isinstance(v, dict)):
        lines += [f"[{table}]"] + [f"{json.dumps(k, ensure_ascii=False)} = {_toml(v)}" for k, v in keys.items()]
    out = tmp_path / name
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert tomllib.loads(out.read_text(encoding="utf-8")) == data
    return out


def test_an_old_profile_patterns_copy_runs_with_the_shipped_value_and_says_so(tmp_path, caplog):
    old = _without("profile_patterns.toml", "children", "order", tmp_path)
    with caplog.at_level(logging.WARNING, logger="callintel.lexicon_files"):
        lex = load_lexicon(str(old))
    assert lex["children"]["order"] == tomllib.loads((CONFIG_DIR / "profile_patterns.toml").read_text(
        encoding="utf-8"))["children"]["order"]
    assert "[children] order" in caplog.text and str(old) in caplog.text
    # the step that reads the key runs on it: two children told apart by birth order
    facts = {f.field: f.value for f in extract([("customer", "我家老大八岁，老二三岁。")], lex)}
    assert facts.get("children") == "2"


def test_an_old_question_cues_copy_still_reads_questions(tmp_path, caplog):
    old = _without("question_cues.toml", None, "benefactive", tmp_path)
    with caplog.at_level(logging.WARNING, logger="callintel.lexicon_files"):
        cues = QuestionCues.load(old)
    assert cues.benefactive and "benefactive" in caplog.text
    assert question_cue("能不能寄一份纸质合同给我", cues) is not None


def test_an_old_speaker_cues_copy_takes_the_shipped_value(tmp_path, caplog):
    old = _without("speaker_cues.toml", None, "greeting_within", tmp_path)
    with caplog.at_level(logging.WARNING, logger="callintel.lexicon_files"):
        cues = SpeakerCues.load(old)
    assert cues.greeting_within == SpeakerCues.load(CONFIG_DIR / "speaker_cues.toml").greeting_within
    assert "greeting_within" in caplog.text


def test_the_shipped_file_and_a_complete_copy_say_nothing(tmp_path, caplog):
    copy = tmp_path / "question_cues.toml"
    copy.write_text((CONFIG_DIR / "question_cues.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="callintel.lexicon_files"):
        assert read_lexicon(copy, "question_cues.toml", "[topics] question_cues") == read_lexicon(
            CONFIG_DIR / "question_cues.toml", "question_cues.toml", "[topics] question_cues")
    assert caplog.text == ""


def test_a_deployments_own_table_is_kept_whole(tmp_path):
    """[children] counts is the deployment's mapping: a word it removed is not put back from the shipped file."""
    (tmp_path / "p.toml").write_text('[children]\ncounts = {"一个" = 1}\n', encoding="utf-8")
    data = read_lexicon(tmp_path / "p.toml", "profile_patterns.toml", "[profiles] patterns")
    assert data["children"]["counts"] == {"一个": 1}
    assert data["children"]["nouns"] and data["person"]["self"]   # what it lacks, from the shipped file


@pytest.mark.parametrize("body, names", [
    ('[children]\norder = ["老大"]\n', "[children] order"),
    ("benefactive = 3\n", "benefactive"),
])
def test_a_value_of_the_wrong_type_is_an_error_naming_file_and_key(tmp_path, body, names):
    name = "profile_patterns.toml" if "children" in body else "question_cues.toml"
    (tmp_path / name).write_text(body, encoding="utf-8")
    with pytest.raises(LexiconFileError, match=re.escape(names)) as err:
        read_lexicon(tmp_path / name, name, "[profiles] patterns")
    assert str(tmp_path / name) in str(err.value)


def test_a_missing_or_broken_file_is_an_error_naming_the_setting(tmp_path):
    with pytest.raises(LexiconFileError, match=r"\[topics\] question_cues"):
        read_lexicon(tmp_path / "none.toml", "question_cues.toml", "[topics] question_cues")
    (tmp_path / "bad.toml").write_text("benefactive = [\n", encoding="utf-8")
    with pytest.raises(LexiconFileError, match="not valid TOML"):
        read_lexicon(tmp_path / "bad.toml", "question_cues.toml", "[topics] question_cues")

"""`eval calls` on a dialogues file nobody here wrote: what cannot be measured is left out and said, never a crash."""

from __future__ import annotations

import copy
import json

from typer.testing import CliRunner

from callintel.evaluation import calls as ev
from callintel.evaluation.calls_truth import checked_calls
from callintel.flows.cli import app
from callintel.settings import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "samples"


def _sample_calls() -> list[dict]:
    return ev.load_dialogues(ev.dialogues_file(SAMPLES))


def _flawed(calls: list[dict]) -> list[dict]:
    """The sample calls with the flaws a set written elsewhere has, one per call."""
    calls = copy.deepcopy(calls)
    calls[0]["truth"]["topic"] = None                                   # a wrong number: no topic
    for turn in calls[1]["turns"]:                                      # speakers in the centre's own words
        turn["speaker"] = {"agent": "坐席", "customer": "客户"}[turn["speaker"]]
    calls[2]["truth"].pop("questions")
    calls[2]["truth"]["profile"] = {"age": None, "city": "杭州"}        # a field without a value, a bare value
    calls[3]["started_at"] = calls[3]["started_at"][:19]                # no UTC offset
    calls[4]["truth"]["best_agent_reply"] = {"turn": 999}
    calls[5]["turns"][0]["speaker"] = "robot"                           # neither side: the call cannot land
    calls.append(copy.deepcopy(calls[6]))                               # listed twice
    calls.append("not a call")
    return calls


def test_checked_calls_keep_what_can_be_measured_and_say_the_rest(settings):
    raw = _flawed(_sample_calls())
    calls, problems = checked_calls(raw, settings)
    by_id = {c["call_id"]: c for c in calls}
    assert len(calls) == len(raw) - 3                                  # the robot's call, the repeat, the string
    assert raw[5]["call_id"] not in by_id
    assert by_id[raw[0]["call_id"]]["truth"]["topic"] is None
    assert {t["speaker"] for t in by_id[raw[1]["call_id"]]["turns"]} == {"agent", "customer"}
    third = by_id[raw[2]["call_id"]]["truth"]
    assert third["questions"] == [] and third["profile"] == {"city": {"value": "杭州"}}
    assert by_id[raw[3]["call_id"]]["started_at"].endswith("+08:00")   # read in [night] timezone
    assert by_id[raw[4]["call_id"]]["truth"]["best_agent_reply"] is None
    said = "\n".join(problems)
    for part in ("no true topic", "no true questions list", "best_agent_reply names no turn", "speaker 'robot'",
                 "[transcripts] agent_labels", "the same call_id again", "call 20: no call_id"):
        assert part in said, part
    # a clean file has nothing to say, and its calls are read as they are
    clean, none = checked_calls(_sample_calls(), settings)
    assert none == [] and [c["turns"] for c in clean] == [
        [{"speaker": t["speaker"], "text": t["text"]} for t in c["turns"]] for c in _sample_calls()]


def test_eval_calls_measures_a_flawed_file_and_lists_its_problems(settings, tmp_path):
    (tmp_path / "dialogues.json").write_text(json.dumps({"calls": _flawed(_sample_calls())}, ensure_ascii=False),
                                             encoding="utf-8")
    result = ev.run(tmp_path, settings)
    problems = result["truth_problems"]
    assert problems["calls_in_file"] == 20 and problems["calls_measured"] == 17 and problems["problems"] == 6
    assert result["calls"] == 17
    assert -1.0 <= result["call_topic_ari"] <= 1.0 and result["unmasked"] == 0
    assert result["profile_precision"] is not None and result["best_reply_top1"] is not None


def test_a_file_without_calls_is_a_clear_error(tmp_path):
    for name, text in (("empty", '{"calls": []}'), ("broken", '{"calls": ['), ("other", '{"rows": 3}')):
        (tmp_path / name).mkdir()
        (tmp_path / name / "dialogues.json").write_text(text, encoding="utf-8")
        result = CliRunner().invoke(app, ["eval", "calls", "--data", str(tmp_path / name)])
        assert result.exit_code == 2, result.output
        assert "dialogues.json" in result.output and "Traceback" not in result.output

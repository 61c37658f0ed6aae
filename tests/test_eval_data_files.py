"""`eval topics / outcomes / scripts / pii / asr` on files written elsewhere: a bad line costs that line, said."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from callintel.evaluation.asr import read_references
from callintel.evaluation.data_files import DataError
from callintel.evaluation.outcomes import load_stc3
from callintel.evaluation.pii import stc3_dialogues
from callintel.evaluation.topics import read_groups
from callintel.flows.cli import app
from callintel.settings import PROJECT_ROOT


def _lines(rows: list) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows)


def test_question_groups_skip_what_is_no_question(tmp_path):
    path = tmp_path / "clusters.jsonl"
    path.write_text(_lines([{"cluster": 1, "questions": ["怎么还款", None, "还款日是哪天"]}, "", "{cut sho",
                            {"cluster": "2", "questions": ["额度怎么提高", 3]}, {"questions": ["没有组"]},
                            {"cluster": 4, "questions": []}]), encoding="utf-8")
    problems: list[str] = []
    texts, labels = read_groups(path, problems=problems)
    assert texts == ["怎么还款", "还款日是哪天", "额度怎么提高", "3"]
    assert labels.tolist() == ["1", "1", "2", "2"]
    assert len(problems) == 4 and any("line 3: not JSON" in p for p in problems)
    path.write_text(_lines(["", {"cluster": 1, "questions": []}]), encoding="utf-8")
    with pytest.raises(DataError, match="no question to cluster"):
        read_groups(path)


def test_stc3_dialogues_keep_what_can_be_read(tmp_path):
    good = {"id": "a", "turns": [{"sender": "customer", "utterances": ["网速太慢", ""]},
                                 {"sender": "helpdesk", "utterances": ["请私信我们"]}],
            "annotations": [{"quality": {"A": -1}, "nugget": ["CNUG0", "HNUG"]},
                            {"quality": {"A": 1}, "nugget": ["CNUG0", "HNaN"]}]}
    flawed = {"id": "b", "turns": [{"sender": "customer", "utterances": [None, 10086]}, "x"],
              "annotations": [{"quality": None, "nugget": ["CNUG0"]}, {"quality": {"A": 2}}]}
    (tmp_path / "stc3").mkdir()
    (tmp_path / "stc3" / "dialogues.jsonl").write_text(
        _lines([good, "", "not json", flawed, {"id": "a", "turns": []}, {"turns": []}]), encoding="utf-8")
    problems: list[str] = []
    dialogues = load_stc3(tmp_path, problems)
    assert [d.id for d in dialogues] == ["a", "b"]
    assert dialogues[0].utterances == [("customer", "网速太慢 "), ("agent", "请私信我们")]  # joined as written
    assert dialogues[0].mean_a == 0.0 and dialogues[0].nugget_majority == ["CNUG0", "HNUG"]
    assert dialogues[1].utterances == [("customer", "10086"), ("customer", "")] and dialogues[1].mean_a == 2.0
    said = "\n".join(problems)
    for part in ("not JSON", "seen before", "no id or no turns list", "an utterance that is no text",
                 "without a quality A score"):
        assert part in said, part
    assert list(stc3_dialogues(tmp_path)) == [["网速太慢", "", "请私信我们"], ["10086"], [], []]


def test_audio_references_leave_out_files_that_cannot_be_scored(tmp_path):
    clip = next((PROJECT_ROOT / "samples" / "calls").glob("*.ogg"))
    (tmp_path / "w").mkdir()
    shutil.copy(clip, tmp_path / "w" / "good.ogg")
    (tmp_path / "w" / "noise.wav").write_bytes(np.random.default_rng(0).bytes(4000))
    (tmp_path / "w" / "empty.wav").write_bytes(b"")
    (tmp_path / "references.tsv").write_text("path\treference\nw/good.ogg\t您好\nw/gone.wav\t不在\n"
                                             "w/noise.wav\t噪声\nw/empty.wav\t空\n\t没有路径\nw/good.ogg\t\n",
                                             encoding="utf-8")
    problems: list[str] = []
    assert read_references(tmp_path, problems) == [(tmp_path / "w" / "good.ogg", "您好")]
    said = "\n".join(problems)
    for part in ("w/gone.wav: no such file", "w/noise.wav: not decodable audio", "w/empty.wav: an empty file",
                 "no path"):
        assert part in said, part
    (tmp_path / "references.tsv").write_text("file\ttext\nw/good.ogg\t您好\n", encoding="utf-8")
    with pytest.raises(DataError, match="columns path and reference"):
        read_references(tmp_path)


def test_a_data_folder_without_anything_to_measure_is_a_clear_error(tmp_path):
    (tmp_path / "bq").mkdir()
    (tmp_path / "bq" / "clusters.jsonl").write_text("\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "topics", "--data", str(tmp_path)])
    assert result.exit_code == 2 and "no question to cluster" in result.output
    assert "Traceback" not in result.output



@pytest.mark.slow  # Whisper over two clips, clean and through the telephone channel
def test_eval_asr_names_files_by_their_path_and_leaves_out_a_missing_one(shared_data, settings, tmp_path):
    from callintel.evaluation.asr import run as eval_asr

    audio = tmp_path / "audio"
    for sub, clip in (("a", "paddlespeech/zh.wav"), ("b", "wenetspeech_snippets/ID001.wav")):
        (audio / sub).mkdir(parents=True)
        (audio / sub / "x.wav").symlink_to(shared_data / "audio" / clip)   # read in place
    (audio / "references.tsv").write_text("path\treference\na/x.wav\t我认为跑步最重要的就是给我带来了身体健康\n"
                                          "b/x.wav\t作为一个男人最起码的这个担当\nc/x.wav\t不在\n", encoding="utf-8")
    result = eval_asr(tmp_path, settings)
    assert result["files"] == 2 and set(result["per_file"]) == set(result["per_file_telephone"]) == {"a/x.wav",
                                                                                                      "b/x.wav"}
    assert result["cer"] < 0.3 and result["data_problems"]["count"] == 1
    assert "c/x.wav: no such file" in result["data_problems"]["examples"][0]

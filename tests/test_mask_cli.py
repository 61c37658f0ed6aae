"""`callintel mask` masks stdin line by line as the night masks transcripts; `eval pii` reports personal data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callintel.evaluation.pii import residue
from callintel.evaluation.pii import run as eval_pii
from callintel.flows.cli import app
from callintel.settings import load_settings
from callintel.speech.text import TextCleaner


def test_mask_reads_stdin_and_writes_one_line_per_line():
    lines = ["我叫刘建国，1976年5月出生。", "", "和平，手机号13800138000E。", "打到您尾号1268的银行卡"]
    result = CliRunner().invoke(app, ["mask"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    out = result.stdout.split("\n")[:-1]
    cleaner = TextCleaner.from_settings(load_settings())
    assert out == [cleaner.clean(line) for line in lines]
    assert out[0] == "我叫[姓名]，[出生日期]出生。" and out[1] == ""
    assert "E" not in out[2] and "1268" not in out[3]


def test_mask_keeps_stderr_to_its_own_messages():
    """A filter's stderr is read by whoever runs it: the segmenters' loading chatter must not reach it (a fresh
    process, since jieba logs its loading once per process)."""
    run = subprocess.run([sys.executable, "-c", "from callintel.flows.cli import main; main()", "mask"],
                         input="我叫刘建国，住在望京西园四区412楼1803，电话13800138000。\n", capture_output=True,
                         text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("我叫[姓名]") and "13800138000" not in run.stdout
    assert run.stderr == "", run.stderr


@pytest.mark.slow
def test_eval_pii_reports_personal_data(shared_data: Path):
    result = eval_pii(shared_data, load_settings())
    for key in ("texts", "unmasked", "names", "birth_dates", "addresses", "residue"):
        assert isinstance(result[key], int), key
    assert result["texts"] > 40000 and result["unmasked"] == 0
    assert result["personal"]["names_known"] > 50  # the dialogues' names are found by the truth side
    assert result["names"] == result["birth_dates"] == result["addresses"] == result["residue"] == 0
    assert residue("手机号[手机号]E") == 1 and residue("手机号[手机号]。") == 0

"""The scheduled night (what `callintel serve` runs) finds the night's manifest from the template."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow  # a scheduled night of real audio (Whisper)

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout\n"


def test_a_scheduled_night_runs_the_manifest_of_its_date(tmp_path: Path, shared_data: Path, night):
    from callintel.flows.schedule import scheduled_night

    shutil.copy(shared_data / "audio/wenetspeech_snippets/ID001.wav", tmp_path / "c.wav")
    folder = tmp_path / "2026-11-22"
    folder.mkdir()
    (folder / "manifest.csv").write_text(HEADER + "S1,c.wav,13800000001,A1,2026-11-22T09:00:00+08:00,mono\n")
    config = tmp_path / "c.toml"
    config.write_text(f'[paths]\nwarehouse = "{tmp_path / "w.duckdb"}"\nexports = "{tmp_path / "x"}"\n'
                      f'[night]\naudio_root = "{tmp_path}"\n')  # recordings beside the nights: c.wav resolves there
    template = str(tmp_path / "{date}" / "manifest.csv")

    result = scheduled_night(template, str(config), for_date="2026-11-22")
    assert result["status"] == "succeeded" and result["nights"] == ["2026-11-22"]
    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    assert con.execute("SELECT call_id FROM calls").fetchall() == [("S1",)]
    con.close()

    with pytest.raises(FileNotFoundError, match=r"2026-11-23/manifest.csv"):
        scheduled_night(template, str(config), for_date="2026-11-23")

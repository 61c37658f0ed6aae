"""The manifest: good rows become calls, each bad row becomes a failure naming its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from callintel.manifest import ManifestError, read_manifest

HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout,queue\n"


def write(tmp_path: Path, text: str, name: str = "m.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_good_rows_keep_extra_columns_and_resolve_paths(tmp_path):
    m = read_manifest(write(tmp_path, HEADER + "C1,calls/a.wav,13800000000,A1,2026-11-20T09:00:00+08:00,mono,claims\n"))
    assert not m.failures
    (call,) = m.calls
    assert call.audio_path == (tmp_path / "calls/a.wav").resolve()
    assert call.attributes == {"queue": "claims"}
    assert str(call.night) == "2026-11-20"
    assert call.source_line == 2


def test_naive_time_is_local_and_night_follows_local_date(tmp_path):
    # 23:30 local on the 20th is 15:30 UTC; a UTC timestamp of 17:00 is 01:00 local on the 21st
    m = read_manifest(write(tmp_path, HEADER
                            + "C1,a.wav,1,A1,2026-11-20T23:30:00,mono,\n"
                            + "C2,a.wav,1,A1,2026-11-20T17:00:00Z,mono,\n"))
    assert [str(c.night) for c in m.calls] == ["2026-11-20", "2026-11-21"]


def test_bad_rows_are_reported_with_line_numbers_and_the_rest_kept(tmp_path):
    m = read_manifest(write(tmp_path, HEADER
                            + "C1,a.wav,,A1,2026-11-20T09:00:00+08:00,stereo_agent_left,\n"
                            + "C2,a.wav,1,A1,not-a-date,mono,\n"
                            + "C3,a.wav,1,A1,2026-11-20T09:00:00+08:00,surround,\n"
                            + ",a.wav,1,A1,2026-11-20T09:00:00+08:00,mono,\n"
                            + "C1,b.wav,1,A1,2026-11-20T09:00:00+08:00,mono,\n"
                            + "C4,,1,A1,2026-11-20T09:00:00+08:00,mono,\n"))
    assert [c.call_id for c in m.calls] == ["C1"]
    assert m.calls[0].caller_number is None  # withheld number is allowed
    reasons = {f.item: f.reason for f in m.failures}
    assert "line 3" in reasons["C2"] and "started_at" in reasons["C2"]
    assert "line 4" in reasons["C3"] and "channel_layout" in reasons["C3"]
    assert "call_id" in reasons["line 5"]
    assert "duplicate call_id" in reasons["C1 (line 6)"] and "line 2" in reasons["C1 (line 6)"]
    assert "audio_path" in reasons["C4"]


def test_jsonl_manifest_and_a_broken_json_line(tmp_path):
    good = {"call_id": "J1", "audio_path": "/x.wav", "caller_number": "1", "agent_id": "A",
            "started_at": "2026-11-20T09:00:00+08:00", "channel_layout": "mono", "vip": True}
    m = read_manifest(write(tmp_path, json.dumps(good) + "\n{not json\n", "m.jsonl"))
    assert [c.call_id for c in m.calls] == ["J1"]
    assert m.calls[0].attributes == {"vip": True}
    assert "line 2" in m.failures[0].reason and "JSON" in m.failures[0].reason


def test_missing_columns_or_file_is_a_clear_error(tmp_path):
    with pytest.raises(ManifestError, match="missing column"):
        read_manifest(write(tmp_path, "call_id,audio_path\nC1,a.wav\n"))
    with pytest.raises(ManifestError, match="not found"):
        read_manifest(tmp_path / "nope.csv")


def test_transcript_rows_and_rows_naming_both_or_neither(tmp_path):
    header = "call_id,audio_path,transcript_path,transcript_format,caller_number,agent_id,started_at,channel_layout\n"
    m = read_manifest(write(tmp_path, header
                            + "T1,,t/one.json,,1,A1,2026-11-20T09:00:00+08:00,\n"
                            + "T2,,/abs/two.json,funasr,1,A1,2026-11-20T09:00:00+08:00,stereo_agent_left\n"
                            + "A1,a.wav,,,1,A1,2026-11-20T09:00:00+08:00,mono\n"
                            + "X1,a.wav,t/x.json,,1,A1,2026-11-20T09:00:00+08:00,mono\n"
                            + "X2,,,,1,A1,2026-11-20T09:00:00+08:00,mono\n"
                            + "X3,,t/x.json,vendorx,1,A1,2026-11-20T09:00:00+08:00,\n"
                            + "X4,a.wav,,,1,A1,2026-11-20T09:00:00+08:00,\n"))
    calls = {c.call_id: c for c in m.calls}
    assert set(calls) == {"T1", "T2", "A1"}
    assert calls["T1"].transcript_path == (tmp_path / "t/one.json").resolve() and calls["T1"].audio_path is None
    assert calls["T1"].channel_layout is None and calls["T1"].transcript_format is None
    assert calls["T1"].attributes == {}  # transcript columns are not call attributes
    assert calls["T2"].transcript_path == Path("/abs/two.json") and calls["T2"].transcript_format == "funasr"
    assert calls["A1"].transcript_path is None and calls["A1"].audio_path == (tmp_path / "a.wav").resolve()
    reasons = {f.item: f.reason for f in m.failures}
    assert "both audio_path and transcript_path" in reasons["X1"]
    assert "audio_path or transcript_path" in reasons["X2"]
    assert "transcript_format 'vendorx'" in reasons["X3"] and "aws-call-analytics" in reasons["X3"]
    assert "channel_layout" in reasons["X4"]  # a recording still needs its layout


def test_a_manifest_of_transcripts_needs_no_audio_columns(tmp_path):
    m = read_manifest(write(tmp_path, "call_id,transcript_path,caller_number,agent_id,started_at\n"
                                      "T1,one.json,,A1,2026-11-20T09:00:00+08:00\n"))
    assert [c.call_id for c in m.calls] == ["T1"] and not m.failures
    with pytest.raises(ManifestError, match="channel_layout"):
        read_manifest(write(tmp_path, "call_id,audio_path,caller_number,agent_id,started_at\n"))
    with pytest.raises(ManifestError, match="audio_path or transcript_path"):
        read_manifest(write(tmp_path, "call_id,caller_number,agent_id,started_at\n"))

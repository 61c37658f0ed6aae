"""The generated transcript nights of `callintel demo --text`: deterministic, every format, all importable."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

import pytest

from callintel.flows.text_demo import TextDemo, generate
from callintel.manifest import read_manifest
from callintel.settings import load_settings
from callintel.speech.text import TextCleaner
from callintel.speech.transcripts import Labels, import_transcript


def _digest(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.relative_to(folder).as_posix().encode() + p.read_bytes())
    return h.hexdigest()


def test_same_seed_same_files_and_every_call_imports(tmp_path):
    settings = load_settings()
    spec = TextDemo.from_settings(settings, nights=2, calls_per_night=40, seed=5)
    manifests = generate(tmp_path / "a", spec)
    generate(tmp_path / "b", spec)
    generate(tmp_path / "c", TextDemo.from_settings(settings, nights=2, calls_per_night=40, seed=6))
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") != _digest(tmp_path / "c")
    assert [m.name for m in manifests] == ["manifest_2026-12-01.csv", "manifest_2026-12-02.csv"]

    cleaner, labels = TextCleaner.from_settings(settings), Labels.from_settings(settings)
    sources, callers, texts = Counter(), Counter(), set()
    for manifest in manifests:
        m = read_manifest(manifest)
        assert not m.failures and len(m.calls) == 40
        for call in m.calls:
            sha = hashlib.sha256(call.transcript_path.read_bytes()).hexdigest()
            t = import_transcript(call, settings, sha, cleaner=cleaner, labels=labels)
            assert t.utterances[0].speaker == "agent" and {u.speaker for u in t.utterances} == {"agent", "customer"}
            assert f"工号{call.agent_id[1:]}" in t.utterances[0].text  # the call's own agent greets
            sources[t.source] += 1
            callers[call.caller_number] += 1
            texts.add(tuple(u.text for u in t.utterances))
    assert set(sources) == {"callintel", "whisper", "funasr", "aws-call-analytics"}
    assert any(n > 1 for n in callers.values())  # some people call again
    assert len(texts) > 60  # recombined: far more distinct calls than the 18 scripts


@pytest.mark.slow
def test_demo_text_command_runs_generated_nights(tmp_path, night):
    """`callintel demo --text` end to end, small: every generated call lands and the analytics run."""
    import duckdb
    from typer.testing import CliRunner

    from callintel.flows.cli import app

    db = tmp_path / "demo-text.duckdb"
    result = CliRunner().invoke(app, ["demo", "--text", "--calls", "12", "--nights", "2", "--db", str(db),
                                      "--exports", str(tmp_path / "exports"),
                                      "--transcripts", str(tmp_path / "transcripts")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "transcripts").glob("manifest_*.csv")) == [
        "manifest_2026-12-01.csv", "manifest_2026-12-02.csv"]
    con = duckdb.connect(str(db), read_only=True)
    sources = dict(con.execute("SELECT source, count(*) FROM calls GROUP BY ALL").fetchall())
    assert sum(sources.values()) == 24 and "asr" not in sources
    assert con.execute("SELECT count(*) FROM failures").fetchone()[0] == 0
    assert con.execute("SELECT count(*) FROM questions").fetchone()[0] > 0  # the analytics ran on the text
    con.close()

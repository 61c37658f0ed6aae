"""A production run needs a caller-hash key of its own, and a warehouse keeps the key it was hashed with."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from callintel.privacy import CallerKeyError, caller_hash, caller_hash_key, key_fingerprint
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.warehouse.db import connect
from callintel.warehouse.privacy import claim_key

ENV = "CALLINTEL_CALLER_HASH_KEY"
HEADER = "call_id,audio_path,caller_number,agent_id,started_at,channel_layout,queue\n"


def test_no_key_is_refused_with_how_to_set_one(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    settings = load_settings()
    with pytest.raises(CallerKeyError) as err:
        caller_hash("13812345678", settings)
    assert ENV in str(err.value) and "caller_hash_key_file" in str(err.value)
    monkeypatch.setenv(ENV, "short")
    with pytest.raises(CallerKeyError, match="at least 16"):
        caller_hash_key(settings)


def test_key_file_and_demo_key(monkeypatch, tmp_path: Path):
    monkeypatch.delenv(ENV, raising=False)
    key_file = tmp_path / "caller.key"
    key_file.write_text("a-secret-of-the-call-centre-0123\n", encoding="utf-8")
    from_file = load_settings(overrides={"privacy": {"caller_hash_key_file": str(key_file)}})
    assert caller_hash_key(from_file) == "a-secret-of-the-call-centre-0123"
    missing = load_settings(overrides={"privacy": {"caller_hash_key_file": str(tmp_path / "nope.key")}})
    with pytest.raises(CallerKeyError, match=r"nope\.key"):
        caller_hash_key(missing)
    demo = load_settings(PROJECT_ROOT / "configs/demo.toml")
    assert caller_hash_key(demo) == demo["privacy"]["caller_hash_demo_key"]
    assert caller_hash("13812345678", demo) != caller_hash("13812345678", from_file)
    fp = key_fingerprint("a-secret-of-the-call-centre-0123")
    assert len(fp) == 16 and "secret" not in fp and fp != key_fingerprint(demo["privacy"]["caller_hash_demo_key"])


def test_warehouse_refuses_another_key(tmp_path: Path):
    con = connect(tmp_path / "w.duckdb")
    assert claim_key(con, key_fingerprint("first-key-0123456789"), "run-1") is True
    assert claim_key(con, key_fingerprint("first-key-0123456789"), "run-2") is False
    with pytest.raises(CallerKeyError, match="another key"):
        claim_key(con, key_fingerprint("second-key-0123456789"), "run-3")
    rows = con.execute("SELECT purpose, key_fingerprint, first_run_id FROM privacy_keys").fetchall()
    assert rows == [("caller_hash", key_fingerprint("first-key-0123456789"), "run-1")]
    con.close()


@pytest.mark.slow
def test_night_run_refuses_a_changed_key(tmp_path: Path, monkeypatch, night):
    manifest = tmp_path / "night.csv"
    manifest.write_text(HEADER + "M1,missing.wav,13812345678,A001,2026-11-20T12:00:00+08:00,mono,\n",
                        encoding="utf-8")
    db = tmp_path / "night.duckdb"
    over = {"paths": {"warehouse": str(db), "exports": str(tmp_path / "exports")}}
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(CallerKeyError, match=ENV):
        night.run_night(manifest, overrides=over)
    assert not db.exists()  # refused before anything was written
    monkeypatch.setenv(ENV, "the-first-key-0123456789")
    assert night.run_night(manifest, overrides=over)["calls_failed"] == 1
    monkeypatch.setenv(ENV, "another-key-0123456789")
    with pytest.raises(CallerKeyError, match="another key"):
        night.run_night(manifest, overrides=over)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM pipeline_runs").fetchone() == (1,)  # the refused run wrote nothing
    assert con.execute("SELECT key_fingerprint FROM privacy_keys").fetchone() == (
        key_fingerprint("the-first-key-0123456789"),)
    con.close()


@pytest.mark.slow  # three runs of the whole command in a subprocess (Prefect imported each time)
@pytest.mark.parametrize("source", ["env", "file", "config"])
def test_production_run_refuses_the_public_demo_key(tmp_path: Path, source: str):
    """`callintel run` exits 2 on the shipped demo key, from the environment, a key file or a settings file."""
    import os
    import subprocess
    import sys

    manifest = tmp_path / "night.csv"
    manifest.write_text(HEADER + "M1,missing.wav,13812345678,A001,2026-11-20T12:00:00+08:00,mono,\n",
                        encoding="utf-8")
    demo_key = load_settings()["privacy"]["caller_hash_demo_key"]
    env = {k: v for k, v in os.environ.items() if k != ENV}
    config = tmp_path / "prod.toml"
    if source == "env":
        env[ENV] = demo_key
        config.write_text("", encoding="utf-8")
    elif source == "file":
        (tmp_path / "caller.key").write_text(demo_key + "\n", encoding="utf-8")
        config.write_text(f'[privacy]\ncaller_hash_key_file = "{tmp_path / "caller.key"}"\n', encoding="utf-8")
    else:
        config.write_text("[privacy]\ncaller_hash_builtin_key = true\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "callintel.flows.cli", "run", str(manifest), "--config", str(config),
                           "--db", str(tmp_path / "w.duckdb")], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "demo key" in " ".join((done.stdout + done.stderr).split()), done.stdout + done.stderr
    assert not (tmp_path / "w.duckdb").exists()

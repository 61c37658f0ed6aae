"""Settings merge by file; the caller's number becomes a keyed hash that ignores formatting."""

from __future__ import annotations

import pytest

from callintel.privacy import caller_hash, normalise_number
from callintel.settings import ConfigError, load_settings


def test_user_file_overrides_only_what_it_sets(tmp_path):
    user = tmp_path / "mine.toml"
    user.write_text('[speech]\nbeam_size = 1\n[paths]\nwarehouse = "/data/night.duckdb"\n')
    s = load_settings(user)
    assert s["speech"]["beam_size"] == 1
    assert s["speech"]["language"] == "zh"  # untouched keys keep their defaults
    assert str(s.path("warehouse")) == "/data/night.duckdb"
    assert s.fingerprint() != load_settings().fingerprint()


def test_broken_settings_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[speech\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_settings(tmp_path / "missing.toml")


def test_caller_hash_is_keyed_and_format_blind(monkeypatch):
    s = load_settings()
    assert normalise_number("+86 138-1234-5678") == "13812345678"
    a = caller_hash("13812345678", s)
    assert a == caller_hash("+86 138 1234 5678", s) == caller_hash("0086-13812345678", s)
    assert "13812345678" not in a and len(a) == 32
    assert caller_hash(None, s) is None and caller_hash("", s) is None
    monkeypatch.setenv(s["privacy"]["caller_hash_key_env"], "another-key-of-32-characters-xx")
    assert caller_hash("13812345678", s) != a

"""How callintel finds its files: the shipped configs, a user's own word lists, and where outputs go."""

from __future__ import annotations

from pathlib import Path

from callintel.flows.cli import _overrides
from callintel.settings import CONFIG_DIR, PROJECT_ROOT, base_dir, load_settings


def test_shipped_files_are_found_through_the_package():
    settings = load_settings()
    assert CONFIG_DIR == PROJECT_ROOT / "configs"  # this checkout's configs/ is the package callintel.configs
    assert settings.config_file(settings["topics"]["taxonomy"]) == CONFIG_DIR / "topic_taxonomy.toml"
    assert settings.path("warehouse") == base_dir() / "var" / "callintel.duckdb"


def test_a_word_list_beside_the_users_settings_file_replaces_the_shipped_one(tmp_path: Path):
    (tmp_path / "site.toml").write_text('[speech.redact]\nsurnames_file = "surnames.txt"\n', encoding="utf-8")
    settings = load_settings(tmp_path / "site.toml")
    assert settings.config_file("surnames.txt") == CONFIG_DIR / "surnames.txt"  # none of the user's: the shipped
    (tmp_path / "surnames.txt").write_text("欧阳\n", encoding="utf-8")
    assert settings.config_file("surnames.txt") == tmp_path / "surnames.txt"
    assert settings.config_file(str(tmp_path / "x.txt")) == tmp_path / "x.txt"  # absolute stays


def test_exports_go_beside_the_db_given(tmp_path: Path):
    over = _overrides(tmp_path / "w" / "night.duckdb")
    assert over["paths"] == {"warehouse": str(tmp_path / "w" / "night.duckdb"),
                             "exports": str(tmp_path / "w" / "night-exports")}
    assert _overrides(tmp_path / "night.duckdb", tmp_path / "out")["paths"]["exports"] == str(tmp_path / "out")
    assert _overrides(None) == {}

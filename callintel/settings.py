"""Settings: `configs/callintel.toml` merged with an optional user file.

Users change behaviour by file, never by code edits, so every tunable lives in TOML.
A user file is partial: only the keys it sets replace the defaults.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import fields
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar

from callintel.settings_check import SettingError, validate


def package_dir(package: str) -> Path:
    """The folder of a data package shipped in the wheel (configs/ is `callintel.configs`, samples/ is
    `callintel.samples`), found with importlib.resources: the same files in a checkout and an install."""
    found = files(package)
    if not isinstance(found, Path):  # a zip import: DuckDB, jieba and Whisper need real files
        raise RuntimeError(f"{package} is not on the file system ({found}): install callintel unzipped")
    return found


CONFIG_DIR = package_dir("callintel.configs")
SAMPLES_DIR = package_dir("callintel.samples")
DEFAULT_CONFIG = CONFIG_DIR / "callintel.toml"
CONFIG_ENV = "CALLINTEL_CONFIG"
# The source checkout when callintel runs from one (an editable install: tests, bench, docs live there);
# installed code never finds a file through it.
PROJECT_ROOT = Path(__file__).resolve().parents[1]
CHECKOUT = PROJECT_ROOT if (PROJECT_ROOT / "pyproject.toml").is_file() and CONFIG_DIR == PROJECT_ROOT / "configs" \
    else None


def base_dir() -> Path:
    """What relative [paths] are relative to: the checkout in a checkout (var/ beside the code, whatever the
    current folder), else the current folder (an installed package has no folder of its own to write in)."""
    return CHECKOUT or Path.cwd()


# Tables whose keys are the user's to choose (environment variables, titles, cue words, model names).
FREE_FORM = (("prefect", "env"), ("exports", "titles"), ("speech", "redact", "cues"), ("models",))
T = TypeVar("T")


class ConfigError(ValueError):
    """A settings file is missing, unreadable or has a wrong value."""


def _check_known(defaults: Mapping[str, Any], override: Mapping[str, Any], source: str,
                 path: tuple[str, ...] = ()) -> None:
    """Every key a user sets must exist in configs/callintel.toml: a misspelt key stops the run, by name."""
    if any(path[:len(free)] == free for free in FREE_FORM):
        return
    for key, value in override.items():
        if key not in defaults:
            close = difflib.get_close_matches(key, [str(k) for k in defaults], n=1)
            where = f"[{'.'.join(path)}]" if path else "the top level"
            raise ConfigError(f"{source}: unknown setting '{key}' in {where}"
                              + (f" (did you mean '{close[0]}'?)" if close else "")
                              + f"; every setting is listed, with its default, in {DEFAULT_CONFIG}")
        if isinstance(value, Mapping) and isinstance(defaults[key], Mapping):
            _check_known(defaults[key], value, source, (*path, key))


def options(cls: type[T], section: Mapping[str, Any], where: str, **given: Any) -> T:
    """An option dataclass (faster-whisper's style) filled from one settings section.

    Defaults live in configs/callintel.toml alone, so every field comes from the section (or
    `given`); a missing one is an error naming it, never a second default hidden in code.
    """
    values = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name in given:
            values[f.name] = given[f.name]
        elif f.name in section:
            values[f.name] = section[f.name]
        else:
            raise ConfigError(f"[{where}] has no '{f.name}': configs/callintel.toml sets every key "
                              "(is a settings file replacing the whole section, or the defaults file old?)")
    return cls(**values)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"settings file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"settings file {path} is not valid TOML: {exc}") from exc


class Settings:
    """Read-only view of the merged settings, with section access and path resolution."""

    def __init__(self, data: dict[str, Any], sources: list[Path]):
        self.data = data
        self.sources = sources

    def __getitem__(self, section: str) -> dict[str, Any]:
        try:
            return self.data[section]
        except KeyError as exc:
            raise ConfigError(f"settings have no [{section}] section (files: {self.sources})") from exc

    def get(self, section: str, default: Any = None) -> Any:
        return self.data.get(section, default)

    def path(self, key: str) -> Path:
        """A path from [paths], resolved against `base_dir()` when relative."""
        raw = Path(self["paths"][key]).expanduser()
        return raw if raw.is_absolute() else base_dir() / raw

    def config_file(self, name: str) -> Path:
        """A data file (dictionary, lexicon, model file) by name: an absolute path, else beside the user's
        settings files (the last given first), else the one shipped in configs/."""
        raw = Path(name).expanduser()
        if raw.is_absolute():
            return raw
        for source in reversed(self.sources[1:]):
            if (source.parent / raw).is_file():
                return source.parent / raw
        return CONFIG_DIR / raw

    def with_overrides(self, overrides: Mapping[str, Any]) -> Settings:
        """A copy with `overrides` merged in (checked like a user's file: known keys only)."""
        _check_known(self.data, overrides, "overrides")
        merged = _merge(self.data, overrides)
        _validate(self.data, merged, "overrides")
        return Settings(merged, self.sources)

    def fingerprint(self, *sections: str) -> str:
        """A short stable hash of the named sections: part of every cache key."""
        chosen = {s: self.data.get(s) for s in sections} if sections else self.data
        blob = json.dumps(chosen, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def load_settings(user_file: str | Path | None = None, overrides: Mapping[str, Any] | None = None) -> Settings:
    """Defaults, then `$CALLINTEL_CONFIG`, then `user_file`, then `overrides` (later wins).

    `overrides` is what command-line options set, e.g. {"paths": {"warehouse": "x.duckdb"}}.
    """
    sources = [DEFAULT_CONFIG]
    data = _read_toml(DEFAULT_CONFIG)
    extra = [p for p in (os.environ.get(CONFIG_ENV), user_file) if p]
    defaults = data
    for item in extra:
        path = Path(item).expanduser().resolve()
        user = _read_toml(path)
        _check_known(defaults, user, str(path))
        data = _merge(data, user)
        sources.append(path)
    if overrides:
        _check_known(defaults, overrides, "command-line options")
        data = _merge(data, overrides)
    _validate(defaults, data, ", ".join(str(s) for s in sources[1:]) or str(DEFAULT_CONFIG))
    return Settings(data, sources)


def _validate(defaults: dict[str, Any], data: dict[str, Any], source: str) -> None:
    """Types and ranges (settings_check.py): a wrong value stops the run here, naming it."""
    try:
        validate(defaults, data, FREE_FORM)
    except SettingError as exc:
        raise ConfigError(f"{source}: {exc}") from None

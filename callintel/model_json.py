"""The trained model files under configs/models/: one JSON shape, one reader, one error.

Every learned model this project ships is a small JSON document a script writes (no pickle: readable, diffable,
the same bytes for the same training): its `kind` (what reads it), the `version` of that layout, `weights` by
feature name and `meta` (what it was trained on, its figures). A model's own extra parts (a resolution model's
text views and standardisation) sit beside them. A file that is missing, not JSON, of another kind or of a newer
layout fails here, naming the file and how to make the right one, instead of a KeyError deep in a step.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from callintel.settings import Settings

T = TypeVar("T")
VERSION = 1  # the layout below; a file without "version" predates the field and has this layout
HEAD = ("kind", "version", "weights", "meta")


class ModelFileError(ValueError):
    """A model file is missing or is not the model asked for; the message names the file and how to make it."""


@dataclass(frozen=True)
class ModelFile:
    """A model file's common parts, and the rest (`body`) for the model that reads it."""

    kind: str
    weights: dict[str, float]
    meta: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] = field(default_factory=dict)
    version: int = VERSION
    path: str = ""

    def to_json(self, **dumps: Any) -> str:
        """The document a trainer writes (json.dumps keywords: each model keeps its own layout of bytes)."""
        doc = {"kind": self.kind, "version": self.version, "weights": self.weights, "meta": self.meta} | self.body
        return json.dumps(doc, **({"ensure_ascii": False, "sort_keys": True} | dumps))


def read(path: str | Path, kind: str, remedy: str) -> ModelFile:
    """The model file at `path`, which must be of `kind`; `remedy` says how to make it (the trainer, the setting)."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFileError(f"{kind} model file not found: {path}; {remedy}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path} is not a JSON model file ({exc}); {remedy}") from exc
    found = raw.get("kind") if isinstance(raw, dict) else None
    if found != kind:
        raise ModelFileError(f"{path} is a {found or 'kind-less'} model file, not {kind}; {remedy}")
    version = int(raw.get("version", VERSION))
    if version > VERSION:
        raise ModelFileError(f"{path}: a {kind} model file of layout {version}, newer than this code reads "
                             f"({VERSION}); {remedy}")
    if not isinstance(raw.get("weights"), dict):
        raise ModelFileError(f"{path}: a {kind} model file without weights; {remedy}")
    return ModelFile(kind, {k: float(v) for k, v in raw["weights"].items()}, raw.get("meta", {}),
                     {k: v for k, v in raw.items() if k not in HEAD}, version, str(path))


def configured(settings: Settings, section: str, key: str) -> Path | None:
    """The file a setting names (in configs/ or beside the user's config), or None when it is "" (not used);
    `section` names a nested table with dots ("topics.learned_match")."""
    table: Any = settings
    for part in section.split("."):
        table = table[part]
    name = table[key]
    return settings.config_file(name) if name else None


def read_once(load: Callable[[str], T], versions: int = 4) -> Callable[[str | Path], T]:
    """`load` behind a cache keyed by the file's path and modification time: a step that asks for its model for
    every night of a run reads the file once, and a file a trainer rewrites is read again (not served stale)."""
    cached = lru_cache(maxsize=versions)(lambda path, _mtime: load(path))

    def get(path: str | Path) -> T:
        path = Path(path)
        return cached(str(path), path.stat().st_mtime if path.exists() else 0.0)
    return get

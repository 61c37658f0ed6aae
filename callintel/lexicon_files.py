"""Lexicon files a deployment copies and edits (question cues, profile patterns, speaker cues): read so that a
copy made before an upgrade still runs.

Why: each release may add keys to a lexicon (a new construction a rule reads). A deployment's own copy, made from
an older release, lacks them; read raw, the step that needs one stopped the night on a KeyError. Here a key the copy
lacks is taken from the shipped file of the same kind (a table's missing keys one level down too; a key the copy
sets is its own, lists and tables whole) and the log names each one, so the analyst can copy them in to edit them.
A value of another type than the shipped one is an error naming the file and the key (settings_check.py's rule).
"""

from __future__ import annotations

import copy
import logging
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from callintel.settings import CONFIG_DIR
from callintel.settings_check import SettingError, validate

log = logging.getLogger(__name__)


class LexiconFileError(ValueError):
    """A lexicon file is missing, not TOML, or holds a value of the wrong type; the message names file and key."""


@lru_cache(maxsize=16)
def _shipped(name: str) -> dict[str, Any]:
    return tomllib.loads((CONFIG_DIR / name).read_text(encoding="utf-8"))


def _fill(data: dict[str, Any], shipped: Mapping[str, Any], path: tuple[str, ...] = ()) -> list[str]:
    """Copy into `data` the keys of `shipped` it lacks, descending into tables both have; the keys filled."""
    filled = []
    for key, default in shipped.items():
        where = f"[{'.'.join(path)}] {key}" if path else key
        if key not in data:
            data[key] = copy.deepcopy(default)   # the shipped file is cached: never share its objects
            filled.append(where)
        elif isinstance(default, Mapping) and isinstance(data[key], dict) and not path:
            filled += _fill(data[key], default, (*path, key))
    return filled


def read_lexicon(path: str | Path, shipped_name: str, setting: str) -> dict[str, Any]:
    """The TOML lexicon at `path`, completed from configs/`shipped_name`; `setting` is the key that names the file,
    for the error messages ("[profiles] patterns")."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise LexiconFileError(f"{path}: lexicon not found (named by {setting})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise LexiconFileError(f"{path}: not valid TOML ({exc}); named by {setting}") from exc
    shipped_path = CONFIG_DIR / shipped_name
    if not shipped_path.is_file() or path.resolve() == shipped_path.resolve():
        return data
    shipped = _shipped(shipped_name)
    try:
        validate(shipped, data, ())
    except SettingError as exc:
        raise LexiconFileError(f"{path}: {exc} (named by {setting})") from exc
    filled = _fill(data, shipped)
    if filled:
        log.warning("%s lacks %d key(s) of this release's %s; the shipped values are used: %s (copy them into "
                    "the file to change them)", path, len(filled), shipped_name, ", ".join(filled))
    return data


__all__ = ["LexiconFileError", "read_lexicon"]

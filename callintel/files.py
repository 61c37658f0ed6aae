"""Reading the project's small files: content hashes and word lists, one way each.

Hashes key the caches (audio, config files, models), so every stage must compute them the same
way; word lists (dictionaries, stop words, phantom lines, vocabularies) share one comment rule.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks (recordings and model files are large)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_lines(path: Path) -> list[str]:
    """The non-blank lines of a UTF-8 list, stripped; a line starting with # is a comment."""
    return [ln.strip() for ln in Path(path).read_text(encoding="utf-8").splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]

"""Train on one development call set, measure on the other, both directions: the loop the cross-set scripts share.

The two sets are two insurers' calls (`calls`, a life insurer; `calls_health`, a health insurer, other voices and
topics) under --data. A learned part is worth keeping only if what it learns on one carries to the other, so
each script (intent_cross_set.py, profiles_cross_set.py, train_reply_ranker.py) reads both sets its own way,
then hands `both_ways` what one direction does; the results come back keyed by direction. `parser` is every
script's --data option (the trainers on STC-3 use it too), so they all default to the same folder.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
SETS = {"calls": ".", "calls_health": "calls_health"}   # name -> its folder under --data
DIRECTIONS = (("calls", "calls_health"), ("calls_health", "calls"))  # (trained on, measured on)

S = TypeVar("S")
R = TypeVar("R")


def parser(doc: str) -> argparse.ArgumentParser:
    """The scripts' command line: the first line of their docstring, and --data (../shared/data by default)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    return ap


def read_sets(data: Path, read: Callable[[Path], S]) -> dict[str, S]:
    """Each development set, as `read(its folder)` gives it."""
    return {name: read(data / folder) for name, folder in SETS.items()}


def project_read_sets(settings) -> dict[str, Path]:
    """The project's read call sets the trainers learn on besides the development sets ([training] read_sets), by
    folder name: the folder of each."""
    return {Path(folder).name: ROOT / folder for folder in settings["training"]["read_sets"]}


def both_ways(sets: dict[str, S], one_way: Callable[[S, S], R],
              key: str = "trained_on_{train}_measured_on_{test}") -> dict[str, R]:
    """`one_way(train set, test set)` in each direction, keyed by `key` with the two names filled in."""
    return {key.format(train=train, test=test): one_way(sets[train], sets[test]) for train, test in DIRECTIONS}

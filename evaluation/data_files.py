"""Evaluation files read so that one bad line or call costs that line and not the figures.

Why: `eval topics`, `outcomes`, `scripts` and `pii` read files laid out like ../shared/data, and the figures that
count are measured on such files written elsewhere. A blank line, a line cut short, a question written as null or
an utterance written as a number are skipped and said (`problems`, which the task's figures carry as
`data_problems`), instead of stopping the task with a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class DataError(ValueError):
    """An evaluation file that cannot be measured at all: the message names the file and what is wrong."""


def json_lines(path: Path, problems: list[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects of `path`, one a line; blank lines are skipped, any other line that is not an object is a
    line of `problems` (file and line number) and skipped."""
    with Path(path).open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{path} line {n}: not JSON ({e.msg}); skipped")
                continue
            if not isinstance(row, dict):
                problems.append(f"{path} line {n}: not a JSON object; skipped")
                continue
            yield row


def texts(value: Any, keep_blank: bool = False) -> list[str]:
    """The texts of a field that should be a list of strings: numbers are read as text, anything else (null, a
    list, an object) is left out, and so are blank strings unless `keep_blank` (a turn's utterances, joined as
    written)."""
    items = value if isinstance(value, list) else [value]
    return [str(v) for v in items if isinstance(v, (str, int, float)) and not isinstance(v, bool)
            and (keep_blank or str(v).strip())]


def summary(problems: list[str], limit: int = 20) -> dict[str, Any]:
    """What a task's figures say of the lines it could not use."""
    return {"count": len(problems), "examples": problems[:limit]}

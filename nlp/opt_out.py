"""The marketing opt-out list ([leads].opt_out): which lines are caller hashes, and which are mistakes.

A person edits the file by hand, so a line that is not a caller hash is reported by its number (it may be a
phone number pasted by mistake, never to be stored) instead of stopping the leads step. Text in, hashes out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from callintel.privacy import CALLER_HASH_CHARS

_HASH = re.compile(rf"[0-9a-f]{{{CALLER_HASH_CHARS}}}")
COMMENT = "#"


@dataclass(frozen=True)
class OptOutFile:
    """The file as the leads step loads it: its path, and its text (None: there is no such file)."""

    source: str
    text: str | None


@dataclass(frozen=True)
class OptOutList:
    source: str
    caller_hashes: list[str]  # lower case, each once, in file order
    problems: list[str]  # for the run log: what a person should fix in the file


def parse_opt_out(file: OptOutFile) -> OptOutList:
    """The caller hashes of the file; blank lines and # comments skipped, other lines reported, not loaded."""
    if file.text is None:
        return OptOutList(file.source, [], [f"opt-out file {file.source} not found: create it (one calls.caller_hash "
                                            "a line) or fix [leads].opt_out"])
    good, bad = [], []
    for n, line in enumerate(file.text.splitlines(), start=1):
        s = line.strip().lower()
        if not s or s.startswith(COMMENT):
            continue
        if _HASH.fullmatch(s):
            if s not in good:  # a caller listed twice is one row
                good.append(s)
        else:
            bad.append(f"line {n}")
    problems = [f"{file.source}: {', '.join(bad)} not a caller hash ({CALLER_HASH_CHARS} hex characters); skipped"] \
        if bad else []
    return OptOutList(file.source, good, problems)

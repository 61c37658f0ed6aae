"""Settings validated at load, by type and range: a wrong value stops the run (exit 2) naming the key, the
value and what is allowed, before anything starts, instead of breaking the night later ("generator didn't
yield" for a negative timeout) or being ignored (an unknown task runner silently ran threads).

Types come from configs/callintel.toml itself (a key takes the type of its default: the defaults file is the
schema, no second list to keep in step); ranges and choices are below, for keys the night cannot run with
otherwise. Separate from how settings files are found (settings.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callintel.records import TRANSCRIPT_FORMATS

# (section path, key) -> (check, what is allowed). A number of seconds (a key ending in _s) is never negative.
Check = Callable[[Any], bool]


def _at_least(low: float) -> tuple[Check, str]:
    return (lambda v: v >= low), f"a number >= {low:g}"


def _one_of(*choices: str) -> tuple[Check, str]:
    return (lambda v: v in choices), "one of " + ", ".join(repr(c) for c in choices)


def _each_of(*choices: str) -> tuple[Check, str]:
    return (lambda v: all(x in choices for x in v)), "a list of " + ", ".join(repr(c) for c in choices)


def _timezone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


RULES: dict[tuple[str, ...], tuple[Check, str]] = {
    ("night", "task_runner"): _one_of("threads", "dask"),
    ("night", "max_concurrent_calls"): _at_least(1),
    ("night", "dask_workers"): _at_least(1),
    ("night", "land_batch"): _at_least(1),
    ("night", "max_turn_chars"): _at_least(0),
    ("night", "call_retries"): _at_least(0),
    ("night", "max_file_mb"): _at_least(0),
    ("night", "timezone"): (_timezone, "an IANA time zone such as 'Asia/Shanghai'"),
    # a misspelt source would switch turn joining off without a word: callintel's own speech or a reader's format
    ("night", "turn_sources"): _each_of("asr", *TRANSCRIPT_FORMATS),
    ("review", "slowest_calls"): _at_least(0),
    ("speech", "cpu_threads"): _at_least(1),
    ("speech", "num_workers"): _at_least(1),
    ("speech", "batch_size"): _at_least(1),
    ("speech", "beam_size"): _at_least(1),
    ("speech", "pack_s"): ((lambda v: 0 <= v <= 30), "seconds from 0 (off) to 30 (Whisper's whole input)"),
    ("speech", "pack_context_s"): ((lambda v: v >= 0 or v == -1), "seconds >= 0, or -1 (the whole pack)"),
    # each digit of slack tests one more run length and two more offsets for a date: past 2, bank cards pass
    ("speech", "redact", "id_digit_slack"): ((lambda v: 0 <= v <= 2), "a whole number from 0 (exact IDs) to 2"),
    ("speech", "redact", "id_cued_digit_slack"): ((lambda v: 0 <= v <= 2),
                                                  "a whole number from 0 (exact IDs) to 2"),
    ("exports", "max_rows"): _at_least(1),
    ("topics", "suggest", "other_calls"): _at_least(0),
    ("topics", "suggest", "other_words"): _at_least(1),
}
SECONDS = _at_least(0)


class SettingError(ValueError):
    """A setting has a wrong type or a value out of range (a ConfigError is raised from it by settings.py)."""


def _type_name(value: Any) -> str:
    return {bool: "true or false", int: "a whole number", float: "a number", str: "a string", list: "a list",
            dict: "a table"}.get(type(value), type(value).__name__)


def _same_type(default: Any, value: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(default) is type(value)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, Mapping):
        return isinstance(value, Mapping)
    return isinstance(value, type(default))


def validate(defaults: Mapping[str, Any], data: Mapping[str, Any], free_form: tuple[tuple[str, ...], ...],
             path: tuple[str, ...] = ()) -> None:
    """Raise SettingError for the first value whose type differs from its default's or that breaks a rule."""
    if any(path[:len(free)] == free for free in free_form):
        return
    for key, default in defaults.items():
        if key not in data:
            continue
        value, where = data[key], f"[{'.'.join(path)}] {key}" if path else key
        if not _same_type(default, value):
            raise SettingError(f"{where} = {value!r}: must be {_type_name(default)} (like the default, "
                               f"{default!r})")
        if isinstance(default, Mapping):
            validate(default, value, free_form, (*path, key))
            continue
        if isinstance(default, list) and default and all(isinstance(d, str) for d in default) and not all(
                isinstance(v, str) for v in value):
            raise SettingError(f"{where} = {value!r}: must be a list of strings")
        rule = RULES.get((*path, key)) or (SECONDS if key.endswith("_s") and isinstance(default, int | float)
                                           else None)
        if rule and not rule[0](value):
            raise SettingError(f"{where} = {value!r}: must be {rule[1]}")

"""The night's manifest: CSV or JSON lines, one call per row.

Required columns are fixed; any other column is kept as a call attribute. A bad row is
reported with its line number and skipped, so one typo never loses the night. A row points at
its recording (`audio_path`) or at a transcript made elsewhere (`transcript_path`, optionally
`transcript_format`), never both; relative paths are relative to the audio folder (`[night] audio_root`,
by default the manifest's folder), which the night also confines them to (callintel/input_files.py).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callintel.records import CHANNEL_LAYOUTS, TRANSCRIPT_FORMATS, CallRecord, Failure

REQUIRED = ("call_id", "caller_number", "agent_id", "started_at")
# caller_number may be empty (withheld); the others must be present and non-empty.
MAY_BE_EMPTY = {"caller_number", "agent_id"}
# Each row names exactly one of these; channel_layout is required with audio_path, optional with a transcript.
SOURCES = ("audio_path", "transcript_path")
OPTIONAL = ("channel_layout", "transcript_format")
KNOWN = REQUIRED + SOURCES + OPTIONAL


class ManifestError(ValueError):
    """The manifest as a whole cannot be read (missing, wrong format, no call_id column)."""


@dataclass
class Manifest:
    path: Path
    calls: list[CallRecord] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def _rows(path: Path) -> tuple[list[str] | None, list[tuple[int, dict[str, Any]]]]:
    """(columns, [(line number, row)]) from CSV or JSON lines."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in {".jsonl", ".json", ".ndjson"}:
        rows: list[tuple[int, dict[str, Any]]] = []
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append((lineno, {"__error__": f"not valid JSON ({exc.msg} at column {exc.colno})"}))
                continue
            rows.append((lineno, obj if isinstance(obj, dict) else {"__error__": "not a JSON object"}))
        return None, rows
    reader = csv.DictReader(text.splitlines())
    columns = [c.strip() for c in (reader.fieldnames or [])]
    reader.fieldnames = columns
    return columns, [(i + 2, row) for i, row in enumerate(reader)]


def parse_time(value: str, tz: ZoneInfo) -> datetime:
    """An ISO 8601 time; one without its UTC offset is read in `tz` ([night] timezone: the centre's clock), never
    in the machine's own zone, so a call lands on the same night wherever the job runs."""
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def read_manifest(path: str | Path, timezone: str = "Asia/Shanghai", root: Path | None = None) -> Manifest:
    """Parse a manifest; good rows become CallRecords, bad rows become Failures. Relative paths resolve in
    `root` (the manifest's folder when None)."""
    path = Path(path)
    if not path.exists():
        raise ManifestError(f"manifest not found: {path}")
    tz = ZoneInfo(timezone)
    columns, rows = _rows(path)
    if columns is not None:
        missing = [c for c in REQUIRED if c not in columns]
        if not any(c in columns for c in SOURCES):
            missing.append("audio_path or transcript_path")
        elif "audio_path" in columns and "channel_layout" not in columns:
            missing.append("channel_layout")
        if missing:
            raise ManifestError(f"{path}: missing column(s) {', '.join(missing)}; "
                                f"required: {', '.join(REQUIRED)}, audio_path (with channel_layout) "
                                "and/or transcript_path")
    out = Manifest(path=path)
    folder = path.parent if root is None else root
    seen: dict[str, int] = {}
    for lineno, row in rows:
        item = str(row.get("call_id") or f"line {lineno}").strip()
        if "__error__" in row:
            out.failures.append(Failure(item, "manifest", f"{path.name} line {lineno}: {row['__error__']}"))
            continue
        problem = _row_problem(row)
        started = None
        if problem is None:
            try:
                started = parse_time(str(row["started_at"]), tz)
            except ValueError:
                problem = f"started_at '{row['started_at']}' is not an ISO date-time (e.g. 2026-11-20T09:30:00+08:00)"
        call_id = str(row.get("call_id") or "").strip()
        if problem is None and call_id in seen:
            problem = f"duplicate call_id (first seen on line {seen[call_id]}); this row is skipped"
        if problem is not None:
            if call_id in seen:
                item = f"{call_id} (line {lineno})"
            out.failures.append(Failure(item, "manifest", f"{path.name} line {lineno}: {problem}",
                                        call_id=call_id or None, source=_source(row, folder)))
            continue
        assert started is not None
        seen[call_id] = lineno
        extra = {k: v for k, v in row.items() if k not in KNOWN and k is not None and v not in (None, "")}
        out.calls.append(CallRecord(
            call_id=call_id,
            audio_path=_resolve(row.get("audio_path"), folder),
            caller_number=caller_number(row.get("caller_number")),
            agent_id=(str(row.get("agent_id") or "").strip() or None),
            started_at=started,
            channel_layout=_text(row.get("channel_layout")) or None,  # type: ignore[arg-type]
            night=started.astimezone(tz).date(),
            source_line=lineno,
            attributes=extra,
            transcript_path=_resolve(row.get("transcript_path"), folder),
            transcript_format=_text(row.get("transcript_format")) or None,
        ))
    return out


def _source(row: dict[str, Any], folder: Path) -> str | None:
    """The file a (failed) row names, absolute: what ties a row without a call_id to the call fixed from it."""
    for column in SOURCES:
        if (resolved := _resolve(row.get(column), folder)) is not None:
            return str(resolved)
    return None


# A number a spreadsheet shows in scientific notation (1.38674E+10): its last digits are gone.
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
# A digit string a float column wrote back with a fractional zero (13867405519.0): the digits are all there.
_FLOAT_ZERO = re.compile(r"(\d+)\.0+")


def caller_number(value: Any) -> str | None:
    """The caller's number as the manifest gives it, None when withheld; a JSON number or a float column's whole
    number (13867405519.0) is read as its digits, so it hashes as the same caller as the number written as text."""
    if not value:   # withheld: empty, or a JSON 0 / false as a column of numbers writes it
        return None
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        value = int(value)
    text = str(value).strip()
    if m := _FLOAT_ZERO.fullmatch(text):
        text = m.group(1)
    return text or None


def _text(value: Any) -> str:
    return str(value or "").strip()


def _resolve(value: Any, folder: Path) -> Path | None:
    """A path from the manifest, relative to `folder`; None when the cell is empty."""
    if not _text(value):
        return None
    p = Path(_text(value)).expanduser()
    return p if p.is_absolute() else (folder / p).resolve()


def _row_problem(row: dict[str, Any]) -> str | None:
    """What is wrong with a row's fields (times and duplicates are checked by the caller), or None."""
    absent = [c for c in REQUIRED if c not in MAY_BE_EMPTY and not _text(row.get(c))]
    audio, transcript = _text(row.get("audio_path")), _text(row.get("transcript_path"))
    if audio and transcript:
        return ("both audio_path and transcript_path are given; a row names one: the recording (callintel "
                "transcribes it) or a transcript made elsewhere")
    if not audio and not transcript:
        absent.append("audio_path or transcript_path")
    elif audio and not _text(row.get("channel_layout")):
        absent.append("channel_layout")
    if absent:
        return f"empty or missing {', '.join(absent)}"
    number = caller_number(row.get("caller_number"))
    if number is not None and _SCIENTIFIC.fullmatch(number):
        return (f"caller_number '{number}' is in scientific notation: a spreadsheet or a float column dropped its "
                "digits (hashing what is left would link different callers); export the column as text")
    layout = _text(row.get("channel_layout"))
    if layout and layout not in CHANNEL_LAYOUTS:
        return f"channel_layout '{row['channel_layout']}' is not one of {', '.join(CHANNEL_LAYOUTS)}"
    fmt = _text(row.get("transcript_format"))
    if fmt and not transcript:
        return "transcript_format is given but transcript_path is empty"
    if fmt and fmt not in TRANSCRIPT_FORMATS:
        return (f"transcript_format '{fmt}' is not one of {', '.join(TRANSCRIPT_FORMATS)} "
                "(or leave it empty: the format is recognised from the file)")
    return None

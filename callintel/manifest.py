"""The night's manifest: CSV or JSON lines, one call per row.

Required columns are fixed; any other column is kept as a call attribute. A bad row is
reported with its line number and skipped, so one typo never loses the night.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from callintel.records import CHANNEL_LAYOUTS, CallRecord, Failure

REQUIRED = ("call_id", "audio_path", "caller_number", "agent_id", "started_at", "channel_layout")
# caller_number may be empty (withheld); the others must be present and non-empty.
MAY_BE_EMPTY = {"caller_number", "agent_id"}


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


def _parse_time(value: str, tz: ZoneInfo) -> datetime:
    dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=tz)


def read_manifest(path: str | Path, timezone: str = "Asia/Shanghai") -> Manifest:
    """Parse a manifest; good rows become CallRecords, bad rows become Failures."""
    path = Path(path)
    if not path.exists():
        raise ManifestError(f"manifest not found: {path}")
    tz = ZoneInfo(timezone)
    columns, rows = _rows(path)
    if columns is not None:
        missing = [c for c in REQUIRED if c not in columns]
        if missing:
            raise ManifestError(f"{path}: missing column(s) {', '.join(missing)}; "
                                f"required: {', '.join(REQUIRED)}")
    out = Manifest(path=path)
    seen: dict[str, int] = {}
    for lineno, row in rows:
        item = str(row.get("call_id") or f"line {lineno}").strip()
        if "__error__" in row:
            out.failures.append(Failure(item, "manifest", f"{path.name} line {lineno}: {row['__error__']}"))
            continue
        problem = None
        absent = [c for c in REQUIRED if c not in MAY_BE_EMPTY and not str(row.get(c) or "").strip()]
        if absent:
            problem = f"empty or missing {', '.join(absent)}"
        elif str(row["channel_layout"]).strip() not in CHANNEL_LAYOUTS:
            problem = (f"channel_layout '{row['channel_layout']}' is not one of {', '.join(CHANNEL_LAYOUTS)}")
        started = None
        if problem is None:
            try:
                started = _parse_time(str(row["started_at"]), tz)
            except ValueError:
                problem = f"started_at '{row['started_at']}' is not an ISO date-time (e.g. 2026-11-20T09:30:00+08:00)"
        call_id = str(row.get("call_id") or "").strip()
        if problem is None and call_id in seen:
            problem = f"duplicate call_id (first seen on line {seen[call_id]}); this row is skipped"
        if problem is not None:
            if call_id in seen:
                item = f"{call_id} (line {lineno})"
            out.failures.append(Failure(item, "manifest", f"{path.name} line {lineno}: {problem}",
                                        call_id=call_id or None))
            continue
        assert started is not None
        seen[call_id] = lineno
        audio = Path(str(row["audio_path"]).strip()).expanduser()
        if not audio.is_absolute():
            audio = (path.parent / audio).resolve()
        extra = {k: v for k, v in row.items() if k not in REQUIRED and k is not None and v not in (None, "")}
        out.calls.append(CallRecord(
            call_id=call_id,
            audio_path=audio,
            caller_number=(str(row.get("caller_number") or "").strip() or None),
            agent_id=(str(row.get("agent_id") or "").strip() or None),
            started_at=started,
            channel_layout=str(row["channel_layout"]).strip(),  # type: ignore[arg-type]
            night=started.astimezone(tz).date(),
            source_line=lineno,
            attributes=extra,
        ))
    return out

"""Run records and failures (pipeline_runs, failures): what an operator reads in `callintel status`.

A failure is keyed by (manifest, item, stage), so a rerun updates it instead of adding another,
and it is removed when a later run lands the call.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb

from callintel.records import Failure
from callintel.warehouse.db import transaction


def _now() -> datetime:
    return datetime.now(UTC)


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, flow: str, manifest: str, nights: list[str],
              calls_in_manifest: int, fingerprint: str, models: dict[str, str], version: str) -> None:
    con.execute("""INSERT INTO pipeline_runs (run_id, flow, manifest, nights, started_at, status,
                   calls_in_manifest, config_fingerprint, model_versions, callintel_version)
                   VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)""",
                [run_id, flow, manifest, ",".join(nights), _now(), calls_in_manifest, fingerprint,
                 json.dumps(models), version])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **figures: Any) -> None:
    sets = ", ".join(f"{k} = ?" for k in figures)
    con.execute(f"UPDATE pipeline_runs SET finished_at = ?, status = ?{', ' if sets else ''}{sets} "
                "WHERE run_id = ?", [_now(), status, *figures.values(), run_id])


def write_failures(con: duckdb.DuckDBPyConnection, failures: Iterable[Failure], manifest: str,
                   run_id: str) -> int:
    """Upsert failures keyed by (manifest, item, stage): a rerun updates, never duplicates."""
    rows = [(f.item, f.stage, f.call_id, manifest, f.reason, f.detail, run_id, _now()) for f in failures]
    if not rows:
        return 0
    with transaction(con):
        con.executemany("""INSERT OR REPLACE INTO failures
            (item, stage, call_id, manifest, reason, detail, run_id, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                        rows)
    return len(rows)


def clear_manifest_failures(con: duckdb.DuckDBPyConnection, manifest: str, keep_items: set[str]) -> None:
    """Forget earlier manifest-line failures that this run no longer sees (the row was fixed)."""
    rows = con.execute("SELECT item FROM failures WHERE manifest = ? AND stage = 'manifest'", [manifest]).fetchall()
    stale = [item for (item,) in rows if item not in keep_items]
    if stale:
        con.execute("DELETE FROM failures WHERE manifest = ? AND stage = 'manifest' AND item IN (SELECT unnest(?))",
                    [manifest, stale])

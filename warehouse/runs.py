"""Run records, failures and run bookkeeping: what an operator reads in `callintel status`.

A failure is keyed by (manifest, item, stage), so a rerun updates it instead of adding another, and it is
removed when a later run lands the call. Runs that died are marked interrupted by the next night; each finished
run keeps its summary and exit code.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import duckdb

from callintel.records import Failure
from callintel.warehouse.db import has_tables, transaction

# what `callintel run` returns for each final status (README, Operations)
EXIT_CODES = {"succeeded": 0, "partial": 3, "failed": 4}


def mark_interrupted(con: duckdb.DuckDBPyConnection, found_by: str,
                     progress: dict[str, Any] | None = None) -> list[str]:
    """Runs still `running` when a new night holds the lock died (killed, power cut): say so, and how far they got.

    Call only while holding the night lock: then no `running` row belongs to a live process.
    """
    rows = con.execute("SELECT run_id, started_at, calls_in_manifest FROM pipeline_runs "
                       "WHERE status = 'running'").fetchall()
    marked = []
    for run_id, started, calls_in in rows:
        landed, last_call = con.execute("SELECT count(*), max(processed_at) FROM calls WHERE run_id = ?",
                                        [run_id]).fetchone()
        failed = con.execute("SELECT count(*) FROM failures WHERE run_id = ?", [run_id]).fetchone()[0]
        last_seen = last_call or started
        stage = None
        if progress and progress.get("run_id") == run_id:
            last_seen = datetime.fromisoformat(progress["updated_at"])
            stage = progress.get("stage")
        note = (f"stopped without finishing (killed or crashed) after {landed} of {calls_in} calls landed"
                f"{f', during {stage}' if stage else ''}; last sign of life {last_seen:%Y-%m-%d %H:%M:%S %Z}; "
                f"found by run {found_by}")
        con.execute("""UPDATE pipeline_runs SET status = 'interrupted', finished_at = ?, calls_ok = ?,
                       calls_failed = ?, note = ? WHERE run_id = ?""", [last_seen, landed, failed, note, run_id])
        marked.append(run_id)
    return marked


def unpublished_runs(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    """(run_id, status, manifest) of the runs that wrote this working copy after its last publication and ended
    without publishing (failed, or interrupted: killed), oldest first: what a resumed copy holds half-done."""
    return con.execute("""
        SELECT run_id, status, manifest FROM pipeline_runs
        WHERE status IN ('failed', 'interrupted')
          AND started_at > coalesce((SELECT max(r.started_at) FROM pipeline_runs r JOIN publication p USING (run_id)),
                                    TIMESTAMPTZ '1970-01-01 00:00:00+00')
        ORDER BY started_at, run_id""").fetchall()


def record_process(con: duckdb.DuckDBPyConnection, run_id: str, host: str, pid: int) -> None:
    con.execute("UPDATE pipeline_runs SET host = ?, pid = ? WHERE run_id = ?", [host, pid, run_id])


def close_run(con: duckdb.DuckDBPyConnection, run_id: str, summary: dict[str, Any], exit_code: int,
              note: str | None = None) -> None:
    con.execute("UPDATE pipeline_runs SET summary = ?, exit_code = ?, note = ? WHERE run_id = ?",
                [json.dumps(summary, ensure_ascii=False), exit_code, note, run_id])


def record_publication(con: duckdb.DuckDBPyConnection, run_id: str, nights: list[str], status: str) -> None:
    calls = con.execute("SELECT count(*) FROM calls").fetchone()[0]
    con.execute("DELETE FROM publication")
    con.execute("INSERT INTO publication VALUES (?, ?, ?, ?, ?)",
                [run_id, ",".join(nights), status, calls, datetime.now(UTC)])


def summarize(calls_in: int, done: int, cached: int, failed: int, to_review: int, audio_s: float,
              wall_s: float, timings: list[tuple[str, float, float]], slowest: int) -> dict[str, Any]:
    """The figures people read each morning; `timings` is (call_id, audio s, processing s) per transcribed call."""
    slow = sorted(timings, key=lambda t: -t[2])[:slowest]
    return {
        "calls_in": calls_in, "done": done, "cached": cached, "failed": failed, "to_review": to_review,
        "audio_hours": round(audio_s / 3600, 3), "wall_seconds": round(wall_s, 1),
        "calls_per_hour": round(done / (wall_s / 3600), 1) if wall_s > 0 else None,
        "slowest_calls": [{"call_id": c, "audio_s": round(a, 1), "processing_s": round(p, 1)} for c, a, p in slow],
    }


def calls_to_review(con: duckdb.DuckDBPyConnection, min_call_s: float,
                    nights: list[str] | None = None) -> list[tuple[str, str, float, str]]:
    """(night, call_id, duration, reason) of calls a person should listen to: the view v_calls_to_review's (no speech,
    one side only, warnings) and calls shorter than `min_call_s`."""
    return con.execute("""
        SELECT CAST(c.night AS VARCHAR), c.call_id, c.duration_s,
               concat_ws('; ', nullif(v.reason, ''),
                         CASE WHEN c.duration_s < $min THEN format('only {:.1f} s of audio', c.duration_s) END)
        FROM calls c LEFT JOIN v_calls_to_review v USING (call_id)
        WHERE (v.call_id IS NOT NULL OR c.duration_s < $min)
          AND ($all OR CAST(c.night AS VARCHAR) IN (SELECT unnest($nights)))
        ORDER BY c.night DESC, c.call_id""", {"min": min_call_s, "all": not nights,
                                              "nights": nights or []}).fetchall()


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
    rows = [(f.item, f.stage, f.call_id, manifest, f.reason, f.detail, run_id, _now(), f.source) for f in failures]
    if not rows:
        return 0
    with transaction(con):
        con.executemany("""INSERT OR REPLACE INTO failures (item, stage, call_id, manifest, reason, detail, run_id,
            failed_at, source_path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""", rows)
    return len(rows)


def clear_manifest_failures(con: duckdb.DuckDBPyConnection, manifest: str, keep_items: set[str]) -> None:
    """Forget earlier manifest-line failures that this run no longer sees (the row was fixed)."""
    rows = con.execute("SELECT item FROM failures WHERE manifest = ? AND stage = 'manifest'", [manifest]).fetchall()
    stale = [item for (item,) in rows if item not in keep_items]
    if stale:
        con.execute("DELETE FROM failures WHERE manifest = ? AND stage = 'manifest' AND item IN (SELECT unnest(?))",
                    [manifest, stale])


# --- what `callintel status` reads (flows/status.py prints it) ---

def published(con: duckdb.DuckDBPyConnection) -> tuple[str, str, str, int, datetime] | None:
    """(run_id, nights, status, calls, published_at) of the night the file holds; None when no night of a version
    with the publication table wrote it."""
    if not has_tables(con, "publication"):
        return None
    return con.execute("SELECT run_id, nights, status, calls, published_at FROM publication LIMIT 1").fetchone()


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int) -> list[tuple[Any, ...]]:
    """The last `limit` runs, newest first: (run_id, status, nights, ok, cached, failed, seconds, summary JSON,
    note); summary and note are NULL in a warehouse older than those columns."""
    extra = _has_column(con, "pipeline_runs", "summary")
    return con.execute(f"""SELECT run_id, status, nights, calls_ok, calls_cached, calls_failed,
                          round(epoch(finished_at - started_at), 1), {'summary, note' if extra else 'NULL, NULL'}
                          FROM pipeline_runs ORDER BY started_at DESC LIMIT ?""", [limit]).fetchall()


def open_failures(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str]]:
    """(item, stage, reason) of every failure no later run cleared, newest first."""
    return con.execute("SELECT item, stage, reason FROM failures ORDER BY failed_at DESC").fetchall()


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_columns() WHERE table_name = ? AND column_name = ?",
                            [table, column]).fetchall()[0][0])

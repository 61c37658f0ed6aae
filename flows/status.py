"""`callintel status`: the published night, the running night's progress, runs, failures, calls to review.

Reads only: the published file read-only (never blocked by a night, which writes its own copy), through
warehouse/runs.py's readers, and the night's progress file. Does not import Prefect, so it answers in a second.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callintel.settings import Settings
from callintel.warehouse.db import WarehouseError, connect, open_error
from callintel.warehouse.export import set_timezone
from callintel.warehouse.publish import NightFiles, night_is_alive, read_progress
from callintel.warehouse.runs import calls_to_review, open_failures, published, recent_runs


def show_status(settings: Settings, limit: int, out: Console) -> int:
    """Print everything ops needs in the morning; returns 1 when there is no warehouse yet."""
    files = NightFiles(settings.path("warehouse"))
    tz = settings["night"]["timezone"]
    progress = read_progress(files)
    if progress and progress.get("updated_at"):  # written in UTC; shown in the warehouse's zone like every time
        progress["updated_at"] = _local(progress["updated_at"], tz)
    alive = night_is_alive(files)
    _show_progress(progress, alive, out)
    if progress and not files.published.exists():
        out.print(f"no night published yet at {escape(str(files.published))}")
        return 0
    try:
        con = connect(files.published, read_only=True)
    except WarehouseError as exc:
        out.print(f"[red]{escape(str(exc))}[/red]")
        return 1
    try:
        _show_all(con, settings, tz, limit, alive, progress, out)
    except duckdb.Error as exc:  # opened, but its pages are damaged: say so instead of a traceback
        out.print(f"[red]{escape(open_error(files.published, True, exc))}[/red]")
        return 1
    finally:
        con.close()
    return 0


def _show_all(con, settings: Settings, tz: str, limit: int, alive: bool, progress: dict[str, Any] | None,
              out: Console) -> None:
    """The published night, runs, open failures and calls to review (may raise duckdb.Error on a damaged file),
    times in the warehouse's zone."""
    set_timezone(con, tz)
    _show_published(con, out, tz)
    _show_runs(con, limit, alive, progress, out)
    fails = open_failures(con)
    for item, stage, reason in fails:
        out.print(f"[yellow]failed[/yellow] {escape(item)} ({stage}): {escape(reason)}")
    if not fails:
        out.print("no open failures")
    review = calls_to_review(con, settings["review"]["min_call_s"])
    for night, call_id, duration, reason in review:
        out.print(f"[yellow]needs a look[/yellow] {escape(call_id)} ({night}, {duration:.1f} s): {escape(reason)}")
    if not review:
        out.print("no calls need a look")


def _show_progress(progress: dict[str, Any] | None, alive: bool, out: Console) -> None:
    if not progress:
        return
    state = progress.get("status")
    if state == "running" and not alive:
        out.print(f"[red]night {progress['run_id']} died[/red] (killed or crashed) during {progress.get('stage')} "
                  f"after {progress.get('done', 0)} of {progress.get('calls_in', '?')} calls; last alive "
                  f"{progress.get('updated_at')}. The next run continues where it stopped.")
    elif state == "running":
        out.print(f"[cyan]night running[/cyan]: {progress['run_id']} (pid {progress.get('pid')}), "
                  f"stage {progress.get('stage')}, {progress.get('done', 0)}/{progress.get('calls_in', '?')} calls "
                  f"done ({progress.get('cached', 0)} cached), {progress.get('failed', 0)} failed, "
                  f"last call {progress.get('last_call', '-')}, updated {progress.get('updated_at')}")
    if state == "running" and progress.get("workers_lost"):
        lost = ", ".join(progress["workers_lost"])
        out.print(f"[yellow]Dask workers lost[/yellow] during this night: {escape(lost)}")
    if progress.get("stage") == "exporting" and not alive:
        out.print(f"[red]exports of run {escape(str(progress['run_id']))} never finished[/red] (killed or crashed "
                  f"while exporting; the night is published, last alive {progress.get('updated_at')}): "
                  "`callintel export people` writes them")
    if progress.get("exports_error"):
        out.print(f"[red]exports of run {escape(str(progress['run_id']))} failed[/red] (the night is published): "
                  f"{escape(str(progress['exports_error']))}")
    if state == "failed":
        out.print(f"[red]last night {progress['run_id']} failed[/red] at {progress.get('updated_at')}: "
                  f"{escape(str(progress.get('error')))}. Readers still see the previous published night.")


def _local(iso: str, tz: str) -> str:
    try:
        return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M:%S} {tz}"
    except ValueError:
        return iso


def _show_published(con, out: Console, tz: str) -> None:
    row = published(con)
    if row:
        out.print(f"published: night(s) {row[1]} by {row[0]} ({row[2]}, {row[3]} calls) at "
                  f"{row[4].astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M} {tz}")
    else:
        out.print("published: no night published yet by this version")


def _show_runs(con, limit: int, alive: bool, progress: dict[str, Any] | None, out: Console) -> None:
    runs = recent_runs(con, limit)
    table = Table(title="recent runs")
    for col in ("run", "status", "nights", "ok", "cached", "failed", "seconds", "calls/h", "note"):
        table.add_column(col)
    for run_id, status, nights, ok, cached, failed, secs, summary, note in runs:
        if status == "running" and not alive:
            status = "interrupted"  # a published file never holds a live run; marked so in the next night
        per_hour = json.loads(summary).get("calls_per_hour") if summary else None
        table.add_row(escape(run_id), status, nights, *[str(v) for v in (ok, cached, failed, secs)],
                      "" if per_hour is None else str(per_hour), escape(note or ""))
    out.print(table)

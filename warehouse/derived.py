"""Derived tables that are plain SQL (warehouse/sql/derived/*.sql), and the settings they read.

As the views, they are SQL files documented where they are defined (dbt's discipline); their
parameters are the steps' settings, written to `step_params` first, so a query can always show
which thresholds produced a number. Each file is recomputed whole: simple, idempotent, and cheap
next to the steps that feed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from callintel.warehouse.db import SQL_DIR

DERIVED_DIR = SQL_DIR / "derived"


def derived_files() -> list[Path]:
    return sorted(DERIVED_DIR.glob("*.sql"))


def _flat(params: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in params.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out |= _flat(value, f"{name}.")
        else:
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out


def write_params(con: duckdb.DuckDBPyConnection, step: str, params: Mapping[str, Any]) -> None:
    """Record a step's settings in step_params (nested tables as dotted names: trend.min_count)."""
    rows = _flat(params)
    con.execute("DELETE FROM step_params WHERE step = ? AND name IN (SELECT unnest(?))", [step, list(rows)])
    con.executemany("INSERT INTO step_params VALUES (?, ?, ?)", [(step, k, v) for k, v in rows.items()])


def refresh(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Recompute one derived table by its SQL file (call inside a transaction)."""
    path = DERIVED_DIR / f"{name}.sql"
    if not path.is_file():
        raise FileNotFoundError(f"no derived SQL file {path}")
    con.execute(path.read_text(encoding="utf-8"))


def header(path: Path) -> str:
    """The file's leading comment block: its documentation."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return "\n".join(lines)

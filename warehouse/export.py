"""Exports after a night, for people and for BI tools: CSV and XLSX per view, report.html, Parquet.

People get local times (the call centre's [night] timezone, tz-naive, so Excel shows 09:12 as a date-time),
lists joined into readable text, Chinese column names from configs/columns_zh.toml in the workbook and the
report, and a sentence saying why a view is empty. CSV and Parquet keep the views' English column names,
so they round-trip with the SQL and docs/warehouse.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from callintel.settings import Settings
from callintel.warehouse.export_csv import write_csv
from callintel.warehouse.export_xlsx import Sheet, write_workbook

_TZ_NAME = re.compile(r"[A-Za-z0-9_+\-/]+")
_NAME = re.compile(r"[a-z_][a-z0-9_]*")


@dataclass(frozen=True)
class Glossary:
    """What people read instead of identifiers: column and value names, view titles, why a view is empty."""

    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    translate_columns: frozenset[str] = frozenset()
    titles: dict[str, str] = field(default_factory=dict)
    empty: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> Glossary:
        cfg = settings["exports"]
        raw = tomllib.loads(settings.config_file(cfg["columns"]).read_text(encoding="utf-8"))
        return cls(raw["columns"], raw["values"], frozenset(raw["translate_columns"]), dict(cfg["titles"]),
                   dict(cfg["empty"]))

    def column(self, name: str) -> str:
        return self.columns.get(name, name)

    def value(self, column: str, value: Any) -> Any:
        if column in self.translate_columns and isinstance(value, str):
            return self.values.get(value, value)
        if column == "evidence" and isinstance(value, str):  # "customer: 那我等通知。 | agent: ..." -> 客户：...
            for speaker in ("customer", "agent", "unknown"):
                value = value.replace(f"{speaker}: ", f"{self.values.get(speaker, speaker)}：")
        return value

    def title(self, view: str) -> str:
        return self.titles.get(view, view)


@dataclass
class ViewData:
    """A view's rows as people read them (local times, lists joined), with its note when empty."""

    view: str
    columns: list[str]
    rows: list[tuple[Any, ...]]
    total: int
    note: str = ""
    comment: str = ""


def set_timezone(con: duckdb.DuckDBPyConnection, timezone: str) -> None:
    """Show TIMESTAMPTZ values in the call centre's zone (DuckDB sessions start in UTC)."""
    if not _TZ_NAME.fullmatch(timezone):
        raise ValueError(f"not a time zone name: {timezone!r} (see [night] timezone)")
    con.execute(f"SET TimeZone = '{timezone}'")


def existing(con: duckdb.DuckDBPyConnection, wanted: list[str]) -> list[str]:
    """The names in `wanted` that exist as views or tables, in order (a view not built yet is skipped)."""
    have = {n for (n,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal UNION SELECT table_name FROM duckdb_tables()"
    ).fetchall()}
    return [v for v in wanted if v in have and _NAME.fullmatch(v)]


def people_sql(con: duckdb.DuckDBPyConnection, view: str, timezone: str) -> tuple[str, list[str]]:
    """SELECT over `view` with TIMESTAMPTZ as local tz-naive TIMESTAMP and lists/structs/JSON as text."""
    described = con.execute(f"DESCRIBE SELECT * FROM {view}").fetchall()
    exprs, names = [], []
    for name, kind, *_ in described:
        col = f'"{name}"'
        if kind == "TIMESTAMP WITH TIME ZONE":
            expr = f"timezone('{timezone}', {col})"
        elif kind.endswith("[]") and not kind.startswith("STRUCT"):
            expr = f"array_to_string(list_transform({col}, lambda x: CAST(x AS VARCHAR)), ', ')"
        elif kind.startswith(("STRUCT", "MAP")) or kind.endswith("[]"):
            expr = f"CAST(to_json({col}) AS VARCHAR)"
        elif kind == "JSON":
            expr = f"CAST({col} AS VARCHAR)"
        else:
            expr = col
        exprs.append(f"{expr} AS {col}")
        names.append(name)
    return f"SELECT {', '.join(exprs)} FROM {view}", names


def outcome_params(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The outcomes step's settings (step_params) the views ran with: window, minimum support, time zone."""
    if not existing(con, ["step_params"]):
        return {}
    return dict(con.execute("SELECT name, value FROM step_params WHERE step = 'outcomes'").fetchall())


def empty_note(view: str, glossary: Glossary, params: dict[str, str]) -> str:
    """Why `view` has no rows, with the settings that decide it (e.g. the minimum support) filled in."""
    template = glossary.empty.get(view, glossary.empty["default"])
    try:
        return template.format(**params)
    except (KeyError, IndexError):  # a parameter not written yet (outcomes never ran)
        return glossary.empty["default"]


def comment_of(con: duckdb.DuckDBPyConnection, name: str) -> str:
    row = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ? UNION ALL "
                      "SELECT comment FROM duckdb_tables() WHERE table_name = ?", [name, name]).fetchone()
    return (row[0] if row else "") or ""


def read_view(con: duckdb.DuckDBPyConnection, view: str, timezone: str, limit: int, glossary: Glossary,
              params: dict[str, str]) -> ViewData:
    sql, columns = people_sql(con, view, timezone)
    rows = con.execute(f"{sql} LIMIT {int(limit)}").fetchall()
    total = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0] if len(rows) >= limit else len(rows)
    note = "" if rows else empty_note(view, glossary, params)
    return ViewData(view, columns, rows, total, note, comment_of(con, view))


def highlight(con: duckdb.DuckDBPyConnection, view: str, wanted: list[str], where: str | None,
              limit: int) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The `wanted` columns `view` has and its first `limit` rows of them ([exports.highlights]; `where` from
    [exports.highlights_where]): the glance `callintel demo` prints."""
    cols = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
                                      [view]).fetchall()}
    chosen = [c for c in wanted if c in cols]
    rows = con.execute(f"SELECT {', '.join(chosen)} FROM {view}{' WHERE ' + where if where else ''} "
                       f"LIMIT {int(limit)}").fetchall()
    return chosen, rows


def export_night(con: duckdb.DuckDBPyConnection, out_dir: Path, settings: Settings) -> dict[str, str]:
    """Write `<view>.csv` for every [exports].views view that exists, `callintel.xlsx` and `report.html`;
    returns name -> path."""
    from callintel.warehouse.report import write_report

    cfg = settings["exports"]
    timezone = settings["night"]["timezone"]
    set_timezone(con, timezone)
    glossary = Glossary.from_settings(settings)
    params = outcome_params(con)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    sheets: list[Sheet] = []
    for view in existing(con, cfg["views"]):
        data = read_view(con, view, timezone, int(cfg["max_rows"]), glossary, params)
        sql, _ = people_sql(con, view, timezone)
        written[view] = str(write_csv(con, sql, out_dir / f"{view}.csv", data.note))
        sheets.append(Sheet(glossary.title(view), view, data.columns, [glossary.column(c) for c in data.columns],
                            [tuple(glossary.value(c, v) for c, v in zip(data.columns, r, strict=True))
                             for r in data.rows], data.note, data.total, data.comment))
    if sheets:
        written["xlsx"] = str(write_workbook(out_dir / "callintel.xlsx", sheets, glossary.columns))
    written["report"] = str(write_report(con, out_dir / "report.html", settings, glossary))
    return written


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, names: list[str]) -> dict[str, str]:
    """Each view and table in `names` as `<name>.parquet` (DuckDB COPY, zstd): typed columns for BI tools.
    TIMESTAMPTZ stays an instant (UTC in the file); the views' *_local columns carry local time."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in existing(con, names):
        path = out_dir / f"{name}.parquet"
        con.execute(f"COPY (SELECT * FROM {name}) TO '{_quote(path)}' (FORMAT parquet, COMPRESSION zstd)")
        written[name] = str(path)
    return written


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")

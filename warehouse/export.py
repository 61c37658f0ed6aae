"""Exports after a night: every analytic view as CSV, one XLSX workbook, and a self-contained HTML report.

The report is one file with inline CSS and SVG (no scripts, no network), so it opens
from an e-mail attachment or a shared drive the same way it opens here.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from openpyxl import Workbook

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2rem;color:#222;max-width:1200px}
h1{font-size:1.5rem} h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.3rem}
table{border-collapse:collapse;font-size:.85rem;width:100%} th,td{border:1px solid #e3e3e3;padding:.3rem .5rem;
text-align:left;vertical-align:top} th{background:#f5f7fa} tr:nth-child(even) td{background:#fbfbfb}
.muted{color:#777;font-size:.85rem} .fail{color:#a33}
.wide{overflow-x:auto} td.long{min-width:12em;overflow-wrap:anywhere}
"""


def _views(con: duckdb.DuckDBPyConnection, wanted: list[str]) -> list[str]:
    have = {n for (n,) in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal UNION SELECT table_name FROM duckdb_tables()"
    ).fetchall()}
    return [v for v in wanted if v in have]


def _bar_chart(rows: list[tuple[str, float]], title: str) -> str:
    """A horizontal bar chart as inline SVG."""
    if not rows:
        return ""
    top = max(v for _, v in rows) or 1
    height = 22 * len(rows) + 10
    bars = []
    for i, (label, value) in enumerate(rows):
        y = 5 + 22 * i
        width = 500 * value / top
        bars.append(f'<text x="0" y="{y + 14}" font-size="12">{html.escape(str(label))}</text>'
                    f'<rect x="160" y="{y}" width="{width:.1f}" height="16" fill="#4a7bd0"/>'
                    f'<text x="{165 + width:.1f}" y="{y + 13}" font-size="11">{value:g}</text>')
    return (f'<figure><figcaption class="muted">{html.escape(title)}</figcaption>'
            f'<svg width="720" height="{height}" role="img">{"".join(bars)}</svg></figure>')


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"<td class='long'>{html.escape(text)}</td>" if len(text) > 12 else f"<td>{html.escape(text)}</td>"


def _table_html(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """A table that scrolls sideways inside its section. Wide views (16+ columns) cannot fit the page:
    column names may break after "_" (<wbr>) and longer text keeps 12em and wraps anywhere, else the
    table squeezes Chinese cells to one character a line while underscored text runs off the page."""
    head = "".join(f"<th>{html.escape(c).replace('_', '_<wbr>')}</th>" for c in columns)
    body = "".join("<tr>" + "".join(_cell(v) for v in r) + "</tr>" for r in rows)
    return f"<div class='wide'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def export_night(con: duckdb.DuckDBPyConnection, out_dir: Path, views: list[str], max_rows: int,
                 report_rows: int, titles: dict[str, str] | None = None, timezone: str | None = None) -> dict[str, str]:
    """Write `<view>.csv`, `callintel.xlsx` and `report.html` into out_dir; returns name -> path.

    In the report each view is a section headed by its title from [exports.titles] (QA leads read
    重复咨询的问题, not v_hot_questions); the view's name stays the section's id and is shown beside it,
    so an analyst knows what to query. Times are written in `timezone` (the call centre's, [night]
    timezone), not UTC: 09:12 is when the customer called.
    """
    titles = titles or {}
    if timezone:
        if not re.fullmatch(r"[A-Za-z0-9_+\-/]+", timezone):
            raise ValueError(f"not a time zone name: {timezone!r} (see [night] timezone)")
        con.execute(f"SET TimeZone = '{timezone}'")
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    book = Workbook()
    book.remove(book.active)
    sections = []
    for view in _views(con, views):
        csv_path = out_dir / f"{view}.csv"
        con.execute(f"COPY (SELECT * FROM {view}) TO '{csv_path}' (HEADER, DELIMITER ',')")
        written[view] = str(csv_path)
        rel = con.execute(f"SELECT * FROM {view} LIMIT {int(max_rows)}")
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
        sheet = book.create_sheet(view[:31])
        sheet.append(columns)
        for r in rows:
            sheet.append([v if isinstance(v, int | float | str) or v is None else str(v) for v in r])
        comment = con.execute("SELECT comment FROM duckdb_views() WHERE view_name = ? UNION ALL "
                              "SELECT comment FROM duckdb_tables() WHERE table_name = ?", [view, view]).fetchone()
        table = _table_html(columns, rows[:report_rows]) if rows else "<p class='muted'>No rows for this night.</p>"
        sections.append(f"<section id='{html.escape(view)}'><h2 data-view='{html.escape(view)}'>"
                        f"{html.escape(titles.get(view, view))}</h2><p class='muted'><code>{html.escape(view)}</code> "
                        f"{html.escape((comment or [''])[0] or '')}</p>{table}</section>")
    if book.sheetnames:
        xlsx = out_dir / "callintel.xlsx"
        book.save(xlsx)
        written["xlsx"] = str(xlsx)
    per_night = con.execute("SELECT night::VARCHAR, count(*) FROM calls GROUP BY night ORDER BY night").fetchall()
    fails = con.execute("SELECT item, stage, reason FROM failures ORDER BY failed_at DESC").fetchall()
    fail_html = (_table_html(["item", "stage", "reason"], fails) if fails else "<p>No open failures.</p>")
    report = out_dir / "report.html"
    report.write_text(
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>callintel nightly report</title>"
        f"<style>{_CSS}</style></head><body><h1>callintel nightly report</h1>"
        f"<p class='muted'>Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from the warehouse.</p>"
        + _bar_chart([(n, float(c)) for n, c in per_night], "Calls per night")
        + "".join(sections)
        + f"<h2 class='fail'>Failures</h2>{fail_html}</body></html>", encoding="utf-8")
    written["report"] = str(report)
    return written

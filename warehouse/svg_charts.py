"""Small charts as inline SVG strings, drawn here: the report must open offline (no scripts, no CDN).

Every mark carries its number in data-value (and a <title> tooltip), so tests and screen readers can check
what is drawn. Text inherits the page's font stack (Noto Sans CJK SC first), so Chinese labels render.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

PALETTE = ("#3b6fb6", "#e07b39", "#4f9d69", "#b4474f", "#7d5ba6", "#c9a227", "#3a9ca8", "#8c6d46",
           "#d46fa6", "#6b7b8c")
RESOLUTION_COLOURS = ("#4f9d69", "#c8453c", "#b9bec6")  # resolved, unresolved, unknown


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _fmt(value: float, percent: bool) -> str:
    return f"{value * 100:.0f}%" if percent else f"{value:g}"


def _short(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _figure(svg: str, title: str, chart: str, note: str = "") -> str:
    foot = f"<p class='muted small'>{_e(note)}</p>" if note else ""
    return (f"<figure class='chart' data-chart='{_e(chart)}'><figcaption>{_e(title)}</figcaption>{svg}{foot}"
            f"</figure>")


def stacked_bars(items: Sequence[tuple[str, Sequence[float]]], series: Sequence[str], title: str, chart: str,
                 colours: Sequence[str] = RESOLUTION_COLOURS, links: Sequence[str | None] | None = None,
                 note: str = "") -> str:
    """Horizontal bars split into series (e.g. resolved / unresolved / unknown), with counts and a legend."""
    if not items:
        return ""
    top = max(sum(v) for _, v in items) or 1
    width, label_w, bar_w, row_h = 640, 190, 350, 24
    parts = [_legend(series, colours, label_w, 12)]
    for i, (label, values) in enumerate(items):
        y = 26 + row_h * i
        text = f"<text x='{label_w - 8}' y='{y + 15}' text-anchor='end'>{_e(_short(label, 16))}</text>"
        if links and links[i]:
            text = f"<a href='#{_e(links[i])}'>{text}</a>"
        parts.append(text)
        x = float(label_w)
        for name, value, colour in zip(series, values, colours, strict=False):
            w = bar_w * value / top
            if value:
                parts.append(f"<rect x='{x:.1f}' y='{y}' width='{w:.1f}' height='{row_h - 6}' fill='{colour}' "
                             f"data-series='{_e(name)}' data-value='{value:g}'><title>{_e(label)} · {_e(name)}: "
                             f"{value:g}</title></rect>")
            x += w
        total = sum(values)
        share = values[1] / total if total and len(values) > 1 else 0
        parts.append(f"<text x='{x + 5:.1f}' y='{y + 14}' class='num'>{total:g}（{share * 100:.0f}%）</text>")
    height = 32 + row_h * len(items)
    return _figure(f"<svg viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img' "
                   f"aria-label='{_e(title)}'>{''.join(parts)}</svg>", title, chart, note)


def column_chart(labels: Sequence[str], values: Sequence[float], title: str, chart: str, percent: bool = False,
                 note: str = "") -> str:
    """Vertical columns over an ordered axis (hours of the day, nights)."""
    if not values:
        return ""
    top = max(values) or 1
    n = len(values)
    width, left, plot_h, base = 640, 30, 150, 175
    step = (width - left - 10) / n
    parts = [f"<line x1='{left}' y1='{base}' x2='{width - 10}' y2='{base}' class='axis'/>"]
    every = 1 if n <= 12 else 2 if n <= 24 else max(1, n // 12)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * value / top
        x = left + step * i
        parts.append(f"<rect x='{x + 2:.1f}' y='{base - h:.1f}' width='{max(step - 4, 1):.1f}' height='{h:.1f}' "
                     f"fill='{PALETTE[0]}' data-value='{value:g}'><title>{_e(label)}: {_fmt(value, percent)}</title>"
                     f"</rect>")
        if value:
            parts.append(f"<text x='{x + step / 2:.1f}' y='{base - h - 4:.1f}' text-anchor='middle' class='num'>"
                         f"{_fmt(value, percent)}</text>")
        if i % every == 0:
            parts.append(f"<text x='{x + step / 2:.1f}' y='{base + 16}' text-anchor='middle' class='axis-label'>"
                         f"{_e(label)}</text>")
    return _figure(f"<svg viewBox='0 0 {width} 200' width='{width}' height='200' role='img' "
                   f"aria-label='{_e(title)}'>{''.join(parts)}</svg>", title, chart, note)


def line_chart(labels: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str, chart: str,
               links: Sequence[str | None] | None = None, note: str = "") -> str:
    """One line per series over ordered labels (nights), with a legend that names (and links) each series."""
    if not series or not labels:
        return ""
    top = max((max(v) for _, v in series if v), default=0) or 1
    width, left, right, top_y, plot_h = 640, 36, 28, 16, 170
    base = top_y + plot_h
    step = (width - left - right) / max(len(labels) - 1, 1)
    parts = [f"<line x1='{left}' y1='{base}' x2='{width - right}' y2='{base}' class='axis'/>",
             f"<text x='{left - 6}' y='{top_y + 4}' text-anchor='end' class='axis-label'>{top:g}</text>",
             f"<text x='{left - 6}' y='{base}' text-anchor='end' class='axis-label'>0</text>"]
    every = 1 if len(labels) <= 8 else max(1, len(labels) // 7)
    for i, label in enumerate(labels):
        if i % every == 0 or i == len(labels) - 1:
            parts.append(f"<text x='{left + step * i:.1f}' y='{base + 16}' text-anchor='middle' class='axis-label'>"
                         f"{_e(label)}</text>")
    for k, (name, values) in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [(left + step * i, base - plot_h * v / top) for i, v in enumerate(values)]
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            parts.append(f"<polyline points='{path}' fill='none' stroke='{colour}' stroke-width='2'/>")
        for (x, y), v, label in zip(points, values, labels, strict=True):
            parts.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='3' fill='{colour}' data-series='{_e(name)}' "
                         f"data-value='{v:g}'><title>{_e(name)} {_e(label)}: {v:g}</title></circle>")
    legend_h = 20 * len(series)
    legend = []
    for k, (name, values) in enumerate(series):
        y = base + 36 + 20 * k
        text = f"<text x='{left + 18}' y='{y + 9}'>{_e(_short(name, 30))}（{values[-1]:g}）</text>"
        if links and links[k]:
            text = f"<a href='#{_e(links[k])}'>{text}</a>"
        legend.append(f"<rect x='{left}' y='{y}' width='12' height='10' fill='{PALETTE[k % len(PALETTE)]}'/>{text}")
    height = base + 40 + legend_h
    return _figure(f"<svg viewBox='0 0 {width} {height}' width='{width}' height='{height}' role='img' "
                   f"aria-label='{_e(title)}'>{''.join(parts + legend)}</svg>", title, chart, note)


def _legend(series: Sequence[str], colours: Sequence[str], x: int, y: int) -> str:
    out = []
    for name, colour in zip(series, colours, strict=False):
        out.append(f"<rect x='{x}' y='{y - 9}' width='12' height='10' fill='{colour}'/>"
                   f"<text x='{x + 16}' y='{y}'>{_e(name)}</text>")
        x += 30 + 14 * len(name)
    return "".join(out)

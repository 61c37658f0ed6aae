"""report.html opened in a real browser (Debian's headless Chromium), as a QA lead would open it.

The byte-level checks in test_export.py cannot see what a browser makes of the file: the encoding it
picks, whether the escaping holds, whether every table survives parsing. Here the report is built by
the project's own code from the bundled sample calls (their scripted turns as a perfect transcript,
masked as the speech stage masks them, then the topics and outcomes steps), so every section has
real rows; Chromium renders it, and the DOM it dumps is compared with DuckDB.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from callintel.flows.sample_warehouse import build, sample_calls
from callintel.records import Failure
from callintel.settings import PROJECT_ROOT, Settings, load_settings
from callintel.speech.redact import RedactionRules, find_pii
from callintel.warehouse.db import connect
from callintel.warehouse.export import Glossary, export_night
from callintel.warehouse.runs import write_failures

pytestmark = pytest.mark.slow  # a real Chromium renders the page

# Headless and quiet: without the background-networking flags Chromium's own connections are refused noisily.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
SECTION_TITLES = {"v_hot_questions", "v_repeat_callers", "v_low_resolution_topics", "v_night_summary"}
CHARTS = {"topic_trend", "resolution_by_topic", "resolution_by_agent", "repeat_rate", "calls_per_night",
          "calls_by_hour"}
HIDDEN = {"caller_hash", "topic_ids"}  # shown short (caller) or by name (topic_names)
# A real-shaped failure reason with markup in it: the browser must show it as text, not as an element.
ODD_REASON = "decode: ffmpeg said <b>Invalid data</b> & gave up on 理赔录音.wav"
# One more call on the last night whose question carries a phone number: its masked form must reach
# the hot questions, the raw number never.
EXTRA_CALL = {
    "call_id": "C20261122-900", "audio_path": "calls/C20261122-900.wav", "caller_number": "13905710231",
    "agent_id": "A002", "started_at": "2026-11-22T19:40:00+08:00", "queue": "claims",
    "channel_layout": "stereo_agent_left", "duration_s": 24.0,
    "turns": [
        {"speaker": "agent", "channel": "left", "start": 0.5, "end": 4.0, "text": "您好，安和人寿，很高兴为您服务。"},
        {"speaker": "customer", "channel": "right", "start": 4.5, "end": 11.0,
         "text": "你好，帮我查一下手机号13905710231名下的理赔到哪一步了？"},
        {"speaker": "agent", "channel": "left", "start": 11.5, "end": 18.0,
         "text": "您的理赔已经审核通过，三个工作日内到账。"},
        {"speaker": "customer", "channel": "right", "start": 18.5, "end": 21.0, "text": "好的，明白了，谢谢。"}]}


def _chromium() -> str:
    """Debian's Chromium (or CALLINTEL_CHROMIUM); skips with what to do when there is none."""
    found = os.environ.get("CALLINTEL_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found or not Path(found).exists():
        pytest.skip("Chromium not found, so report.html was not checked in a browser: run `make test` as root "
                    "(scripts/setup.sh --browser installs it with apt-get), `sudo apt-get install chromium "
                    "fonts-noto-cjk`, or set CALLINTEL_CHROMIUM=/path/to/chromium")
    return found


def _browse(tmp: Path, *args: str) -> str:
    """Run headless Chromium once with a fresh profile; returns its stdout."""
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    proc = subprocess.run([_chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _night_settings(tmp: Path) -> Settings:
    """The demo settings, writing into tmp; a sample topic has 2 calls at most, so low-resolution
    topics need a minimum of 2 (the demo's 3 leaves that section empty)."""
    return load_settings(PROJECT_ROOT / "configs" / "demo.toml",
                         overrides={"paths": {"warehouse": str(tmp / "w.duckdb"), "exports": str(tmp / "exports")},
                                    "outcomes": {"min_topic_calls": 2}})


class _Dom(HTMLParser):
    """The dumped DOM as data: title, headings, tables per section, text, and every resource reference."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.h1 = ""
        self.sections: dict[str, list[list[str]]] = {}
        self.svg_text: list[str] = []
        self.text: list[str] = []
        self.tags: set[str] = set()
        self.refs: list[str] = []  # attribute values and style text that could load something
        self._stack: list[str] = []
        self._section = ""
        self._view = ""
        self.headings: dict[str, str] = {}
        self._cell: list[str] | None = None
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.header_cols: dict[str, list[str]] = {}  # section -> th data-col (the view's column names)
        self.marks: dict[str, list[float]] = {}  # chart -> data-value of its bars/points
        self._chart = ""
        self.anchor_links: dict[str, list[str]] = {}  # element id -> the #links inside it (topic -> calls)
        self._anchor = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._stack.append(tag)
        self.refs += [v for k, v in attrs if v and k in {"src", "href", "srcset", "data", "poster", "style",
                                                        "action", "xlink:href", "background"}]
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
            if (a["id"] or "").startswith(("topic-", "call-")):
                self._anchor = a["id"] or ""
                self.anchor_links[self._anchor] = []
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"] or "")
            if self._anchor:
                self.anchor_links[self._anchor].append(a["href"] or "")
        if tag == "figure":
            self._chart = a.get("data-chart") or ""
            self.marks[self._chart] = []
        if a.get("data-value") is not None and self._chart:
            self.marks[self._chart].append(float(a["data-value"] or 0))
        if tag == "th" and a.get("data-col") and self._section:
            self.header_cols.setdefault(self._section, []).append(a["data-col"] or "")
        if tag == "h2":  # a section is known by its view name (data-view), else by its heading text
            self._view = a.get("data-view") or ""
            self._anchor = ""
        if tag == "tr" and self._section:
            self.sections[self._section].append([])
        elif tag in {"td", "th"}:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "figure":
            self._chart = ""
        if tag in {"td", "th"} and self._cell is not None and self._section:
            self.sections[self._section][-1].append("".join(self._cell))
            self._cell = None
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        where = self._stack[-1] if self._stack else ""
        if where == "style":
            self.refs.append(data)
            return
        self.text.append(data)
        if where == "title" and "svg" not in self._stack:  # an SVG <title> is a tooltip, not the page's
            self.title += data
        elif where == "h1":
            self.h1 += data
        elif where == "h2":
            self._section = self._view or data
            self.sections[self._section] = []
            self.headings[self._section] = data
        elif where == "text":
            self.svg_text.append(data)
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A warehouse of the three sample nights, its report.html, the DOM Chromium made of it, and the rows."""
    _chromium()  # skip before the slow part when there is no browser
    tmp = tmp_path_factory.mktemp("browser")
    settings = _night_settings(tmp)
    con = connect(settings.path("warehouse"))
    build(con, settings, extra=[EXTRA_CALL])
    raw = [t["text"] for c in sample_calls([EXTRA_CALL]) for t in c["turns"]] + [
        c["caller_number"] for c in sample_calls([EXTRA_CALL]) if c.get("caller_number")]
    write_failures(con, [Failure("C20261122-099", "decode", ODD_REASON, call_id="C20261122-099")],
                   "manifest_2026-11-22.csv", "run-browser")
    written = export_night(con, settings.path("exports"), settings)
    cfg = settings["exports"]
    counts = {v: con.execute(f"SELECT count(*) FROM {v}").fetchone()[0] for v in cfg["views"]}
    columns = {v: [d[0] for d in con.execute(f"SELECT * FROM {v} LIMIT 0").description] for v in cfg["views"]}
    first_ids = {v: [r[0] for r in con.execute(f"SELECT * FROM {v} LIMIT {int(cfg['report_rows'])}").fetchall()]
                 for v in cfg["views"]}
    nights_calls = con.execute("SELECT night::VARCHAR, count(*) FROM calls GROUP BY 1 ORDER BY 1").fetchall()
    latest_by_hour = con.execute("SELECT local_hour, count(*) FROM v_calls WHERE night = (SELECT max(night) "
                                 "FROM calls) GROUP BY 1").fetchall()
    con.close()
    url = Path(written["report"]).resolve().as_uri()
    dom = _Dom()
    dom.feed(_browse(tmp, "--dump-dom", url))
    dom.close()
    return {"tmp": tmp, "url": url, "dom": dom, "counts": counts, "columns": columns, "first_ids": first_ids,
            "raw": raw, "nights_calls": nights_calls, "latest_by_hour": latest_by_hour, "settings": settings,
            "rules": RedactionRules.from_settings(settings), "html": Path(written["report"])}


def test_every_section_renders_with_the_warehouse_rows(report):
    dom: _Dom = report["dom"]
    settings = report["settings"]
    glossary = Glossary.from_settings(settings)
    assert dom.title.startswith("callintel 晨报") and dom.h1 == dom.title
    assert set(dom.sections) >= SECTION_TITLES and "失败 Failures" in dom.sections
    assert dom.headings["v_hot_questions"] == "重复咨询的问题 Hot questions"  # readable titles from [exports.titles]
    rows_shown = int(settings["exports"]["report_rows"])
    for view, n in report["counts"].items():
        assert n, f"{view} has no rows: the sample nights should fill every section"
        header, *body = dom.sections[view]
        shown = [c for c in report["columns"][view] if c not in HIDDEN]
        assert dom.header_cols[view] == shown  # the view's columns, in order ...
        assert header == [glossary.column(c) for c in shown]  # ... under their Chinese names
        assert len(body) == min(n, rows_shown), f"{view}: the browser shows other rows than DuckDB holds"
        if report["columns"][view][0] in {"call_id", "rank", "night"}:
            assert [r[0] for r in body] == [str(v) for v in report["first_ids"][view]], view
    assert not any(re.fullmatch(r"[0-9a-f]{32}", cell) for rows in dom.sections.values() for r in rows for cell in r)


def test_charts_are_drawn_with_the_data(report):
    dom: _Dom = report["dom"]
    assert set(dom.marks) >= CHARTS, f"missing charts: {CHARTS - set(dom.marks)}"
    assert all(dom.marks[c] for c in CHARTS), "a chart has no marks"
    assert dom.marks["calls_per_night"] == [float(n) for _, n in report["nights_calls"]]
    assert sum(dom.marks["calls_by_hour"]) == sum(n for _, n in report["latest_by_hour"])
    assert len(dom.marks["calls_by_hour"]) == 24
    assert all(0 <= v <= 1 for v in dom.marks["repeat_rate"])
    assert any("未解决" in t for t in dom.svg_text)  # legends in Chinese


def test_drill_down_links_reach_their_targets(report):
    dom: _Dom = report["dom"]
    local = [h[1:] for h in dom.hrefs if h.startswith("#")]
    assert local and [h for h in dom.hrefs if not h.startswith("#")] == []
    assert [h for h in local if h not in dom.ids] == [], "links to anchors that do not exist"
    topics = [i for i in dom.anchor_links if i.startswith("topic-")]
    assert topics, "no topic drill-down"
    chain = [(t, h[1:]) for t in topics for h in dom.anchor_links[t] if h.startswith("#call-")]
    assert chain, "no topic links to its calls"
    assert all(c in dom.ids for _, c in chain)
    unresolved = dom.sections["未解决的来电 Unresolved calls, latest night"]
    assert len(unresolved) >= 2 and any("客户：" in cell for cell in unresolved[1])  # evidence in words


def test_chinese_text_survives_the_browser(report):
    dom: _Dom = report["dom"]
    hot = dom.sections["v_hot_questions"][1:]
    col = report["columns"]["v_hot_questions"].index("representative")
    assert hot and all(re.search(r"[\u4e00-\u9fff]", r[col]) for r in hot)
    text = "".join(dom.text)
    assert "\ufffd" not in text  # replacement characters: a wrong decode
    # UTF-8 read as Latin-1/Windows-1252: a lead byte shown as à-ï, then a continuation byte (e.g. "ç†")
    assert not re.search(r"[\u00c0-\u00ef][\u0080-\u00bf\u0152-\u0192\u02c6\u02dc\u2013-\u2122]", text)


def test_failure_reasons_are_text_not_markup(report):
    dom: _Dom = report["dom"]
    assert [ODD_REASON] in [r[2:] for r in dom.sections["失败 Failures"]]
    assert "b" not in dom.tags


def test_no_identity_numbers_in_the_page(report):
    dom: _Dom = report["dom"]
    text = "".join(dom.text)
    assert re.search(r"\[(手机号|身份证号|银行卡号)\]", text), "expected a masked number in the report's rows"
    assert [(s, find_pii(s, report["rules"])) for s in dom.text if find_pii(s, report["rules"])] == []
    digits = {d for s in report["raw"] for d in re.findall(r"\d{6,}", s)}
    assert digits, "the sample calls should contain numbers to leak"
    assert not [d for d in digits if d in text]


def test_report_is_self_contained(report):
    dom: _Dom = report["dom"]
    assert not dom.tags & {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"}
    assert not [r for r in dom.refs if re.search(r"https?:|//|url\(|@import", r, re.I)]


def _distinct_colours(png: bytes, limit: int = 300) -> int:
    """Distinct pixel colours of an 8-bit RGB/RGBA PNG, decoded here (PNG filters undone), up to `limit`."""
    width, _, depth, colour, raw = _png_data(png)
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format: depth {depth}, colour type {colour}"
    bpp = 3 if colour == 2 else 4
    stride = width * bpp
    prev, seen = bytearray(stride), set()
    for start in range(0, len(raw), stride + 1):
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        seen.update(bytes(line[i:i + 3]) for i in range(0, stride, bpp * 7))  # every 7th pixel is plenty
        if len(seen) >= limit:
            break
        prev = line
    return len(seen)


def _png_data(png: bytes) -> tuple[int, int, int, int, bytes]:
    """(width, height, bit depth, colour type, the filtered scanlines) of a PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", png[16:26])
    chunks, pos = [], 8
    while pos < len(png):
        size, kind = struct.unpack(">I4s", png[pos:pos + 8])
        if kind == b"IDAT":
            chunks.append(png[pos + 8:pos + 8 + size])
        pos += 12 + size
    return width, height, depth, colour, zlib.decompress(b"".join(chunks))


def _png_rows(png: bytes) -> tuple[int, int, set[bytes]]:
    """(width, height, distinct filtered scanlines): one colour gives at most two distinct lines."""
    width, height, depth, colour, raw = _png_data(png)
    stride = 1 + width * {2: 3, 6: 4, 0: 1, 4: 2}[colour] * depth // 8
    return width, height, {raw[i:i + stride] for i in range(0, len(raw), stride)}


def test_screenshot_is_a_real_page(report):
    shot = report["tmp"] / "report.png"
    _browse(report["tmp"], f"--screenshot={shot}", "--window-size=1280,2000", report["url"])
    if os.environ.get("CALLINTEL_REPORT_PNG"):  # keep it to look at
        shutil.copy(shot, os.environ["CALLINTEL_REPORT_PNG"])
    width, height, lines = _png_rows(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    assert len(lines) > 200, "the screenshot is (nearly) one colour"
    assert _distinct_colours(shot.read_bytes()) >= 16, "the screenshot has almost no shades: blank?"

"""`callintel report --from --to` opened in headless Chromium as a manager would: Chinese headings, one time
zone, per-topic calls and questions counted over the same calls (and agreeing with DuckDB), every number
linking to the calls behind it and every call to its masked transcript, the agent view from utterance timings,
the QA leads' approved scripts, a range that is honoured, and a page that draws.

The warehouse is the sample dialogues through the production text path and steps (three nights).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from cdp import FLAGS, chromium
from conftest import SAMPLES

from callintel.evaluation.calls import land
from callintel.flows.steps import run_steps
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.redact import RedactionRules, find_pii
from callintel.warehouse import reviews
from callintel.warehouse.db import connect


class _Dom(HTMLParser):
    """Tables by data-table (rows of cell texts and the cells' links), h2 texts, ids, hrefs, all text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str | None]]]] = {}
        self.h2: list[str] = []
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self.title = ""
        self._stack: list[str] = []
        self._table: str | None = None
        self._cell: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._stack.append(tag)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
            if self._cell is not None and self._cell[1] is None:
                self._cell[1] = a["href"]
        if tag == "table" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = []
        if tag == "tr" and self._table:
            self.tables[self._table].append([])
        if tag == "td" and self._table:
            self._cell = ["", None]

    def handle_endtag(self, tag: str) -> None:
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()
        if tag == "td" and self._table and self._cell is not None:
            self.tables[self._table][-1].append((self._cell[0], self._cell[1]))
            self._cell = None
        if tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._stack and self._stack[-1] in ("style", "script"):
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell[0] += data
        if self._stack and self._stack[-1] == "h2":
            self.h2.append(data)
        if self._stack and self._stack[-1] == "title":
            self.title += data


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    chromium()
    tmp = tmp_path_factory.mktemp("period_report")
    paths = {"warehouse": str(tmp / "w.duckdb"), "exports": str(tmp / "exports")}
    settings = load_settings(PROJECT_ROOT / "configs" / "demo.toml", overrides={"paths": paths})
    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    # one more buyer of the last night, whose buying sentence names a health condition (a lead; not for the report)
    dialogues.append({"call_id": "C20261122-101", "caller_number": "13700001111", "agent_id": "A001",
                      "started_at": "2026-11-22T20:10:00+08:00", "channel_layout": "mono", "turns": [
                          {"speaker": "agent", "text": "您好，安和人寿客服，工号001，请问有什么可以帮您？"},
                          {"speaker": "customer", "text": "我有高血压，想买你们的重疾险，怎么买？"},
                          {"speaker": "agent", "text": "高血压需要做健康告知，控制稳定的可以投保，我帮您登记一下。"},
                          {"speaker": "customer", "text": "好的，那我想买一份，你们联系我吧。"}]})
    con = connect(settings.path("warehouse"))
    nights = land(con, dialogues, settings)
    run_steps(con, nights, settings)
    call_id, turn, reply, question, topic = con.execute(
        "SELECT call_id, reply_turn, reply, question, topic FROM v_script_library ORDER BY score DESC LIMIT 1"
    ).fetchone()
    con.close()
    reviews.decide(reviews.store_path(settings), call_id=call_id, reply_turn=turn, action="edit", reply=reply,
                   reviewer="质检甲", wording="您好，这个我马上为您办理，三个工作日内给您答复。", question=question,
                   topic=topic, objection="一般问题")
    config = tmp / "report.toml"
    config.write_text(f'[paths]\nwarehouse = "{paths["warehouse"]}"\nexports = "{paths["exports"]}"\n',
                      encoding="utf-8")
    return {"tmp": tmp, "settings": settings, "config": config, "nights": nights, "dialogues": dialogues}


def _report(built: dict[str, Any], *args: str) -> tuple[_Dom, Path]:
    out = built["tmp"] / f"report{len(list(built['tmp'].glob('report*.html')))}.html"
    proc = subprocess.run([sys.executable, "-m", "callintel.flows.cli", "report", "--config", str(built["config"]),
                           "--out", str(out), *args], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    profile = built["tmp"] / f"profile-{out.stem}"
    dom = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", "--dump-dom", out.as_uri()],
                         capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert dom.returncode == 0, dom.stderr[-2000:]
    page = _Dom()
    page.feed(dom.stdout)
    return page, out


def _int(cell: str) -> int:
    return int(re.sub(r"\D", "", cell))


def test_default_week_counts_topics_by_the_same_calls_as_duckdb(built):
    dom, _ = _report(built)
    first, last = min(built["nights"]), max(built["nights"])
    assert dom.title.startswith("callintel 周期报告") and str(last) in dom.title
    assert all(re.search(r"[\u4e00-\u9fff]", h) and not re.search(r"[A-Za-z]{3,}", h.replace("FCR", ""))
               for h in dom.h2), dom.h2
    text = "".join(dom.text)
    assert "Asia/Shanghai 当地时间" in text and "UTC" not in text
    con = connect(built["settings"].path("warehouse"), read_only=True)
    try:
        calls = con.execute("SELECT count(*) FROM calls WHERE night BETWEEN ? AND ?", [first, last]).fetchone()[0]
        per_topic = dict(con.execute(
            "SELECT n.topic_name, count(*) FROM call_topics ct JOIN v_topic_names n USING (topic_id) "
            "GROUP BY 1").fetchall())
        asked = dict(con.execute(
            "SELECT n.topic_name, count(q.question_id) FROM call_topics ct JOIN v_topic_names n USING (topic_id) "
            "LEFT JOIN questions q USING (call_id) GROUP BY 1").fetchall())
    finally:
        con.close()
    rows = dom.tables["topics"][1:]
    assert sum(_int(r[1][0]) for r in rows) == calls
    for r in rows:
        name = r[0][0]
        assert _int(r[1][0]) == per_topic[name], name
        assert _int(r[2][0]) == asked[name], f"{name}: questions are not those of the topic's calls"
        assert r[8][0] in ("上升", "下降", "平稳", "新出现")
    agents = dom.tables["agents"][1:]
    assert sum(_int(r[1][0]) for r in agents) == calls
    assert all(0 <= _int(r[6][0]) <= 100 for r in agents if r[6][0] != "—")  # talk share


def test_every_number_links_to_its_calls_and_each_call_to_a_transcript(built):
    dom, out = _report(built)
    local = [h for h in dom.hrefs if h.startswith("#")]
    assert [h for h in dom.hrefs if not h.startswith("#")] == []
    assert [h for h in local if h[1:] not in dom.ids] == [], "links to anchors that do not exist"
    page = out.read_text(encoding="utf-8")
    for table in ("topics", "agents"):
        for row in dom.tables[table][1:]:
            number, href = row[1]
            assert href and href.startswith("#"), row
            counted = row[1:7] if table == "topics" else row[1:]  # every count and share of the row
            assert all(cell[1] == href for cell in counted), row
            section = page[page.index(f"id='{href[1:]}'"):]
            assert re.search(r"共 (\d+) 通", section).group(1) == number.strip(), (table, row)
    calls_linked = {h[1:] for h in local if h.startswith("#call-")}
    assert calls_linked and calls_linked <= dom.ids


def test_approved_script_and_no_personal_data(built):
    dom, _ = _report(built)
    text = "".join(dom.text)
    assert "您好，这个我马上为您办理，三个工作日内给您答复。" in text and "质检甲" in text
    rules = RedactionRules.from_settings(built["settings"])
    assert [s for s in dom.text if find_pii(s, rules)] == []
    digits = {d for c in built["dialogues"] for t in c["turns"] for d in re.findall(r"\d{6,}", t["text"] or "")}
    assert digits and not [d for d in digits if d in text]


def test_leads_carry_no_health_words(built):
    import tomllib

    dom, _ = _report(built)
    patterns = built["settings"].config_file(built["settings"]["profiles"]["patterns"])
    health = tomllib.loads(patterns.read_text(encoding="utf-8"))["needs"]["health"]
    leads = dom.tables.get("leads", [])[1:]
    assert leads, "the sample nights have buying callers"
    assert not [r for r in leads if any(w in r[4][0] for w in health)]
    assert "C20261122-101" in [r[0][0] for r in leads] and "高血压" not in "".join(dom.text)


def test_range_is_honoured_and_a_reversed_range_is_refused(built):
    night = sorted(built["nights"])[1]
    dom, _ = _report(built, "--from", str(night), "--to", str(night))
    con = connect(built["settings"].path("warehouse"), read_only=True)
    try:
        calls = con.execute("SELECT count(*) FROM calls WHERE night = ?", [night]).fetchone()[0]
    finally:
        con.close()
    assert sum(_int(r[1][0]) for r in dom.tables["topics"][1:]) == calls
    proc = subprocess.run([sys.executable, "-m", "callintel.flows.cli", "report", "--config", str(built["config"]),
                           "--from", "2026-11-22", "--to", "2026-11-20"], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "after --to" in proc.stdout + proc.stderr


def test_screenshot_draws_the_report(built):
    from test_report_browser import _png_rows

    _, out = _report(built)
    shot = built["tmp"] / "period.png"
    subprocess.run([chromium(), *FLAGS, f"--user-data-dir={built['tmp'] / 'profile-shot'}", f"--screenshot={shot}",
                    "--window-size=1200,2400", out.as_uri()], capture_output=True, timeout=300, check=True)
    width, height, lines = _png_rows(shot.read_bytes())
    assert (width, height) == (1200, 2400) and len(lines) > 400, "the screenshot is (nearly) blank"

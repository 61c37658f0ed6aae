"""script_library.html opened in headless Chromium as a QA lead would: it renders, search and the topic and
objection filters work (the page reads them from its URL, as a shared link would carry them), its script
raises no console error, no unmasked number is in the page, and the Chinese text survives.

The warehouse is built from the sample dialogues' text through the production text path and steps
(topics and outcomes for the topic names, then profiles, replies, leads).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from cdp import FLAGS, chromium
from conftest import SAMPLES

from callintel.evaluation.calls import land
from callintel.flows.steps import run_steps
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.speech.redact import RedactionRules, find_pii
from callintel.warehouse.db import connect
from callintel.warehouse.script_library import export_script_library

pytestmark = pytest.mark.slow  # a real Chromium renders the page

def _browse(tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    proc = subprocess.run([chromium(), *FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
                           *args], capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


class _Page(HTMLParser):
    """Articles (visible or hidden, with their data and text), all text, and the h1."""

    def __init__(self) -> None:
        super().__init__()
        self.articles: list[dict[str, Any]] = []
        self.text: list[str] = []
        self.h1 = ""
        self._in: list[str] = []
        self._article: dict[str, Any] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self._in.append(tag)
        if tag == "article":
            self._article = {"topic": a.get("data-topic"), "objection": a.get("data-objection"),
                             "hidden": "hidden" in a, "text": ""}
            self.articles.append(self._article)

    def handle_endtag(self, tag: str) -> None:
        if self._in and self._in[-1] == tag:
            self._in.pop()
        if tag == "article":
            self._article = None

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] in ("script", "style"):
            return
        self.text.append(data)
        if self._in and self._in[-1] == "h1":
            self.h1 += data
        if self._article is not None:
            self._article["text"] += data


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    chromium()
    tmp = tmp_path_factory.mktemp("library")
    settings = load_settings(PROJECT_ROOT / "configs" / "demo.toml",
                             overrides={"paths": {"warehouse": str(tmp / "w.duckdb"), "exports": str(tmp / "exports")}})
    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    con = connect(settings.path("warehouse"))
    nights = land(con, dialogues, settings)
    run_steps(con, nights, settings)
    written = export_script_library(con, settings.path("exports"))
    n = con.execute("SELECT count(*) FROM v_script_library").fetchone()[0]
    con.close()
    url = Path(written["script_library_html"]).resolve().as_uri()
    raw = [t["text"] for c in dialogues for t in c["turns"]] + [c["caller_number"] for c in dialogues]
    return {"tmp": tmp, "url": url, "rows": n, "raw": raw, "rules": RedactionRules.from_settings(settings)}


def _open(library: dict[str, Any], query: str = "") -> tuple[_Page, str]:
    proc = _browse(library["tmp"], "--dump-dom", library["url"] + query)
    page = _Page()
    page.feed(proc.stdout)
    return page, proc.stderr


def test_page_opens_with_every_reply_and_no_console_error(library):
    page, log = _open(library)
    assert page.h1.startswith("优秀话术库")
    assert library["rows"] > 0 and len(page.articles) == library["rows"]
    assert not [a for a in page.articles if a["hidden"]]
    assert not re.search(r"Uncaught|CONSOLE\(\d+\)\].*(Error|error)", log), log[-2000:]


def test_search_and_filters_hide_the_rest(library):
    page, _ = _open(library)
    topic = page.articles[0]["topic"]
    objection = next((a["objection"] for a in page.articles if a["objection"] != page.articles[0]["objection"]),
                     page.articles[0]["objection"])
    word = next(w for w in re.findall(r"[\u4e00-\u9fff]{2}", page.articles[-1]["text"]) if w not in ("客户", "坐席"))
    cases = {f"?q={quote(word)}": lambda a: word in a["text"],
             f"?topic={quote(topic)}": lambda a: a["topic"] == topic,
             f"?objection={quote(objection)}": lambda a: a["objection"] == objection,
             f"?topic={quote(topic)}&q={quote(word)}": lambda a: a["topic"] == topic and word in a["text"]}
    for query, keep in cases.items():
        filtered, log = _open(library, query)
        visible = [a for a in filtered.articles if not a["hidden"]]
        assert len(visible) == sum(keep(a) for a in page.articles), query
        assert all(keep(a) for a in visible), query
        assert "Uncaught" not in log
    assert len([a for a in _open(library, "?q=" + quote("不会出现的词语组合"))[0].articles if not a["hidden"]]) == 0


def test_no_unmasked_number_and_chinese_survives(library):
    page, _ = _open(library)
    text = "".join(page.text)
    assert [s for s in page.text if find_pii(s, library["rules"])] == []
    digits = {d for s in library["raw"] for d in re.findall(r"\d{6,}", s or "")}
    assert digits and not [d for d in digits if d in text]
    assert re.search(r"[\u4e00-\u9fff]", text) and "\ufffd" not in text
    assert not re.search(r"[\u00c0-\u00ef][\u0080-\u00bf\u0152-\u0192\u02c6\u02dc\u2013-\u2122]", text)
    assert re.search(r"\[(手机号|身份证号|银行卡号)\]", text), "the transcripts should show masked numbers"


def test_screenshot_draws_the_page_with_a_chinese_font(library):
    from test_report_browser import _png_rows

    shot = library["tmp"] / "library.png"
    _browse(library["tmp"], f"--screenshot={shot}", "--window-size=1100,1400", library["url"])
    width, height, lines = _png_rows(shot.read_bytes())
    assert (width, height) == (1100, 1400) and len(lines) > 200, "the screenshot is (nearly) blank"
    fc = shutil.which("fc-list")
    if fc:  # without a CJK font Chromium draws boxes: the page would be unreadable
        fonts = subprocess.run([fc, ":lang=zh", "family"], capture_output=True, text=True).stdout
        assert fonts.strip(), "no font with Chinese glyphs is installed (fonts-noto-cjk)"

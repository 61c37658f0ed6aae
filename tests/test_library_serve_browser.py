"""`callintel library serve` used in headless Chromium as a QA lead would: filter, read the masked transcript,
approve a reply, edit another's wording, reject a third with a note; reload; rerun the night; the decisions
stand, in the app, in the warehouse's copy and in the exported library (approved first, the rest candidates).

The warehouse is built from the sample dialogues' text through the production text path and steps, and each
night is written the way `callintel run` writes it: on a working copy that is then swapped in for readers, while
the app keeps serving from the published file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from cdp import Browser, chromium, free_port, wait_for_port
from conftest import SAMPLES
from openpyxl import load_workbook

from callintel.evaluation.calls import land
from callintel.flows.steps import run_steps
from callintel.settings import PROJECT_ROOT, Settings, load_settings
from callintel.warehouse import reviews
from callintel.warehouse.db import connect
from callintel.warehouse.publish import NightFiles, prepare_working_copy, publish
from callintel.warehouse.script_library import export_script_library

PHONE = "13812345678"


def _night(settings: Settings, dialogues: list[dict[str, Any]]) -> None:
    """Land and analyse the calls on a working copy, copy the decisions in, and publish it (as a night does)."""
    files = NightFiles(settings.path("warehouse"))
    prepare_working_copy(files)
    con = connect(files.work)
    run_steps(con, land(con, dialogues, settings), settings)
    reviews.sync_to_warehouse(con, reviews.store_path(settings))
    con.execute("CHECKPOINT")
    con.close()
    publish(files)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    chromium()
    tmp = tmp_path_factory.mktemp("library_serve")
    paths = {"warehouse": str(tmp / "w.duckdb"), "exports": str(tmp / "exports")}
    settings = load_settings(PROJECT_ROOT / "configs" / "demo.toml", overrides={"paths": paths})
    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    _night(settings, dialogues)
    port = free_port()
    config = tmp / "serve.toml"
    config.write_text(f'[paths]\nwarehouse = "{paths["warehouse"]}"\nexports = "{paths["exports"]}"\n'
                      f'[library]\nport = {port}\n', encoding="utf-8")
    server = subprocess.Popen([sys.executable, "-m", "callintel.flows.cli", "library", "serve", "--config",
                               str(config), "--reviewer", "质检甲"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    browser = None
    try:
        wait_for_port(port, server)
        browser = Browser(tmp / "profile")
        yield {"settings": settings, "dialogues": dialogues, "url": f"http://127.0.0.1:{port}", "browser": browser,
               "tmp": tmp}
    finally:
        if browser is not None:
            browser.close()
        server.terminate()
        server.wait(timeout=20)


_CARDS = """Array.from(document.querySelectorAll('article')).map(a => ({id: a.id, call: a.dataset.call,
  turn: Number(a.dataset.turn), review: a.dataset.review, text: a.querySelector('.text').textContent,
  decided: (a.querySelector('.decided') || {}).textContent || ''}))"""


def _cards(b: Browser) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in b.js(_CARDS)}


def test_approve_edit_reject_survive_reload_and_rerun(app):
    b: Browser = app["browser"]
    b.open(app["url"] + "/")
    assert b.js("document.querySelector('h1').textContent").startswith("话术审核")
    before = _cards(b)
    candidates = [c for c in before.values() if c["review"] == "candidate"]
    assert len(candidates) >= 3, before
    first, second, third = candidates[0], candidates[1], candidates[2]

    b.submit(f"document.querySelector('#{first['id']} button[value=approve]').click()")
    wording = f"您好，理赔进度我已经帮您查询，审核完成后会短信通知到您的手机{PHONE}，请您留意。"
    b.submit(f"const a = document.querySelector('#{second['id']}'); a.querySelector('textarea').value = "
             f"{json.dumps(wording, ensure_ascii=False)}; a.querySelector('button[value=edit]').click()")
    # a rejection without a reason is refused with a message, and nothing is saved
    b.submit(f"document.querySelector('#{third['id']} button[value=reject]').click()")
    assert "驳回需要填写原因" in b.js("document.body.textContent")
    assert not reviews.load(reviews.store_path(app["settings"])).get((third["call"], third["turn"]))
    b.open(app["url"] + "/")
    b.submit(f"const a = document.querySelector('#{third['id']}'); a.querySelector('input[name=note]').value = "
             "'这是核对身份的话，不是解答'; a.querySelector('button[value=reject]').click()")

    def check(cards: dict[str, dict[str, Any]]) -> None:
        assert cards[first["id"]]["review"] == "approved" and "质检甲" in cards[first["id"]]["decided"]
        assert cards[first["id"]]["text"] == first["text"]
        assert cards[second["id"]]["review"] == "approved"
        assert PHONE not in cards[second["id"]]["text"] and "[手机号]" in cards[second["id"]]["text"]
        assert cards[second["id"]]["text"].startswith("您好，理赔进度我已经帮您查询")
        assert cards[third["id"]]["review"] == "rejected" and "这是核对身份的话" in cards[third["id"]]["decided"]
        untouched = [i for i in before if i not in (first["id"], second["id"], third["id"])]
        assert all(cards[i]["review"] == "candidate" for i in untouched)

    b.open(app["url"] + "/")
    check(_cards(b))
    assert PHONE not in b.js("document.documentElement.outerHTML")

    # the filter form narrows the list to the approved ones
    b.submit("document.querySelector('select[name=review]').value = 'approved'; "
             "document.querySelector('form.filters').submit()")
    assert b.js("location.search").endswith("review=approved")
    assert set(_cards(b)) == {first["id"], second["id"]}

    # a rerun of the night, published while the app serves: the decisions stand
    _night(app["settings"], app["dialogues"])
    b.open(app["url"] + "/")
    check(_cards(b))
    assert not b.errors, b.errors

    con = connect(app["settings"].path("warehouse"), read_only=True)
    try:
        copied = dict(con.execute("SELECT call_id || ':' || reply_turn, status FROM v_script_reviews").fetchall())
        assert copied == {f"{first['call']}:{first['turn']}": "approved", f"{second['call']}:{second['turn']}":
                          "approved", f"{third['call']}:{third['turn']}": "rejected"}
        written = export_script_library(con, app["tmp"] / "exports", app["settings"])
    finally:
        con.close()
    page = Path(written["script_library_html"]).read_text(encoding="utf-8")
    order = [page.index(f'data-review="{s}"') for s in ("approved", "candidate")]
    assert order == sorted(order) and page.count('data-review="approved"') == 2
    assert "[手机号]，请您留意" in page and PHONE not in page
    sheet = load_workbook(written["script_library_xlsx"]).active
    states = [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert states[:2] == ["已批准", "已批准"] and set(states[2:]) == {"候选（待审核）"}
    assert len(states) == len(before) - 1  # the rejected reply is not published


def test_transcript_page_highlights_the_reply_and_is_masked(app):
    b: Browser = app["browser"]
    b.open(app["url"] + "/")
    card = next(iter(_cards(b).values()))
    b.submit(f"document.querySelector('#{card['id']} a[href^=\"/call/\"]').click()")
    assert b.js("document.querySelector('h1').textContent") == f"通话记录 {card['call']}"
    assert b.js("document.querySelector('tr.hl').id") == f"t{card['turn']}"
    html = b.js("document.documentElement.outerHTML")
    raw = {d for c in app["dialogues"] if c["call_id"] == card["call"] for t in c["turns"]
           for d in re.findall(r"\d{11,}", t["text"])}
    assert not [d for d in raw if d in html]
    b.open(app["url"] + "/call/" + quote("no-such-call"))
    assert "仓库里没有来电 no-such-call" in b.js("document.body.textContent")


def test_screenshot_shows_the_review_page(app):
    from test_report_browser import _png_rows

    b: Browser = app["browser"]
    b.open(app["url"] + "/")
    shot = app["tmp"] / "review.png"
    b.screenshot(shot)
    width, _, lines = _png_rows(shot.read_bytes())
    assert width >= 1000 and len(lines) > 200, "the screenshot is (nearly) blank"


def test_a_reply_transcribed_anew_after_review_is_flagged(app):
    b: Browser = app["browser"]
    b.open(app["url"] + "/")
    card = next(c for c in _cards(b).values() if c["review"] == "candidate")
    reviews.decide(reviews.store_path(app["settings"]), call_id=card["call"], reply_turn=card["turn"],
                   action="approve", reply="审核时听到的另一句话。", reviewer="质检乙")
    b.open(app["url"] + "/")
    text = b.js(f"document.querySelector('#{card['id']}').textContent")
    assert "重跑后这句原话已变化，审核时为：审核时听到的另一句话。" in text
    assert _cards(b)[card["id"]]["review"] == "approved"

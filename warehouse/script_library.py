"""The night's script library (优秀话术) for QA leads: one self-contained HTML page, a CSV and an XLSX.

The page works offline from a shared drive or an e-mail attachment: inline CSS and a small inline script for
search and the topic / objection filters, no network. Each reply shows its question, what followed, its score
and reasons, the agent, and links to the call's transcript, which is in the page (masked, as the warehouse
holds it). CSV is UTF-8 with a BOM so Excel opens the Chinese text correctly.
"""

from __future__ import annotations

import csv
import html
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from openpyxl import Workbook

from callintel.warehouse.spreadsheet_text import as_text, csv_text

COLUMNS = ("topic", "objection", "rank", "score", "question", "reply", "followed", "next_text", "call_label",
           "repeat_followed", "reasons", "similar_replies", "agent_id", "call_id", "question_turn", "reply_turn")

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1.5rem;color:#222;
max-width:1100px}
h1{font-size:1.4rem} h2{font-size:1.1rem;margin-top:2rem;border-bottom:1px solid #ddd}
.controls{display:flex;gap:.6rem;flex-wrap:wrap;align-items:center;margin:1rem 0;position:sticky;top:0;background:#fff;
padding:.5rem 0;border-bottom:1px solid #eee} input,select{font-size:.95rem;padding:.3rem}
.reply{border:1px solid #e3e3e3;border-radius:6px;padding:.6rem .8rem;margin:.6rem 0}
.reply .meta{color:#666;font-size:.8rem} .q{color:#1f4e99} .a{margin:.3rem 0} .f{color:#555;font-size:.9rem}
.tag{display:inline-block;background:#eef3fb;border-radius:3px;padding:0 .35rem;margin-right:.3rem;font-size:.8rem}
.call{border-top:1px solid #eee;padding:.4rem 0} .call p{margin:.15rem 0;font-size:.88rem}
.agent{color:#1f4e99} .customer{color:#6a3d00} .hl{background:#fff4c2} .muted{color:#777;font-size:.85rem}
"""

_JS = """
(function(){
  var q=document.getElementById('q'), t=document.getElementById('topic'), o=document.getElementById('objection');
  var items=Array.prototype.slice.call(document.querySelectorAll('article.reply'));
  var shown=document.getElementById('shown');
  function apply(){
    var s=q.value.trim().toLowerCase(), tv=t.value, ov=o.value, n=0;
    items.forEach(function(el){
      var ok=(!tv||el.getAttribute('data-topic')===tv)&&(!ov||el.getAttribute('data-objection')===ov)
        &&(!s||el.textContent.toLowerCase().indexOf(s)>=0);
      el.hidden=!ok; if(ok){n++;}
    });
    shown.textContent=String(n);
  }
  q.addEventListener('input',apply); t.addEventListener('change',apply); o.addEventListener('change',apply);
  // a link may carry the filters: script_library.html?q=...&topic=...&objection=...
  var p=new URLSearchParams(window.location.search);
  if(p.has('q')){q.value=p.get('q');} if(p.has('topic')){t.value=p.get('topic');}
  if(p.has('objection')){o.value=p.get('objection');}
  apply();
})();
"""


def library_rows(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    cur = con.execute(f"SELECT {', '.join(COLUMNS)} FROM v_script_library")
    return [dict(zip(COLUMNS, r, strict=True)) for r in cur.fetchall()]


def _transcripts(con: duckdb.DuckDBPyConnection, call_ids: list[str]) -> dict[str, list[tuple[int, str, str]]]:
    out: dict[str, list[tuple[int, str, str]]] = {c: [] for c in call_ids}
    if call_ids:
        for cid, seq, speaker, text in con.execute(
                "SELECT call_id, seq, speaker, text FROM utterances WHERE call_id IN (SELECT unnest(?)) "
                "ORDER BY call_id, seq", [call_ids]).fetchall():
            out[cid].append((seq, speaker, text))
    return out


def _anchor(call_id: str) -> str:
    return "call-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in call_id)


def render_html(rows: list[dict[str, Any]], transcripts: dict[str, list[tuple[int, str, str]]], title: str) -> str:
    e = html.escape
    topics = sorted({str(r["topic"]) for r in rows})
    objections = sorted({str(r["objection"]) for r in rows})
    followed_zh = {"accepted": "客户接受", "rejected": "客户不接受", "none": "无明确反应"}
    cards = []
    for r in rows:
        outcome = []
        if r["call_label"]:
            outcome.append(f"通话结果 call: {r['call_label']}")
        if r["repeat_followed"]:
            outcome.append("之后重复来电 repeat call followed")
        cards.append(
            f'<article class="reply" data-topic="{e(str(r["topic"]))}" data-objection="{e(str(r["objection"]))}">'
            f'<div class="meta"><span class="tag">{e(str(r["topic"]))}</span><span class="tag">'
            f'{e(str(r["objection"]))}</span> #{r["rank"]} · score {r["score"]} · '
            f'坐席 agent {e(str(r["agent_id"] or ""))}'
            f' · 相似话术 {r["similar_replies"]}</div>'
            f'<p class="q">客户 Q: {e(r["question"] or "")}</p><p class="a">坐席 A: {e(r["reply"])}</p>'
            f'<p class="f">之后 followed: {e(followed_zh.get(r["followed"], r["followed"]))}'
            f'{" — " + e(r["next_text"]) if r["next_text"] else ""}'
            f'{" · " + e("; ".join(outcome)) if outcome else ""}</p>'
            f'<p class="muted">reasons: {e(r["reasons"])} · '
            f'<a href="#{_anchor(r["call_id"])}">通话 {e(r["call_id"])} 第{r["reply_turn"]}句</a></p></article>')
    calls = []
    for cid, utts in transcripts.items():
        marked = {r["reply_turn"] for r in rows if r["call_id"] == cid}
        lines = "".join(f'<p class="{e(sp)}{" hl" if seq in marked else ""}" id="{_anchor(cid)}-{seq}">'
                        f'{seq}. {"坐席" if sp == "agent" else "客户" if sp == "customer" else "?"}: {e(text)}</p>'
                        for seq, sp, text in utts)
        calls.append(f'<section class="call" id="{_anchor(cid)}"><h3>{e(cid)}</h3>{lines}</section>')
    options = lambda values: "".join(f'<option value="{e(v)}">{e(v)}</option>' for v in values)  # noqa: E731
    made = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_CSS}</style></head><body>'
            f'<h1>{e(title)}</h1><p class="muted">生成于 {made}; {len(rows)} 条话术 replies, {len(transcripts)} 通通话 '
            f'calls. 文本已脱敏 (masked).</p>'
            f'<div class="controls"><input id="q" type="search" placeholder="搜索 search" aria-label="search">'
            f'<select id="topic" aria-label="topic"><option value="">全部主题 all topics</option>{options(topics)}'
            f'</select><select id="objection" aria-label="objection"><option value="">全部异议 all objections</option>'
            f'{options(objections)}</select><span class="muted">显示 <b id="shown">{len(rows)}</b> 条</span></div>'
            f'<main id="replies">{"".join(cards) or "<p class=muted>暂无话术 (no replies yet)</p>"}</main>'
            f'<h2>通话记录 Transcripts</h2>{"".join(calls)}<script>{_JS}</script></body></html>')


def export_script_library(con: duckdb.DuckDBPyConnection, out_dir: Path,
                          title: str = "优秀话术库 Script library") -> dict[str, str]:
    """Write script_library.html/.csv/.xlsx into out_dir; {} when the view does not exist yet."""
    have = {n for (n,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    if "v_script_library" not in have:
        return {}
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = library_rows(con)
    transcripts = _transcripts(con, sorted({r["call_id"] for r in rows}))
    page = out_dir / "script_library.html"
    page.write_text(render_html(rows, transcripts, title), encoding="utf-8")
    csv_path = out_dir / "script_library.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        w.writerows([["" if r[c] is None else csv_text(r[c]) for c in COLUMNS] for r in rows])
    wb = Workbook()
    ws = wb.active
    ws.title = "script_library"
    ws.append(list(COLUMNS))
    for n, r in enumerate(rows, start=2):
        for col, c in enumerate(COLUMNS, start=1):
            value = r[c] if isinstance(r[c], int | float | str) or r[c] is None else json.dumps(r[c], default=str)
            as_text(ws.cell(n, col, value))  # text, never a live formula (spreadsheet_text)
    xlsx = out_dir / "script_library.xlsx"
    wb.save(xlsx)
    return {"script_library_html": str(page), "script_library_csv": str(csv_path), "script_library_xlsx": str(xlsx)}

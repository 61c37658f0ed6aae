"""The night's script library (优秀话术) for QA leads: one self-contained HTML page, a CSV and an XLSX.

The page works offline from a shared drive or an e-mail attachment: inline CSS and a small inline script for
search and the topic / objection filters, no network. Scripts a QA lead approved in `callintel library serve`
come first (in the lead's wording); the rest are marked as candidates and rejected ones are left out. Each
reply shows its question, what followed, its call's current outcome, its score and reasons (in Chinese), the
agent, and links to the call's transcript, which is in the page (masked, as the warehouse holds it). Times are
in [night] timezone. CSV is UTF-8 with a BOM so Excel opens the Chinese text correctly.
"""

from __future__ import annotations

import csv
import html
import json
import tomllib
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
from openpyxl import Workbook

from callintel.settings import Settings, load_settings
from callintel.warehouse import reviews
from callintel.warehouse.reviews import STATUS_ZH, Review
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
.st-approved{background:#e6f4ea;color:#256a3b} .st-candidate{background:#fff4e0;color:#8a5a00}
.reply[data-review=approved]{border-color:#9fd3ae}
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
    """The library's replies with their call's topic and current outcome (v_reply_candidates joins them)."""
    return _rows(con, "WHERE rank IS NOT NULL ORDER BY topic, objection, rank")


def _rows(con: duckdb.DuckDBPyConnection, where: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    cur = con.execute(f"SELECT {', '.join(COLUMNS)}, dialogue_label FROM v_reply_candidates {where}", params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def candidates_of(con: duckdb.DuckDBPyConnection, keys: list[tuple[str, int]]) -> dict[tuple[str, int], dict]:
    """Current candidate rows of these replies, ranked in the library or not (an approved reply stays
    published when a rerun moves it out of the top few)."""
    if not keys:
        return {}
    rows = _rows(con, "WHERE (call_id, reply_turn) IN (SELECT (k.c, k.t) FROM "
                      "(SELECT unnest(?) AS c, unnest(?) AS t) k)", [[k[0] for k in keys], [int(k[1]) for k in keys]])
    return {(r["call_id"], int(r["reply_turn"])): r for r in rows}


def library_entries(con: duckdb.DuckDBPyConnection, decisions: dict[tuple[str, int], Review]) -> list[dict]:
    """What the library publishes: approved scripts first (with the QA lead's wording), then the candidates
    nobody has decided on yet; rejected replies are left out. Each entry's review is approved or candidate."""
    candidates = library_rows(con)
    approved = {k: d for k, d in decisions.items() if d.status == "approved"}
    current = candidates_of(con, list(approved))
    first = []
    for key, d in sorted(approved.items(), key=lambda kv: (kv[1].topic or "", kv[1].objection or "", kv[0])):
        row = current.get(key) or {c: None for c in COLUMNS} | {
            "topic": d.topic, "objection": d.objection, "question": d.question, "reply": d.reply,
            "call_id": d.call_id, "reply_turn": d.reply_turn, "similar_replies": 1, "dialogue_label": None}
        first.append(row | _review_fields(d))
    rest = [r | _review_fields(None) | {"published_text": r["reply"]} for r in candidates
            if (r["call_id"], int(r["reply_turn"])) not in decisions]
    return first + rest


def _review_fields(d: Review | None) -> dict[str, Any]:
    if d is None:
        return {"review": "candidate", "published_text": None, "edited": False, "reviewer": None,
                "reviewed_at": None, "review_note": None}
    return {"review": d.status, "published_text": d.published, "edited": d.wording is not None,
            "reviewer": d.reviewer, "reviewed_at": d.reviewed_at, "review_note": d.note}


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


FOLLOWED_ZH = {"accepted": "客户接受", "rejected": "客户不接受", "none": "无明确反应"}
OUTCOME_ZH = {"resolved": "已解决", "unresolved": "未解决", "unknown": "无法判断"}
# CSV keeps the English names (for tools); the XLSX and the page say them in Chinese.
EXPORT_COLUMNS = {"review": "审核状态", "published_text": "发布话术", "topic": "话题", "objection": "异议类型",
                  "rank": "排名", "score": "得分", "question": "客户问题", "reply": "坐席原话", "followed": "客户反应",
                  "next_text": "客户下一句", "dialogue_label": "通话内是否解决",
                  "call_label": "最终解决情况(含重复来电)",
                  "repeat_followed": "之后重复来电", "reasons": "得分依据", "similar_replies": "相似话术数",
                  "agent_id": "坐席", "call_id": "来电编号", "question_turn": "问题句序", "reply_turn": "回复句序",
                  "edited": "已修改措辞", "reviewer": "审核人", "reviewed_at": "审核时间", "review_note": "审核备注"}


def reason_names(settings: Settings) -> dict[str, str]:
    """Chinese names of the reply-score reasons: [reason_names] of the replies' cue file, the one list the reply
    step writes reasons_zh from (hand cues and the learned ranker's features alike)."""
    raw = tomllib.loads(settings.config_file(settings["replies"]["cues"]).read_text(encoding="utf-8"))
    return dict(raw.get("reason_names", {}))


def reason_text(text: str | None, names: dict[str, str]) -> str:
    return "、".join(names.get(r.strip(), r.strip()) for r in (text or "").split(",") if r.strip())


def _cell(row: dict[str, Any], column: str, names: dict[str, str], tz: ZoneInfo) -> Any:
    v = row.get(column)
    if column == "review":
        return STATUS_ZH.get(v, v)
    if column == "followed":
        return FOLLOWED_ZH.get(v, v)
    if column in ("call_label", "dialogue_label"):
        return OUTCOME_ZH.get(v, v)
    if column == "reasons":
        return reason_text(v, names)
    if isinstance(v, datetime):
        return f"{v.astimezone(tz):%Y-%m-%d %H:%M}"
    if isinstance(v, bool):
        return "是" if v else "否"
    return v


def render_html(rows: list[dict[str, Any]], transcripts: dict[str, list[tuple[int, str, str]]], title: str,
                reasons: dict[str, str] | None = None, timezone: str = "Asia/Shanghai") -> str:
    e = html.escape
    tz = ZoneInfo(timezone)
    names = reasons or {}
    topics = sorted({str(r["topic"]) for r in rows})
    objections = sorted({str(r["objection"]) for r in rows})
    cards: dict[str, list[str]] = {"approved": [], "candidate": []}
    for r in rows:
        outcome = []
        if r.get("dialogue_label"):
            outcome.append(f"通话内{OUTCOME_ZH.get(r['dialogue_label'], r['dialogue_label'])}")
        if r["call_label"]:
            outcome.append(f"最终{OUTCOME_ZH.get(r['call_label'], r['call_label'])}")
        if r["repeat_followed"]:
            outcome.append("之后重复来电")
        review = r.get("review", "candidate")
        said = r["reply"] or ""
        text = r.get("published_text") or said
        edited = (f'<p class="muted">坐席原话：{e(said)}</p>' if r.get("edited") and said != text else "")
        who = (f' · {e(STATUS_ZH[review])}：{e(str(r["reviewer"]))} {e(str(_cell(r, "reviewed_at", names, tz)))}'
               if review == "approved" else "")
        score = f' · 得分 {r["score"]}' if r["score"] is not None else ""
        rank = f' 第{r["rank"]}名' if r["rank"] is not None else ""
        cards[review].append(
            f'<article class="reply" data-topic="{e(str(r["topic"]))}" '
            f'data-objection="{e(str(r["objection"]))}" data-review="{review}">'
            f'<div class="meta"><span class="tag st-{review}">{e(STATUS_ZH[review])}</span>'
            f'<span class="tag">{e(str(r["topic"]))}</span><span class="tag">{e(str(r["objection"]))}</span>'
            f'{rank}{score} · 坐席 {e(str(r["agent_id"] or ""))}'
            f'{" · 相似话术 " + str(r["similar_replies"]) if r["similar_replies"] else ""}{who}</div>'
            f'<p class="q">客户：{e(r["question"] or "")}</p><p class="a">坐席：{e(text)}</p>{edited}'
            f'<p class="f">客户反应：{e(FOLLOWED_ZH.get(r["followed"], r["followed"] or "未知"))}'
            f'{"——" + e(r["next_text"]) if r["next_text"] else ""}'
            f'{" · " + e("；".join(outcome)) if outcome else ""}</p>'
            f'<p class="muted">{"得分依据：" + e(reason_text(r["reasons"], names)) + " · " if r["reasons"] else ""}'
            f'<a href="#{_anchor(r["call_id"])}">来电 {e(r["call_id"])} 第{r["reply_turn"]}句</a></p></article>')
    calls = []
    for cid, utts in transcripts.items():
        marked = {r["reply_turn"] for r in rows if r["call_id"] == cid}
        lines = "".join(f'<p class="{e(sp)}{" hl" if seq in marked else ""}" id="{_anchor(cid)}-{seq}">'
                        f'{seq}. {"坐席" if sp == "agent" else "客户" if sp == "customer" else "?"}: {e(text)}</p>'
                        for seq, sp, text in utts)
        calls.append(f'<section class="call" id="{_anchor(cid)}"><h3>{e(cid)}</h3>{lines}</section>')
    options = lambda values: "".join(f'<option value="{e(v)}">{e(v)}</option>' for v in values)  # noqa: E731
    made = datetime.now(tz).strftime("%Y-%m-%d %H:%M")
    n_ok, n_cand = len(cards["approved"]), len(cards["candidate"])
    main = (f'<h2 id="approved">已批准话术（{n_ok}）</h2>'
            f'{"".join(cards["approved"]) or "<p class=muted>还没有质检批准的话术。</p>"}'
            f'<h2 id="candidates">候选话术，待审核（{n_cand}）</h2>'
            f'{"".join(cards["candidate"]) or "<p class=muted>暂无候选话术。</p>"}')
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{e(title)}</title>'
            f'<meta name="viewport" content="width=device-width,initial-scale=1"><style>{_CSS}</style></head><body>'
            f'<h1>{e(title)}</h1><p class="muted">生成于 {made}（{e(timezone)} 当地时间）；已批准 {n_ok} 条，'
            f'候选 {n_cand} 条，涉及 {len(transcripts)} 通来电。文本已脱敏。</p>'
            f'<div class="controls"><input id="q" type="search" placeholder="搜索" aria-label="搜索">'
            f'<select id="topic" aria-label="话题"><option value="">全部话题</option>{options(topics)}'
            f'</select><select id="objection" aria-label="异议类型"><option value="">全部异议类型</option>'
            f'{options(objections)}</select><span class="muted">显示 <b id="shown">{len(rows)}</b> 条</span></div>'
            f'<main id="replies">{main}</main>'
            f'<h2>通话记录</h2>{"".join(calls)}<script>{_JS}</script></body></html>')


def export_script_library(con: duckdb.DuckDBPyConnection, out_dir: Path, settings: Settings | None = None,
                          title: str = "优秀话术库") -> dict[str, str]:
    """Write script_library.html/.csv/.xlsx into out_dir, approved scripts first and the rest marked as
    candidates (decisions read from the settings' review store; none without settings); {} when the view does
    not exist yet."""
    have = {n for (n,) in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    if "v_script_library" not in have:
        return {}
    decisions = reviews.load(reviews.store_path(settings)) if settings else {}
    settings = settings or load_settings()
    tz = ZoneInfo(settings["night"]["timezone"])
    names = reason_names(settings)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = library_entries(con, decisions)
    transcripts = _transcripts(con, sorted({r["call_id"] for r in rows}))
    page = out_dir / "script_library.html"
    page.write_text(render_html(rows, transcripts, title, names, settings["night"]["timezone"]), encoding="utf-8")
    columns = list(EXPORT_COLUMNS)
    csv_path = out_dir / "script_library.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        w.writerows([["" if r.get(c) is None else csv_text(_plain(r.get(c), tz)) for c in columns] for r in rows])
    wb = Workbook()
    ws = wb.active
    ws.title = "优秀话术库"
    ws.append([EXPORT_COLUMNS[c] for c in columns])
    for n, r in enumerate(rows, start=2):
        for col, c in enumerate(columns, start=1):
            as_text(ws.cell(n, col, _xlsx(_cell(r, c, names, tz))))  # text, never a live formula (spreadsheet_text)
    xlsx = out_dir / "script_library.xlsx"
    wb.save(xlsx)
    return {"script_library_html": str(page), "script_library_csv": str(csv_path), "script_library_xlsx": str(xlsx)}


def _plain(v: Any, tz: ZoneInfo) -> Any:
    return v.astimezone(tz).isoformat(timespec="seconds") if isinstance(v, datetime) else v


def _xlsx(v: Any) -> Any:
    return v if isinstance(v, int | float | str) or v is None else json.dumps(v, default=str, ensure_ascii=False)


def call_for_review(con: duckdb.DuckDBPyConnection, call_id: str) -> tuple[list[tuple[int, str, str]],
                                                                        tuple[Any, ...] | None]:
    """What `callintel library serve` shows of one call: its masked utterances (seq, speaker, text) and its
    (started_at_local, agent_id, topic_name, resolution) from v_calls, None when v_calls lacks it."""
    meta = con.execute("SELECT started_at_local, agent_id, topic_name, resolution FROM v_calls WHERE call_id = ?",
                       [call_id]).fetchone()
    return _transcripts(con, [call_id])[call_id], meta

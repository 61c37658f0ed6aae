"""`callintel library serve`: the QA leads' review app for the script library (话术审核).

A small Starlette app on this machine: a lead filters the candidates (topic, objection type, review state,
words), reads the call's masked transcript, and approves a reply, edits its wording (which approves it) or
rejects it with a note. Plain HTML forms, no script and nothing from the network, so it works in any browser
on the call centre's intranet.

It reads the *published* warehouse read-only, one short connection per page, so a running night never blocks
it and the next page after a night shows the new night. Decisions go to the review store
(warehouse/reviews.py), never to the warehouse: a rerun cannot lose them.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode

import duckdb
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from callintel.settings import Settings
from callintel.speech.redact import RedactionRules
from callintel.warehouse import reviews
from callintel.warehouse.db import WarehouseError, connect
from callintel.warehouse.export import set_timezone
from callintel.warehouse.reviews import STATUS_ZH, ReviewError, ReviewStoreError
from callintel.warehouse.script_library import (
    FOLLOWED_ZH,
    OUTCOME_ZH,
    call_for_review,
    candidates_of,
    library_rows,
    reason_names,
    reason_text,
)

_CSS = """
body{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:1.2rem auto;color:#222;
max-width:1100px;padding:0 1rem} h1{font-size:1.4rem} a{color:#2456a4}
form.filters{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center;padding:.5rem 0;border-bottom:1px solid #eee}
input,select,textarea,button{font-size:.95rem;padding:.3rem;font-family:inherit}
article{border:1px solid #e3e3e3;border-radius:6px;padding:.6rem .8rem;margin:.7rem 0}
article[data-review=approved]{border-color:#9fd3ae;background:#f6fbf7}
article[data-review=rejected]{border-color:#f0b8b8;background:#fdf6f6}
.meta{color:#666;font-size:.82rem} .tag{display:inline-block;background:#eef3fb;border-radius:3px;padding:0 .35rem;
margin-right:.3rem} .st-approved{background:#e6f4ea;color:#256a3b} .st-rejected{background:#fdecea;color:#a1262c}
.st-candidate{background:#fff4e0;color:#8a5a00} .q{color:#1f4e99} .muted{color:#777;font-size:.85rem}
textarea{width:100%;box-sizing:border-box} .actions{display:flex;gap:.5rem;flex-wrap:wrap;align-items:center}
.actions input[name=note]{flex:1;min-width:12rem} .error{background:#fdecea;padding:.6rem;border-radius:6px}
table{border-collapse:collapse;width:100%} td{border-bottom:1px solid #eee;padding:.25rem .4rem;vertical-align:top}
tr.hl td{background:#fff4c2} td.who{white-space:nowrap;color:#555;width:3.5em}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>{_e(title)}</title>"
                        f"<meta name='viewport' content='width=device-width,initial-scale=1'><style>{_CSS}</style>"
                        f"</head><body>{body}</body></html>", status_code=status)


def _key_id(call_id: str, turn: int) -> str:
    return "r-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in call_id) + f"-{turn}"


class LibraryApp:
    """The app's state: settings, the store's path, who is reviewing."""

    def __init__(self, settings: Settings, reviewer: str) -> None:
        self.settings = settings
        self.reviewer = reviewer
        self.store = reviews.store_path(settings)
        self.rules = RedactionRules.from_settings(settings)
        self.reasons = reason_names(settings)
        self.page_size = int(settings["library"]["page_size"])

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect(self.settings.path("warehouse"), read_only=True)
        try:
            set_timezone(con, self.settings["night"]["timezone"])
            yield con
        finally:
            con.close()

    def entries(self, con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
        """Every reply a lead may decide on: the library's candidates plus every reply decided before (an
        approved or rejected reply stays listed after a rerun moves it out of the top few)."""
        decisions = reviews.load(self.store)
        rows = {(r["call_id"], int(r["reply_turn"])): r for r in library_rows(con)}
        missing = [k for k in decisions if k not in rows]
        rows.update(candidates_of(con, missing))
        out = []
        for key, r in rows.items():
            d = decisions.get(key)
            out.append(r | {"review": d.status if d else "candidate", "decision": d})
        for key, d in decisions.items():  # decided, but the call is no longer in the warehouse
            if key not in rows:
                out.append({"topic": d.topic, "objection": d.objection, "question": d.question, "reply": d.reply,
                            "call_id": d.call_id, "reply_turn": d.reply_turn, "rank": None, "score": None,
                            "followed": None, "next_text": None, "call_label": None, "dialogue_label": None,
                            "repeat_followed": None, "reasons": None, "agent_id": None, "similar_replies": None,
                            "review": d.status, "decision": d})
        order = {"candidate": 0, "approved": 1, "rejected": 2}
        out.sort(key=lambda r: (str(r["topic"]), str(r["objection"]), order[r["review"]], r["rank"] or 999,
                                r["call_id"], r["reply_turn"]))
        return out

    async def index(self, request: Request) -> Response:
        p = request.query_params
        topic, objection, state, words = p.get("topic", ""), p.get("objection", ""), p.get("review", ""), \
            p.get("q", "").strip()
        try:
            with self.warehouse() as con:
                rows = self.entries(con)
        except (WarehouseError, ReviewStoreError) as exc:
            return _page("话术审核", f"<h1>话术审核</h1><p class='error'>{_e(exc)}</p>", 503)
        topics = sorted({str(r["topic"]) for r in rows})
        objections = sorted({str(r["objection"]) for r in rows})
        shown = [r for r in rows if (not topic or str(r["topic"]) == topic)
                 and (not objection or str(r["objection"]) == objection) and (not state or r["review"] == state)
                 and (not words or words in f"{r['question']} {r['reply']} {r['next_text']}")]
        back = urlencode({k: v for k, v in p.items() if v})
        counts = {s: sum(r["review"] == s for r in rows) for s in STATUS_ZH}

        def options(values: list[str], chosen: str, labels: dict[str, str] | None = None) -> str:
            return "".join(f"<option value='{_e(v)}'{' selected' if v == chosen else ''}>"
                           f"{_e((labels or {}).get(v, v))}</option>" for v in values)

        filters = (f"<form class='filters' method='get' action='/'>"
                   f"<input type='search' name='q' value='{_e(words)}' placeholder='搜索问题或话术' aria-label='搜索'>"
                   f"<select name='topic' aria-label='话题'><option value=''>全部话题</option>"
                   f"{options(topics, topic)}</select>"
                   f"<select name='objection' aria-label='异议类型'><option value=''>全部异议类型</option>"
                   f"{options(objections, objection)}</select>"
                   f"<select name='review' aria-label='审核状态'><option value=''>全部状态</option>"
                   f"{options(list(STATUS_ZH), state, STATUS_ZH)}</select>"
                   f"<button type='submit'>筛选</button> <a href='/'>清除</a></form>")
        cards = "".join(self._card(r, back) for r in shown[:self.page_size])
        more = (f"<p class='muted'>显示前 {self.page_size} 条，共 {len(shown)} 条；请用筛选缩小范围。</p>"
                if len(shown) > self.page_size else "")
        summary = "，".join(f"{STATUS_ZH[s]} {n} 条" for s, n in counts.items())
        cards = cards or "<p class=muted>没有符合条件的话术。</p>"
        return _page("话术审核", f"<h1>话术审核 · 优秀话术库</h1><p class='muted'>审核人：{_e(self.reviewer)}；"
                               f"{summary}；当前显示 <b id='shown'>{len(shown)}</b> 条。"
                               f"文本已脱敏；修改后的话术同样脱敏后保存。</p>{filters}<main>{cards}</main>{more}")

    def _card(self, r: dict[str, Any], back: str) -> str:
        d: reviews.Review | None = r["decision"]
        state = r["review"]
        text = d.published if d and d.status == "approved" else r["reply"]
        outcome = [f"通话内{OUTCOME_ZH.get(r['dialogue_label'], r['dialogue_label'])}" if r.get("dialogue_label")
                   else "", f"最终{OUTCOME_ZH.get(r['call_label'], r['call_label'])}" if r.get("call_label") else "",
                   "之后重复来电" if r.get("repeat_followed") else ""]
        decided = ""
        if d:
            when = d.reviewed_at.astimezone(_tz(self.settings))
            decided = (f"<p class='muted decided'>{_e(STATUS_ZH[d.status])}：{_e(d.reviewer)} {when:%Y-%m-%d %H:%M}"
                       f"{'；措辞已修改' if d.wording else ''}{'；备注：' + _e(d.note) if d.note else ''}</p>")
        original = (f"<p class='muted'>坐席原话：{_e(r['reply'])}</p>" if d and d.wording else "")
        if d and r["reply"] is not None and d.reply != r["reply"]:  # a rerun transcribed the sentence anew
            original += (f"<p class='error small'>注意：重跑后这句原话已变化，审核时为：{_e(d.reply)}</p>")
        rank = f" 第{r['rank']}名" if r["rank"] is not None else ""
        return (f"<article id='{_key_id(r['call_id'], r['reply_turn'])}' data-call='{_e(r['call_id'])}' "
                f"data-turn='{int(r['reply_turn'])}' data-review='{state}'>"
                f"<div class='meta'><span class='tag st-{state}'>{_e(STATUS_ZH[state])}</span>"
                f"<span class='tag'>{_e(r['topic'])}</span><span class='tag'>{_e(r['objection'])}</span>{rank}"
                f"{' · 得分 ' + _e(r['score']) if r['score'] is not None else ''} · 坐席 {_e(r['agent_id'])} · "
                f"<a href='/call/{_e(r['call_id'])}?turn={int(r['reply_turn'])}'>来电 {_e(r['call_id'])} "
                f"第{int(r['reply_turn'])}句（查看通话记录）</a></div>"
                f"<p class='q'>客户：{_e(r['question'])}</p><p class='a'>坐席：<span class='text'>{_e(text)}</span></p>"
                f"{original}<p class='muted'>客户反应：{_e(FOLLOWED_ZH.get(r['followed'], r['followed'] or '未知'))}"
                f"{'——' + _e(r['next_text']) if r['next_text'] else ''}"
                f"{' · ' + '；'.join(o for o in outcome if o) if any(outcome) else ''}"
                f"{' · 得分依据：' + _e(reason_text(r['reasons'], self.reasons)) if r['reasons'] else ''}</p>{decided}"
                f"<form method='post' action='/review'><input type='hidden' name='call_id' value='{_e(r['call_id'])}'>"
                f"<input type='hidden' name='reply_turn' value='{int(r['reply_turn'])}'>"
                f"<input type='hidden' name='back' value='{_e(back)}'>"
                f"<textarea name='wording' rows='2' aria-label='话术措辞'>{_e(text)}</textarea>"
                f"<div class='actions'><button name='action' value='approve'>批准</button>"
                f"<button name='action' value='edit'>保存修改并批准</button>"
                f"<input name='note' placeholder='驳回原因（驳回时必填）' aria-label='备注' "
                f"value='{_e(d.note if d else '')}'>"
                f"<button name='action' value='reject'>驳回</button></div></form></article>")

    async def review(self, request: Request) -> Response:
        form = {k: v[-1] for k, v in parse_qs((await request.body()).decode("utf-8"), keep_blank_values=True).items()}
        call_id, action = form.get("call_id", ""), form.get("action", "")
        try:
            turn = int(form.get("reply_turn", ""))
        except ValueError:
            return _page("无法保存", "<h1>无法保存</h1><p class='error'>缺少回复句序 (reply_turn)。</p>", 400)
        try:
            with self.warehouse() as con:
                row = candidates_of(con, [(call_id, turn)]).get((call_id, turn))
        except WarehouseError as exc:
            return _page("无法保存", f"<h1>无法保存</h1><p class='error'>{_e(exc)}</p>", 503)
        if row is None:
            return _page("无法保存", f"<h1>无法保存</h1><p class='error'>仓库里没有来电 {_e(call_id)} 第{turn}句"
                                   "这条候选话术（可能已被重跑删除）。</p><p><a href='/'>返回</a></p>", 404)
        wording = form.get("wording", "").strip()
        if action == "approve" and wording and wording != row["reply"]:
            action = "edit"  # the lead changed the text and pressed 批准: keep what they wrote
        if action == "edit" and wording == row["reply"]:
            action = "approve"
        try:
            reviews.decide(self.store, call_id=call_id, reply_turn=turn, action=action, reply=row["reply"],
                           reviewer=self.reviewer, wording=wording if action == "edit" else "",
                           note=form.get("note", ""), question=row["question"], topic=row["topic"],
                           objection=row["objection"], rules=self.rules)
        except (ReviewError, ReviewStoreError) as exc:
            return _page("无法保存", f"<h1>无法保存</h1><p class='error'>{_e(exc)}</p>"
                                   f"<p><a href='/?{_e(form.get('back', ''))}'>返回</a>（已填写的内容未保存）</p>", 400)
        return RedirectResponse(f"/?{form.get('back', '')}#{_key_id(call_id, turn)}", status_code=303)

    async def call(self, request: Request) -> Response:
        call_id = request.path_params["call_id"]
        turn = request.query_params.get("turn")
        try:
            with self.warehouse() as con:
                utts, meta = call_for_review(con, call_id)
        except WarehouseError as exc:
            return _page("通话记录", f"<p class='error'>{_e(exc)}</p>", 503)
        if not utts:
            return _page("通话记录", f"<h1>通话记录</h1><p class='error'>仓库里没有来电 {_e(call_id)}。</p>", 404)
        who = {"agent": "坐席", "customer": "客户"}
        rows = "".join(f"<tr id='t{seq}'{' class=hl' if str(seq) == turn else ''}><td class='who'>{seq}</td>"
                       f"<td class='who'>{who.get(sp, '?')}</td><td>{_e(text)}</td></tr>" for seq, sp, text in utts)
        info = (f"{meta[0]:%Y-%m-%d %H:%M} · 坐席 {_e(meta[1])} · 话题 {_e(meta[2] or '（无）')} · "
                f"{_e(OUTCOME_ZH.get(meta[3], meta[3]))}" if meta else "")
        return _page(f"通话记录 {call_id}", f"<p><a href='/'>← 返回话术审核</a></p><h1>通话记录 {_e(call_id)}</h1>"
                                          f"<p class='muted'>{info}（当地时间，文本已脱敏）</p><table>{rows}</table>")


def _tz(settings: Settings) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings["night"]["timezone"])


def create_app(settings: Settings, reviewer: str) -> Starlette:
    app = LibraryApp(settings, reviewer)
    return Starlette(routes=[Route("/", app.index), Route("/review", app.review, methods=["POST"]),
                             Route("/call/{call_id:path}", app.call)])


def serve(settings: Settings, reviewer: str, host: str | None = None, port: int | None = None) -> None:
    """Run the app until stopped (Ctrl-C)."""
    import uvicorn

    cfg = settings["library"]
    uvicorn.run(create_app(settings, reviewer), host=host or cfg["host"], port=int(port or cfg["port"]),
                log_level="warning")

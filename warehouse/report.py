"""report.html, the morning report a manager reads: Chinese first, charts, readable tables, and drill-down
from a topic to its calls to each call's masked transcript, and from an unresolved call to the sentences
that keep it open.

One self-contained file (inline CSS and SVG, no scripts, no network), so it opens from an e-mail or a shared
drive. Transcripts are capped ([exports] report_* settings) so the file stays small on a big night.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from callintel.settings import Settings
from callintel.warehouse import svg_charts as charts
from callintel.warehouse.export import Glossary, ViewData, existing, outcome_params, read_view

CSS = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
margin:1.5rem auto;color:#222;max-width:1180px;padding:0 1rem;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem} h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:2px solid #dfe5ee;
padding-bottom:.3rem} h3{font-size:1.02rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;font-size:.85rem;width:100%} th,td{border:1px solid #e3e3e3;padding:.3rem .5rem;
text-align:left;vertical-align:top} th{background:#eef2f8;white-space:nowrap} tr:nth-child(even) td{background:#fafbfc}
td.num{text-align:right;font-variant-numeric:tabular-nums} td.long{min-width:14em}
.muted{color:#6b7280} .small{font-size:.8rem} .fail{color:#a33} code{font-size:.8rem;color:#6b7280}
.wide{overflow-x:auto} nav a{margin-right:.9rem;white-space:nowrap} a{color:#2456a4;text-decoration:none}
a:hover{text-decoration:underline}
.kpis{display:flex;gap:1rem;flex-wrap:wrap;margin:1rem 0} .kpi{background:#f3f6fb;border-radius:8px;
padding:.7rem 1.1rem;min-width:9rem} .kpi strong{display:block;font-size:1.5rem} .kpi span{color:#555;font-size:.85rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:1.2rem}
figure.chart{margin:0;border:1px solid #e6e9ef;border-radius:8px;padding:.6rem .8rem;overflow-x:auto}
figure.chart figcaption{font-weight:600;margin-bottom:.3rem}
svg{font-family:inherit;font-size:12px;max-width:100%;height:auto} svg .num{fill:#333;font-size:11px}
svg .axis{stroke:#999} svg .axis-label{fill:#666;font-size:11px} svg a text{fill:#2456a4}
.call{border:1px solid #e6e9ef;border-radius:8px;padding:.4rem .9rem .8rem;margin:.8rem 0}
.call:target,.topic:target{outline:3px solid #f0b429}
.turn-customer td{background:#fff8ee !important} .evidence{background:#fdecea;padding:.1rem .3rem;border-radius:3px}
.tag{display:inline-block;border-radius:4px;padding:0 .4rem;font-size:.8rem;margin-left:.3rem}
.tag.unresolved{background:#fdecea;color:#a1262c} .tag.resolved{background:#e6f4ea;color:#256a3b}
.tag.unknown{background:#eef0f3;color:#555}
table.transcript th:nth-child(1){width:4.5em} table.transcript th:nth-child(2){width:4.5em}
"""
_CALL_COLUMNS = {"call_id", "next_call_id", "prev_call_id", "call_ids", "example_call_ids"}
_TOPIC_COLUMNS = {"topic_id", "main_topic_id"}
_HIDDEN = {"caller_hash", "topic_ids"}  # long hashes and id lists: the short caller and the names are shown
_NUMERIC = (int, float)


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)


class _Anchors:
    """Which calls and topics have a drill-down target in this report (links only go where a target exists)."""

    def __init__(self, calls: set[str], topics: set[int]) -> None:
        self.calls, self.topics = calls, topics

    def call(self, call_id: str) -> str:
        cid = call_id.strip()
        if cid in self.calls:
            return f"<a href='#call-{_e(cid)}'>{_e(cid)}</a>"
        return _e(cid)

    def cell(self, column: str, value: Any, glossary: Glossary) -> str:
        if value is not None and column in _CALL_COLUMNS:
            return ", ".join(self.call(c) for c in str(value).split(",") if c.strip())
        if value is not None and column in _TOPIC_COLUMNS and int(value) in self.topics:
            return f"<a href='#topic-{int(value)}'>{int(value)}</a>"
        return _e(_fmt(glossary.value(column, value)))


def _table(data: ViewData, rows: int, glossary: Glossary, anchors: _Anchors) -> str:
    keep = [i for i, c in enumerate(data.columns) if c not in _HIDDEN]
    head = "".join(f"<th data-col='{_e(data.columns[i])}' title='{_e(data.columns[i])}'>"
                   f"{_e(glossary.column(data.columns[i]))}</th>" for i in keep)
    body = []
    for r in data.rows[:rows]:
        cells = []
        for i in keep:
            v = r[i]
            cls = " class='num'" if isinstance(v, _NUMERIC) and not isinstance(v, bool) else (
                " class='long'" if isinstance(v, str) and len(v) > 14 else "")
            cells.append(f"<td{cls}>{anchors.cell(data.columns[i], v, glossary)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = (f"<p class='muted small'>显示前 {min(rows, len(data.rows))} 行，共 {data.total} 行（完整数据见 "
            f"{_e(data.view)}.csv 与 callintel.xlsx）。</p>" if data.total > rows else "")
    return (f"<div class='wide'><table data-view='{_e(data.view)}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>{more}")


def _q(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return con.execute(sql, params or []).fetchall()


def _charts(con: duckdb.DuckDBPyConnection, have: set[str], cfg: dict[str, Any], glossary: Glossary,
            anchors: _Anchors) -> str:
    nights_n, topics_n = int(cfg["report_nights"]), int(cfg["report_topics"])
    out = []
    if {"v_topic_trend", "v_hot_questions"} <= have:
        nights = [n for (n,) in _q(con, "SELECT DISTINCT night FROM v_topic_trend ORDER BY night DESC LIMIT ?",
                                   [nights_n])][::-1]
        top = _q(con, "SELECT topic_id, topic_name FROM v_hot_questions WHERE questions > 0 ORDER BY rank LIMIT ?",
                 [topics_n])
        counts = {(t, n): q for t, n, q in _q(
            con, "SELECT topic_id, night, questions FROM v_topic_trend WHERE topic_id IN (SELECT unnest(?)) "
                 "AND night IN (SELECT unnest(?))", [[t for t, _ in top], nights])}
        series = [(f"{name}", [float(counts.get((t, n), 0)) for n in nights]) for t, name in top]
        out.append(charts.line_chart([f"{n:%m-%d}" for n in nights], series, "热点问题趋势（每晚提问数）",
                                     "topic_trend", [f"topic-{t}" if t in anchors.topics else None for t, _ in top],
                                     "最近一晚提问最多的话题；括号内为最近一晚的提问数。"))
    outcome_series = ["已解决", "未解决", "无法判断"]
    if "v_resolution_by_topic" in have:
        rows = _q(con, "SELECT topic_id, topic_name, resolved_calls, unresolved_calls, unknown_calls "
                       "FROM v_resolution_by_topic ORDER BY topic_calls DESC, topic_id LIMIT ?", [topics_n])
        out.append(charts.stacked_bars([(f"{n}", [r, u, k]) for _, n, r, u, k in rows], outcome_series,
                                       "各话题通话内解决情况（来电数）", "resolution_by_topic",
                                       links=[f"topic-{t}" if t in anchors.topics else None for t, *_ in rows],
                                       note="来电最多的话题；括号内为未解决占比。"))
    if "v_resolution_by_agent" in have:
        rows = _q(con, "SELECT agent_id, resolved_calls, unresolved_calls, unknown_calls FROM v_resolution_by_agent "
                       "ORDER BY agent_calls DESC, agent_id LIMIT ?", [int(cfg["report_agents"])])
        out.append(charts.stacked_bars([(a or "（未知）", [r, u, k]) for a, r, u, k in rows],
                                       outcome_series, "各坐席通话内解决情况（来电数）", "resolution_by_agent",
                                       note="括号内为未解决占比。"))
    if "v_night_summary" in have:
        rows = _q(con, "SELECT night, repeat_call_share, calls FROM v_night_summary ORDER BY night DESC LIMIT ?",
                  [nights_n])[::-1]
        out.append(charts.column_chart([f"{n:%m-%d}" for n, _, _ in rows], [float(s or 0) for _, s, _ in rows],
                                       "重复来电占比（每晚）", "repeat_rate", percent=True,
                                       note="当晚来电中，同一客户在窗口期内已来过电的占比。"))
        out.append(charts.column_chart([f"{n:%m-%d}" for n, _, _ in rows], [float(c) for _, _, c in rows],
                                       "每晚来电数", "calls_per_night"))
    if "v_calls_by_hour" in have:
        latest = _q(con, "SELECT max(night) FROM v_calls_by_hour")[0][0]
        per_hour = dict(_q(con, "SELECT local_hour, sum(calls) FROM v_calls_by_hour WHERE night = ? GROUP BY 1",
                           [latest]))
        if latest is not None:
            out.append(charts.column_chart([f"{h}" for h in range(24)], [float(per_hour.get(h, 0)) for h in range(24)],
                                           f"各时段来电（{latest:%m-%d}，当地时间，点）", "calls_by_hour"))
    return f"<div class='charts'>{''.join(out)}</div>"


def _drill(con: duckdb.DuckDBPyConnection, have: set[str], cfg: dict[str, Any]) -> tuple[
        list[tuple[Any, ...]], dict[int, list[str]], list[tuple[Any, ...]], list[str]]:
    """Top topics of the latest night with their calls, the latest night's unresolved calls, and every call id
    whose transcript the report carries (the caps keep a 100,000-call night small)."""
    topics, topic_calls, unresolved = [], {}, []
    if "v_hot_questions" in have:
        topics = _q(con, "SELECT topic_id, topic_name, representative, questions, topic_calls, trend, call_ids "
                         "FROM v_hot_questions WHERE questions > 0 ORDER BY rank LIMIT ?", [int(cfg["report_topics"])])
        per = int(cfg["report_calls_per_topic"])
        for t in topics:
            ids = list(t[6] or [])
            topic_calls[t[0]] = [c for (c,) in _q(
                con, "SELECT call_id FROM v_calls WHERE call_id IN (SELECT unnest(?)) "
                     "ORDER BY unresolved_score DESC NULLS LAST, call_id LIMIT ?", [ids, per])] if ids else []
    if "v_unresolved_calls" in have:
        unresolved = _q(con, "SELECT call_id, started_at_local, agent_id, caller, topic_id, topic_name, "
                             "unresolved_score, evidence, next_call_id FROM v_unresolved_calls "
                             "WHERE night = (SELECT max(night) FROM calls) LIMIT ?",
                        [int(cfg["report_unresolved_calls"])])
    ids = list(dict.fromkeys([c for cs in topic_calls.values() for c in cs] + [u[0] for u in unresolved]))
    return topics, topic_calls, unresolved, ids


def _topic_sections(topics: list[tuple[Any, ...]], topic_calls: dict[int, list[str]], meta: dict[str, Any],
                    glossary: Glossary, anchors: _Anchors) -> str:
    out = []
    for topic_id, name, representative, questions, calls, trend, _ in topics:
        rows = "".join(_call_row(meta[c], glossary, anchors) for c in topic_calls.get(topic_id, []) if c in meta)
        out.append(f"<div class='topic' id='topic-{int(topic_id)}'><h3>话题 {int(topic_id)}：{_e(name)}</h3>"
                   f"<p>代表性问题：{_e(representative)}<br><span class='muted'>最近一晚提问 {questions} 次，"
                   f"{calls} 通来电，趋势：{_e(glossary.value('trend', trend))}</span></p>"
                   f"{_call_table(rows)}</div>")
    return "".join(out)


def _call_table(rows: str) -> str:
    if not rows:
        return "<p class='muted'>没有可展开的来电。</p>"
    return ("<div class='wide'><table><thead><tr><th>来电编号</th><th>来电时间</th><th>坐席</th><th>客户</th>"
            "<th>解决情况</th><th>依据(原话)</th></tr></thead><tbody>" + rows + "</tbody></table></div>")


def _call_row(m: dict[str, Any], glossary: Glossary, anchors: _Anchors) -> str:
    return (f"<tr><td>{anchors.call(m['call_id'])}</td><td>{_e(_fmt(m['started_at_local']))}</td>"
            f"<td>{_e(m['agent_id'])}</td><td>{_e(m['caller'])}</td>"
            f"<td>{_e(glossary.value('resolution', m['resolution']))}</td>"
            f"<td class='long'>{_e(glossary.value('evidence', m['evidence']))}</td></tr>")


def _transcripts(con: duckdb.DuckDBPyConnection, ids: list[str], meta: dict[str, Any], glossary: Glossary,
                 anchors: _Anchors) -> str:
    turns: dict[str, list[tuple[Any, ...]]] = {}
    for cid, speaker, start, text in _q(con, "SELECT call_id, speaker, start_s, text FROM utterances "
                                             "WHERE call_id IN (SELECT unnest(?)) ORDER BY call_id, seq", [ids]):
        turns.setdefault(cid, []).append((speaker, start, text))
    out = []
    for cid in ids:
        m = meta.get(cid)
        if m is None:
            continue
        said = set(m["evidence_texts"])
        rows = "".join(
            f"<tr class='turn-{_e(s)}'><td>{_e(glossary.value('speaker', s))}</td><td class='num'>"
            f"{int(t // 60):02d}:{int(t % 60):02d}</td><td>{_mark(x, said)}</td></tr>"
            for s, t, x in turns.get(cid, []))
        res = m["resolution"] or "unknown"
        links = []
        if m["prev_call_id"]:
            links.append(f"上一次来电：{anchors.call(m['prev_call_id'])}")
        if m["next_call_id"]:
            links.append(f"下一次来电：{anchors.call(m['next_call_id'])}")
        topic = (f"<a href='#topic-{m['topic_id']}'>{_e(m['topic_name'])}</a>" if m["topic_id"] in anchors.topics
                 else _e(m["topic_name"] or "（无话题）"))
        out.append(f"<div class='call' id='call-{_e(cid)}'><h3>{_e(cid)}<span class='tag {_e(res)}'>"
                   f"{_e(glossary.value('resolution', res))}</span></h3><p class='muted small'>"
                   f"{_e(_fmt(m['started_at_local']))} · 坐席 {_e(m['agent_id'])} · "
                   f"客户 {_e(m['caller'] or '隐藏号码')}"
                   f" · 话题：{topic}{' · ' + ' · '.join(links) if links else ''}</p>"
                   f"<table class='transcript'><thead><tr><th>说话人</th><th>时间</th><th>内容</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table></div>")
    return "".join(out)


def _mark(text: str, said: set[str]) -> str:
    """A turn, with the sentences that are the call's unresolved evidence highlighted."""
    out = _e(text)
    for s in sorted(said, key=len, reverse=True):
        if s and s in text:
            out = out.replace(_e(s), f"<mark class='evidence'>{_e(s)}</mark>", 1)
    return out


def _call_meta(con: duckdb.DuckDBPyConnection, ids: list[str]) -> dict[str, dict[str, Any]]:
    rows = con.execute("""
        SELECT v.call_id, v.started_at_local, v.agent_id, v.caller, v.topic_id, v.topic_name, v.resolution,
               v.prev_call_id, v.next_call_id, u.evidence,
               coalesce(list_transform(list_filter(
                   from_json(o.evidence, '[{"weight":"DOUBLE","text":"VARCHAR"}]'),
                   lambda e: v.resolution = 'unresolved' AND e.weight > 0), lambda e: e.text), []) AS texts
        FROM v_calls v LEFT JOIN v_unresolved_calls u USING (call_id) LEFT JOIN call_outcomes o USING (call_id)
        WHERE v.call_id IN (SELECT unnest(?))""", [ids]).fetchall()
    keys = ("call_id", "started_at_local", "agent_id", "caller", "topic_id", "topic_name", "resolution",
            "prev_call_id", "next_call_id", "evidence", "evidence_texts")
    return {r[0]: dict(zip(keys, r, strict=True)) for r in rows}


def write_report(con: duckdb.DuckDBPyConnection, path: Path, settings: Settings, glossary: Glossary) -> Path:
    cfg = settings["exports"]
    tz = settings["night"]["timezone"]
    views = existing(con, cfg["views"])
    have = set(existing(con, [*cfg["views"], "v_calls", "v_unresolved_calls", "v_topic_trend",
                              "v_resolution_by_topic", "v_resolution_by_agent", "v_calls_by_hour"]))
    params = outcome_params(con)
    latest = _q(con, "SELECT max(night) FROM calls")[0][0]
    topics, topic_calls, unresolved, ids = _drill(con, have, cfg) if "v_calls" in have else ([], {}, [], [])
    meta = _call_meta(con, ids) if ids else {}
    anchors = _Anchors(set(meta), {int(t[0]) for t in topics})
    sections, nav = [], []
    for view in views:
        data = read_view(con, view, tz, int(cfg["report_rows"]), glossary, params)
        body = _table(data, int(cfg["report_rows"]), glossary, anchors) if data.rows else (
            f"<p class='muted'>（无数据）{_e(data.note)}</p>")
        # the view's name for analysts who query it; its SQL comment is English, so the page does not show it
        sections.append(f"<section id='{_e(view)}'><h2 data-view='{_e(view)}'>{_e(glossary.title(view))}</h2>"
                        f"<p class='muted small'>数据来源：<code>{_e(view)}</code></p>{body}</section>")
        nav.append(f"<a href='#{_e(view)}'>{_e(glossary.title(view).split(' ')[0])}</a>")
    unresolved_html = _call_table("".join(_call_row(meta[u[0]], glossary, anchors) for u in unresolved
                                          if u[0] in meta)) if unresolved else (
        "<p class='muted'>最近一晚没有判定为未解决的来电。</p>")
    fails = _q(con, "SELECT item, stage, reason FROM failures ORDER BY failed_at DESC")
    fail_html = ("<div class='wide'><table><thead><tr><th>项目</th><th>环节</th><th>原因</th></tr></thead><tbody>"
                 + "".join(f"<tr><td>{_e(i)}</td><td>{_e(s)}</td><td class='long'>{_e(r)}</td></tr>"
                           for i, s, r in fails) + "</tbody></table></div>") if fails else "<p>没有未处理的失败。</p>"
    kpis = _kpis(con, have, latest)
    now = datetime.now(ZoneInfo(tz))
    title = f"callintel 晨报 {latest or ''}".strip()
    page = (
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><meta name='viewport' "
        f"content='width=device-width, initial-scale=1'><title>{_e(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{_e(title)}</h1><p class='muted'>生成于 {now:%Y-%m-%d %H:%M}（{_e(tz)} 当地时间）；"
        f"所有时间均为 {_e(tz)} 当地时间（仓库的时区）。</p>"
        f"<nav><a href='#charts'>图表</a><a href='#topics'>话题详情</a><a href='#unresolved'>最近一晚未解决</a>"
        f"{''.join(nav)}<a href='#transcripts'>通话记录</a><a href='#failures'>失败</a></nav>{kpis}"
        f"<section id='charts'><h2>图表 Charts</h2>{_charts(con, have, cfg, glossary, anchors)}</section>"
        f"<section id='topics'><h2>话题详情 Topics of the latest night</h2><p class='muted small'>最近一晚提问最多的 "
        f"{len(topics)} 个话题，每个话题最多 {int(cfg['report_calls_per_topic'])} 通来电（最可能未解决的在前）；"
        f"点击来电编号查看通话记录。</p>{_topic_sections(topics, topic_calls, meta, glossary, anchors)}</section>"
        f"<section id='unresolved'><h2>未解决的来电 Unresolved calls, latest night</h2><p class='muted small'>依据"
        f"为使来电判定为未解决的原话（已脱敏）；最多 {int(cfg['report_unresolved_calls'])} 通。</p>{unresolved_html}"
        f"</section>{''.join(sections)}"
        f"<section id='transcripts'><h2>通话记录 Transcripts</h2><p class='muted small'>上面链接到的来电（已脱敏）；"
        f"未解决的依据已标出。</p>{_transcripts(con, ids, meta, glossary, anchors)}</section>"
        f"<section id='failures'><h2 class='fail'>失败 Failures</h2>{fail_html}</section></body></html>")
    path.write_text(page, encoding="utf-8")
    return path


def _kpis(con: duckdb.DuckDBPyConnection, have: set[str], latest: Any) -> str:
    if "v_night_summary" not in have or latest is None:
        return ""
    row = _q(con, "SELECT calls, unresolved_calls, escalated_calls, repeat_call_share, callers FROM v_night_summary "
                  "WHERE night = ?", [latest])
    if not row:
        return ""
    calls, unresolved, escalated, repeat_share, callers = row[0]
    cards = [("来电", calls), ("来电客户", callers), ("未解决", f"{unresolved}（{unresolved / calls * 100:.0f}%）"),
             ("升级/投诉", escalated), ("重复来电占比", f"{(repeat_share or 0) * 100:.0f}%")]
    return ("<div class='kpis'>" + "".join(f"<div class='kpi'><strong>{_e(v)}</strong><span>{_e(k)}</span></div>"
                                           for k, v in cards) + f"</div><p class='muted small'>{latest} 当晚</p>")

"""The report for a range of nights (默认最近 7 晚) a manager reads: `callintel report --from --to`.

One self-contained page in Chinese (inline CSS and SVG, no script, no network) covering every night in the
range: per-topic calls and questions counted over the same calls (a topic's calls are the calls whose main
topic it is, its questions are the questions those calls asked), both meanings of resolution side by side
(resolved in the call, from the dialogue; FCR, after repeat calls), trends against the range before, the
low-resolution topics with the sentences behind them, an agent view (resolution, talk share, silence and
overtalk from the utterances' timings), purchase leads (no health data), profile coverage and the approved
scripts of the library. Every number links to the calls behind it and each call to its masked transcript.
Times and nights are in [night] timezone, the warehouse's, everywhere.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from callintel.settings import Settings
from callintel.warehouse import reviews
from callintel.warehouse import svg_charts as charts
from callintel.warehouse.export import existing, outcome_params
from callintel.warehouse.report import CSS

_EXTRA_CSS = """
table.grid td a{display:block} .note{background:#f6f8fb;border-left:3px solid #9fb3d1;padding:.4rem .7rem}
.script{border:1px solid #cfe8d6;border-radius:6px;padding:.4rem .8rem;margin:.5rem 0;background:#f6fbf7}
"""
_RES = {"resolved": "已解决", "unresolved": "未解决", "unknown": "无法判断"}
# call_outcomes.fcr_status in the report's words (sql/derived/repeat_contacts.sql defines each).
_FCR = {"failed": "未达成（为同一件事再来电）", "achieved": "达成", "pending": "待定（窗口未结束）",
        "unknown": "无法判断（未留号码）"}
# Calls the FCR rate is taken over: those whose caller is known (withheld numbers cannot come back).
_FCR_KNOWN = "('failed', 'achieved', 'pending')"
# Profile fields whose coverage is shown (health_condition is never reported).
_PROFILE_FIELDS = {"gender": "性别", "age": "年龄", "city": "城市", "occupation": "职业", "marital_status": "婚姻状况",
                   "children": "子女", "existing_policies": "已有保单", "policies_on_file": "名下保单（坐席查询）",
                   "income_band": "收入档次",
                   "preferred_contact_time": "方便联系时间", "budget_concern": "预算顾虑", "insured_person": "被保险人"}
_BAND = {"high": "高", "medium": "中", "low": "低"}


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _pct(n: float | None, d: float | None) -> str:
    return f"{n / d * 100:.0f}%" if d else "—"


def _fcr_rate(failed: int, known: int) -> str:
    """First-contact resolution: the share of calls with a known caller that did not fail FCR (pending ones
    count as not failed, so the rate can still fall), never the resolved-in-call rate."""
    return _pct(known - failed, known)


def wilson_low(k: int, n: int, z: float = 1.96) -> float:
    """Wilson lower bound of k/n: how low-resolution topics are ranked (as v_low_resolution_topics), so 3 of 3
    does not top 80 of 100."""
    if not n:
        return 0.0
    p = k / n
    return (p + z * z / (2 * n) - z * ((p * (1 - p) + z * z / (4 * n)) / n) ** 0.5) / (1 + z * z / n)


@dataclass(frozen=True)
class Period:
    first: date
    last: date

    @property
    def nights(self) -> int:
        return (self.last - self.first).days + 1

    def before(self) -> Period:
        """The range of the same length just before, for trends."""
        return Period(self.first - timedelta(days=self.nights), self.first - timedelta(days=1))


def default_period(con: duckdb.DuckDBPyConnection, days: int, first: date | None = None,
                   last: date | None = None) -> Period:
    """`days` nights ending at `last` (default: the latest night in the warehouse), or from `first` on."""
    latest = con.execute("SELECT max(night) FROM calls").fetchone()[0] or date.today()
    if first and last:
        if first > last:
            raise ValueError(f"--from {first} is after --to {last}")
        return Period(first, last)
    if first:
        return Period(first, first + timedelta(days=days - 1))
    last = last or latest
    return Period(last - timedelta(days=days - 1), last)


class _Calls:
    """The calls of the range in a temporary table, with what every section counts (read-only safe)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period: Period) -> None:
        self.con = con
        con.execute("""
            CREATE OR REPLACE TEMP TABLE period_calls AS
            SELECT c.call_id, c.night, c.started_at, c.agent_id, c.caller_hash, c.duration_s,
                ct.topic_id,
                coalesce(ct.questions, 0) AS questions,
                o.dialogue_label, coalesce(o.fcr_status, 'unknown') AS fcr_status,
                coalesce(o.fcr_failed, false) AS fcr_failed,
                -- left open: unresolved in the call, or unknown in the call and the caller came back about it
                coalesce(o.dialogue_label = 'unresolved' OR (o.dialogue_label = 'unknown' AND o.fcr_failed), false)
                    AS left_open,
                coalesce(o.escalated, false) AS escalated, coalesce(r.is_repeat, false) AS is_repeat
            FROM calls c LEFT JOIN call_topics ct USING (call_id) LEFT JOIN call_outcomes o USING (call_id)
            LEFT JOIN repeat_contacts r USING (call_id)
            WHERE c.night BETWEEN ? AND ?""", [period.first, period.last])
        # the unresolved calls' evidence, once: v_unresolved_calls parses every unresolved call's JSON, which at
        # 100,000 calls costs about a second each time a section would ask it
        con.execute("""
            CREATE OR REPLACE TEMP TABLE period_evidence AS
            SELECT u.call_id, u.evidence, u.unresolved_score FROM v_unresolved_calls u
            SEMI JOIN period_calls p ON p.call_id = u.call_id""")

    def q(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, params or []).fetchall()


def _topics(pc: _Calls, period: Period) -> list[dict[str, Any]]:
    before = period.before()
    rows = pc.q(f"""
        WITH prev AS (
            SELECT ct.topic_id, count(*) AS calls
            FROM calls c LEFT JOIN call_topics ct USING (call_id)
            WHERE c.night BETWEEN ? AND ? GROUP BY 1)
        SELECT p.topic_id, coalesce(n.topic_name, '（无话题）'), count(*) AS calls, sum(p.questions) AS questions,
            count(*) FILTER (WHERE p.dialogue_label = 'resolved') AS resolved_in_call,
            count(*) FILTER (WHERE p.dialogue_label = 'unresolved') AS unresolved_in_call,
            count(*) FILTER (WHERE p.fcr_status IN {_FCR_KNOWN}) AS fcr_known,
            count(*) FILTER (WHERE p.fcr_failed) AS fcr_failed,
            count(*) FILTER (WHERE p.left_open) AS left_open,
            count(*) FILTER (WHERE p.escalated) AS escalated,
            any_value(prev.calls) AS prev_calls
        FROM period_calls p LEFT JOIN v_topic_names n ON n.topic_id = p.topic_id
        LEFT JOIN prev ON prev.topic_id IS NOT DISTINCT FROM p.topic_id
        GROUP BY p.topic_id, n.topic_name ORDER BY calls DESC, p.topic_id""", [before.first, before.last])
    keys = ("topic_id", "name", "calls", "questions", "resolved_in_call", "unresolved_in_call", "fcr_known",
            "fcr_failed", "left_open", "escalated", "prev_calls")
    out = [dict(zip(keys, r, strict=True)) for r in rows]
    for t in out:
        t["trend"] = _trend(t["calls"] / period.nights, (t["prev_calls"] or 0) / period.nights)
    return out


def low_resolution(topics: list[dict[str, Any]], min_calls: int) -> list[dict[str, Any]]:
    """Topics whose matters stay open (as v_low_resolution_topics): at least `min_calls` calls, one left open or
    more, ranked by the Wilson lower bound of the open share, then by calls."""
    ok = [t for t in topics if t["topic_id"] is not None and t["calls"] >= min_calls and t["left_open"]]
    return sorted(ok, key=lambda t: (-wilson_low(t["left_open"], t["calls"]), -t["calls"], t["topic_id"]))


def _trend(now: float, before: float) -> str:
    """上升 / 下降 / 平稳 / 新出现, against the range before (a third more or less counts as a change)."""
    if before == 0:
        return "新出现" if now > 0 else "—"
    ratio = now / before
    return "上升" if ratio >= 4 / 3 else "下降" if ratio <= 3 / 4 else "平稳"


def _agents(pc: _Calls) -> list[dict[str, Any]]:
    """Per agent: resolution both ways, and from the recognised pieces' start/end times (a joined turn's
    `parts`, so its inner pauses are not speech) the agent's share of the talking, the share of the call nobody
    spoke, and seconds both spoke at once (per call)."""
    rows = pc.q(f"""
        WITH pieces AS (
            SELECT u.call_id, u.seq, u.speaker, piece[1] AS start_s, piece[2] AS end_s
            FROM utterances u SEMI JOIN period_calls p ON p.call_id = u.call_id,
                unnest(CASE WHEN u.parts IS NULL THEN [[u.start_s, u.end_s]]
                            ELSE CAST(json_transform(u.parts, '[["DOUBLE"]]') AS DOUBLE[][]) END) AS t(piece)
            WHERE u.speaker IN ('agent', 'customer')
        ), u AS (
            SELECT call_id, speaker, start_s, end_s,
                lag(end_s) OVER w AS prev_end, lag(speaker) OVER w AS prev_speaker,
                max(end_s) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_max_end
            FROM pieces
            WINDOW w AS (PARTITION BY call_id ORDER BY start_s, seq)
        ), per_call AS (
            SELECT call_id,
                sum(end_s - start_s) FILTER (WHERE speaker = 'agent') AS agent_s,
                sum(end_s - start_s) AS speech_s,
                sum(greatest(0, start_s - coalesce(prev_max_end, 0))) AS gaps_s,
                max(end_s) AS last_end,
                sum(CASE WHEN prev_speaker <> speaker AND start_s < prev_end
                         THEN least(prev_end, end_s) - start_s ELSE 0 END) AS overtalk_s
            FROM u GROUP BY call_id
        )
        SELECT coalesce(p.agent_id, '（未知）'), count(*) AS calls,
            count(*) FILTER (WHERE p.dialogue_label = 'resolved') AS resolved_in_call,
            count(*) FILTER (WHERE p.fcr_status IN {_FCR_KNOWN}) AS fcr_known,
            count(*) FILTER (WHERE p.fcr_failed) AS fcr_failed,
            count(*) FILTER (WHERE p.escalated) AS escalated,
            sum(t.agent_s) / nullif(sum(t.speech_s), 0) AS talk_share,
            sum(t.gaps_s + greatest(0, p.duration_s - t.last_end)) / nullif(sum(p.duration_s), 0) AS silence_share,
            sum(t.overtalk_s) / count(*) AS overtalk_per_call
        FROM period_calls p LEFT JOIN per_call t USING (call_id)
        GROUP BY 1 ORDER BY calls DESC, 1""")
    keys = ("agent_id", "calls", "resolved_in_call", "fcr_known", "fcr_failed", "escalated", "talk_share",
            "silence_share", "overtalk_per_call")
    return [dict(zip(keys, r, strict=True)) for r in rows]


def _calls_of(pc: _Calls, where: str, params: list[Any], limit: int) -> tuple[list[tuple[Any, ...]], int]:
    total = pc.q(f"SELECT count(*) FROM period_calls p WHERE {where}", params)[0][0]
    rows = pc.q(f"""
        SELECT p.call_id, p.night, p.started_at, p.agent_id, coalesce(n.topic_name, '（无话题）'), p.dialogue_label,
            p.fcr_status, u.evidence
        FROM period_calls p LEFT JOIN v_topic_names n ON n.topic_id = p.topic_id
        LEFT JOIN period_evidence u USING (call_id)
        WHERE {where}
        ORDER BY p.left_open DESC, p.started_at DESC, p.call_id LIMIT ?""",
                [*params, limit])
    return rows, total


def write_period_report(con: duckdb.DuckDBPyConnection, path: Path, settings: Settings,
                        period: Period) -> Path:
    """Write the range's report to `path` (read-only on the warehouse; the review store is only read)."""
    cfg = settings["exports"]
    tz_name = settings["night"]["timezone"]
    tz = ZoneInfo(tz_name)
    per_section = int(cfg["report_calls_per_topic"])
    pc = _Calls(con, period)
    health = sorted(_health_words(settings), key=len, reverse=True)

    def hide(text: str | None) -> str:
        """The text with every health condition replaced: the report carries no health data."""
        text = text or ""
        for word in health:
            text = text.replace(word, "[健康信息]")
        return text
    shown: dict[str, tuple[Any, ...]] = {}  # calls whose transcript the page carries

    def call_link(cid: str) -> str:
        return f"<a href='#call-{_e(cid)}'>{_e(cid)}</a>"

    def call_list(anchor: str, title: str, where: str, params: list[Any]) -> str:
        rows, total = _calls_of(pc, where, params, per_section)
        for r in rows:
            shown.setdefault(r[0], r)
        body = "".join(
            f"<tr><td>{call_link(r[0])}</td><td>{r[2].astimezone(tz):%Y-%m-%d %H:%M}</td><td>{_e(r[3])}</td>"
            f"<td>{_e(r[4])}</td><td>{_e(_RES.get(r[5], r[5] or '—'))}</td><td>{_e(_FCR.get(r[6], r[6] or '—'))}"
            f"</td><td class='long'>{_e(hide(_said(r[7])))}</td></tr>" for r in rows)
        more = f"<p class='muted small'>共 {total} 通，列出 {len(rows)} 通（问题仍未解决的在前）。</p>"
        return (f"<div class='topic' id='{anchor}'><h3>{_e(title)}</h3>{more}<div class='wide'><table><thead><tr>"
                f"<th>来电编号</th><th>来电时间</th><th>坐席</th><th>话题</th><th>通话内</th><th>首次解决(FCR)</th>"
                f"<th>依据(原话)</th></tr></thead><tbody>{body}</tbody></table></div></div>")

    kpi = pc.q(f"""SELECT count(*), count(DISTINCT caller_hash), count(*) FILTER (WHERE dialogue_label = 'resolved'),
                  count(*) FILTER (WHERE fcr_status IN {_FCR_KNOWN}), count(*) FILTER (WHERE fcr_failed),
                  count(*) FILTER (WHERE fcr_status = 'pending'), count(*) FILTER (WHERE escalated),
                  count(*) FILTER (WHERE is_repeat), sum(questions) FROM period_calls""")[0]
    calls, callers, in_call, fcr_known, fcr_failed, fcr_pending, escalated, repeats, questions = kpi
    window = outcome_params(con).get("repeat_window_days", "?")
    cards = [("来电", calls), ("来电客户", callers), ("提问", questions or 0), ("通话内解决", _pct(in_call, calls)),
             ("首次解决率(FCR)", _fcr_rate(fcr_failed, fcr_known)), ("FCR 待定", fcr_pending),
             ("升级/投诉", escalated), ("重复来电", _pct(repeats, calls))]
    kpis = "<div class='kpis'>" + "".join(f"<div class='kpi'><strong><a href='#calls'>{_e(v)}</a></strong>"
                                          f"<span>{_e(k)}</span></div>" for k, v in cards) + "</div>"

    topics = _topics(pc, period)
    topic_rows, topic_lists = [], []
    for t in topics:
        tid = t["topic_id"]
        anchor = f"topic-{tid if tid is not None else 'none'}"
        where, params = ("p.topic_id = ?", [tid]) if tid is not None else ("p.topic_id IS NULL", [])
        cells = [t["calls"], t["questions"], _pct(t["resolved_in_call"], t["calls"]),
                 _fcr_rate(t["fcr_failed"], t["fcr_known"]), t["fcr_failed"], t["escalated"]]
        topic_rows.append(f"<tr><td><a href='#{anchor}'>{_e(t['name'])}</a></td>"
                          + "".join(f"<td class='num'><a href='#{anchor}'>{v}</a></td>" for v in cells)
                          + f"<td class='num'>{t['prev_calls'] or 0}</td><td>{_e(t['trend'])}</td></tr>")
        topic_lists.append(call_list(anchor, f"话题：{t['name']}", where, params))
    topic_table = ("<div class='wide'><table class='grid' data-table='topics'><thead><tr><th>话题</th><th>来电数</th>"
                   "<th>这些来电的提问数</th><th>通话内解决</th><th>首次解决(FCR)</th><th>为同一件事再来电</th>"
                   "<th>升级/投诉</th><th>上一周期来电</th><th>趋势</th></tr></thead><tbody>"
                   + "".join(topic_rows) + "</tbody></table></div>") if topics else (
        "<p class='muted'>这段时间没有来电。</p>")

    nights = [period.first + timedelta(days=i) for i in range(period.nights)]
    top = [t for t in topics if t["topic_id"] is not None][:int(cfg["report_topics"])]
    per_night = {(tid, n): c for tid, n, c in pc.q(
        "SELECT topic_id, night, count(*) FROM period_calls GROUP BY 1, 2")}
    trend_chart = charts.line_chart([f"{n:%m-%d}" for n in nights],
                                    [(t["name"], [float(per_night.get((t["topic_id"], n), 0)) for n in nights])
                                     for t in top], "各话题每晚来电数", "period_topic_trend",
                                    [f"topic-{t['topic_id']}" for t in top], "来电最多的话题；按来电的主话题计。")
    res_chart = charts.stacked_bars([(t["name"], [t["resolved_in_call"], t["unresolved_in_call"],
                                                  t["calls"] - t["resolved_in_call"] - t["unresolved_in_call"]])
                                     for t in top],
                                    ["已解决", "未解决", "无法判断"], "各话题通话内解决情况（来电数）",
                                    "period_resolution_by_topic", links=[f"topic-{t['topic_id']}" for t in top])

    min_calls = int(float(outcome_params(con).get("min_topic_calls", 1) or 1))
    low = low_resolution(topics, min_calls)[:int(cfg["report_topics"])]
    low_html = "".join(
        f"<div class='note'><b><a href='#topic-{t['topic_id']}'>{_e(t['name'])}</a></b>：{t['calls']} 通来电，"
        f"问题仍未解决 {t['left_open']} 通（{_pct(t['left_open'], t['calls'])}：通话内未解决 "
        f"{t['unresolved_in_call']} 通，另有通话内无法判断、客户又为同一件事来电的），"
        f"首次解决率 {_fcr_rate(t['fcr_failed'], t['fcr_known'])}。"
        + "".join(f"<br>· {call_link(cid)}：{_e(hide(_said(ev)))}" for cid, ev in pc.q(
            "SELECT p.call_id, u.evidence FROM period_calls p JOIN period_evidence u USING (call_id) "
            "WHERE p.topic_id = ? AND p.left_open ORDER BY u.unresolved_score DESC, p.call_id LIMIT 3",
            [t["topic_id"]]))
        + "</div>" for t in low) or f"<p class='muted'>没有话题达到最少 {min_calls} 通来电且有未解决的来电。</p>"
    for t in low:
        for r in _calls_of(pc, "p.topic_id = ? AND p.left_open", [t["topic_id"]], 3)[0]:
            shown.setdefault(r[0], r)

    agents = _agents(pc)
    agent_rows, agent_lists = [], []
    for a in agents:
        anchor = "agent-" + "".join(ch if ch.isalnum() else "_" for ch in a["agent_id"])
        timing = ([_pct(a["talk_share"], 1), _pct(a["silence_share"], 1), f"{a['overtalk_per_call']:.1f}"]
                  if a["talk_share"] is not None else ["—", "—", "—"])
        cells = [a["calls"], _pct(a["resolved_in_call"], a["calls"]), _fcr_rate(a["fcr_failed"], a["fcr_known"]),
                 a["fcr_failed"], a["escalated"], *timing]
        agent_rows.append(f"<tr><td><a href='#{anchor}'>{_e(a['agent_id'])}</a></td>"
                          + "".join(f"<td class='num'><a href='#{anchor}'>{v}</a></td>" for v in cells) + "</tr>")
        where = "p.agent_id = ?" if a["agent_id"] != "（未知）" else "p.agent_id IS NULL"
        agent_lists.append(call_list(anchor, f"坐席：{a['agent_id']}", where,
                                     [a["agent_id"]] if a["agent_id"] != "（未知）" else []))
    agent_table = ("<div class='wide'><table class='grid' data-table='agents'><thead><tr><th>坐席</th><th>来电数</th>"
                   "<th>通话内解决</th><th>首次解决(FCR)</th><th>为同一件事再来电</th><th>升级/投诉</th><th>坐席说话占比</th><th>静默占比</th>"
                   "<th>抢话(秒/通)</th></tr></thead><tbody>" + "".join(agent_rows) + "</tbody></table></div>"
                   "<p class='muted small'>说话占比、静默与抢话来自每句话的起止时间（双声道录音）："
                   "说话占比 = 坐席说话时长 / 双方说话时长；"
                   "静默占比 = 无人说话的时长 / 通话时长；抢话 = 一方未说完另一方开口的重叠秒数。</p>"
                   ) if agents else ""

    leads = pc.q("""
        SELECT i.call_id, p.night, i.band, i.product, i.evidence FROM call_intent i JOIN period_calls p USING (call_id)
        WHERE i.band IN ('high', 'medium') AND NOT i.excluded AND i.caller_hash IS NOT NULL
          AND i.caller_hash NOT IN (SELECT caller_hash FROM marketing_opt_out)
        ORDER BY i.score DESC, i.call_id LIMIT ?""", [int(cfg["report_unresolved_calls"])]) \
        if existing(con, ["call_intent", "marketing_opt_out"]) == ["call_intent", "marketing_opt_out"] else []
    leads = [(c, n, b, p, hide(ev)) for c, n, b, p, ev in leads]
    for cid, *_ in leads:
        if cid not in shown:
            shown[cid] = _calls_of(pc, "p.call_id = ?", [cid], 1)[0][0]
    leads_html = ("<div class='wide'><table data-table='leads'><thead><tr><th>来电编号</th><th>日期</th><th>意向</th>"
                  "<th>感兴趣的产品</th><th>客户原话</th></tr></thead><tbody>" + "".join(
                      f"<tr><td>{call_link(c)}</td><td>{n}</td><td>{_e(_BAND.get(b, b))}</td><td>{_e(p or '')}</td>"
                      f"<td class='long'>{_e(ev or '')}</td></tr>" for c, n, b, p, ev in leads)
                  + "</tbody></table></div><p class='muted small'>不含健康信息；投诉、拒绝营销和退订的客户已排除。</p>"
                  ) if leads else "<p class='muted'>这段时间没有中高意向的客户。</p>"

    callers_n = pc.q("SELECT count(DISTINCT coalesce(caller_hash, call_id)) FROM period_calls")[0][0]
    coverage = dict(pc.q("""SELECT f.field, count(DISTINCT coalesce(f.caller_hash, f.call_id)) FROM profile_facts f
                          SEMI JOIN period_calls p ON p.call_id = f.call_id GROUP BY 1""")) \
        if existing(con, ["profile_facts"]) else {}
    profile_html = ("<div class='wide'><table data-table='profiles'><thead><tr><th>画像字段</th><th>已知的客户</th>"
                    "<th>覆盖率</th></tr></thead><tbody>" + "".join(
                        f"<tr><td>{label}</td><td class='num'>{coverage.get(f, 0)}</td>"
                        f"<td class='num'>{_pct(coverage.get(f, 0), callers_n)}</td></tr>"
                        for f, label in _PROFILE_FIELDS.items()) + "</tbody></table></div>"
                    f"<p class='muted small'>这段时间 {callers_n} 位来电客户中，通话里说出该项信息的客户数（只计覆盖，"
                    "不列内容；健康信息不在本报告中）。</p>")

    approved = sorted((d for d in reviews.load(reviews.store_path(settings)).values() if d.status == "approved"),
                      key=lambda d: (d.topic or "", d.objection or "", d.call_id, d.reply_turn))
    for d in approved:
        if d.call_id not in shown:
            found = _calls_of(pc, "p.call_id = ?", [d.call_id], 1)[0]
            if found:
                shown[d.call_id] = found[0]
    scripts_html = "".join(
        f"<div class='script'><span class='tag resolved'>{_e(d.topic)}</span><span class='tag unknown'>"
        f"{_e(d.objection)}</span><p>客户：{_e(hide(d.question))}<br>坐席：{_e(hide(d.published))}</p>"
        f"<p class='muted small'>"
        f"{_e(d.reviewer)} 于 {d.reviewed_at.astimezone(tz):%Y-%m-%d %H:%M} 批准 · "
        f"{call_link(d.call_id) if d.call_id in shown else _e(d.call_id)} 第{d.reply_turn}句</p></div>"
        for d in approved) or "<p class='muted'>还没有质检批准的话术（`callintel library serve` 审核）。</p>"

    transcripts = _transcripts(con, list(shown), shown, tz, hide)
    now = datetime.now(tz)
    title = f"callintel 周期报告 {period.first} 至 {period.last}"
    nav = "".join(f"<a href='#{a}'>{t}</a>" for a, t in (
        ("overview", "概况"), ("topics", "话题"), ("trends", "趋势"), ("low", "低解决率"), ("agents", "坐席"),
        ("leads", "销售线索"), ("profiles", "客户画像"), ("scripts", "优秀话术"), ("calls", "来电明细"),
        ("transcripts", "通话记录")))
    page = (
        f"<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><meta name='viewport' "
        f"content='width=device-width, initial-scale=1'><title>{_e(title)}</title><style>{CSS}{_EXTRA_CSS}</style>"
        f"</head><body><h1>{_e(title)}</h1><p class='muted'>共 {period.nights} 晚；生成于 {now:%Y-%m-%d %H:%M}。"
        f"所有日期和时间均为 {_e(tz_name)} 当地时间（仓库的时区）。趋势与之前同样长的 {period.before().first} 至 "
        f"{period.before().last} 相比。</p><nav>{nav}</nav>"
        f"<section id='overview'><h2>概况</h2>{kpis}<p class='muted small'>两种“解决”分开计，互不改写。"
        f"通话内解决：对话本身显示问题已解决（占全部来电）。首次解决率(FCR)：客户没有在 {_e(window)} 天内为通话中"
        f"没解决的同一件事再来电（占留了号码的来电；窗口还没结束的来电计为待定、暂不算失败，所以 FCR 还可能下降）。"
        f"已解决后再来电、为另一件事来电、咨询购买后回拨来买，都不算 FCR 失败。</p></section>"
        f"<section id='topics'><h2>各话题来电与提问</h2><p class='muted small'>每通来电计入它的主话题；"
        f"提问数是这些来电中客户提出的问题数，所以来电数和提问数说的是同一批来电。点击数字查看来电。</p>{topic_table}</section>"
        f"<section id='trends'><h2>趋势</h2><div class='charts'>{trend_chart}{res_chart}</div></section>"
        f"<section id='low'><h2>低解决率的话题</h2>{low_html}</section>"
        f"<section id='agents'><h2>坐席视图</h2>{agent_table}</section>"
        f"<section id='leads'><h2>销售线索</h2>{leads_html}</section>"
        f"<section id='profiles'><h2>客户画像覆盖</h2>{profile_html}</section>"
        f"<section id='scripts'><h2>优秀话术（已批准）</h2>{scripts_html}</section>"
        f"<section id='calls'><h2>来电明细</h2>{''.join(topic_lists)}{''.join(agent_lists)}</section>"
        f"<section id='transcripts'><h2>通话记录</h2><p class='muted small'>上面链接到的来电（已脱敏）。</p>"
        f"{transcripts}</section></body></html>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    con.execute("DROP TABLE IF EXISTS period_calls; DROP TABLE IF EXISTS period_evidence")
    return path


def _health_words(settings: Settings) -> list[str]:
    """The health conditions the profiles step recognises ([needs] health in [profiles] patterns): the report
    replaces them wherever a customer's words are shown (it carries no health data)."""
    raw = tomllib.loads(settings.config_file(settings["profiles"]["patterns"]).read_text(encoding="utf-8"))
    return list(raw.get("needs", {}).get("health", []))


def _said(evidence: str | None) -> str:
    """v_unresolved_calls.evidence in Chinese speaker names."""
    if not evidence:
        return ""
    for en, zh in (("customer: ", "客户："), ("agent: ", "坐席："), ("unknown: ", "未知："),
                   ("repeat: called again about the same topic", "重复来电：客户为同一话题再次来电")):
        evidence = evidence.replace(en, zh)
    return evidence


def _transcripts(con: duckdb.DuckDBPyConnection, ids: list[str], meta: dict[str, tuple[Any, ...]],
                 tz: ZoneInfo, hide: Any) -> str:
    turns: dict[str, list[tuple[Any, ...]]] = {}
    for cid, speaker, start, text in con.execute(
            "SELECT call_id, speaker, start_s, text FROM utterances WHERE call_id IN (SELECT unnest(?)) "
            "ORDER BY call_id, seq", [ids]).fetchall():
        turns.setdefault(cid, []).append((speaker, start, text))
    who = {"agent": "坐席", "customer": "客户"}
    out = []
    for cid in ids:
        m = meta[cid]
        rows = "".join(f"<tr class='turn-{_e(s)}'><td>{who.get(s, '未知')}</td><td class='num'>"
                       f"{int(t // 60):02d}:{int(t % 60):02d}</td><td>{_e(hide(x))}</td></tr>"
                       for s, t, x in turns.get(cid, []))
        out.append(f"<div class='call' id='call-{_e(cid)}'><h3>{_e(cid)}<span class='tag {_e(m[5] or 'unknown')}'>"
                   f"{_e(_RES.get(m[5], '无法判断'))}</span></h3><p class='muted small'>"
                   f"{m[2].astimezone(tz):%Y-%m-%d %H:%M} · 坐席 {_e(m[3])}"
                   f" · 话题：{_e(m[4])} · 通话内：{_e(_RES.get(m[5], '无法判断'))}"
                   f" · 首次解决(FCR)：{_e(_FCR.get(m[6], '无法判断'))}</p>"
                   f"<table class='transcript'><thead><tr><th>说话人</th><th>时间</th><th>内容</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table></div>")
    return "".join(out)

"""Recognised utterances become speaker turns before the analytics read them (callintel/turns.py), in the
warehouse writer for callintel's own speech only; the pieces' times stay in utterances.parts."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

from callintel.records import CallRecord, Transcript, Utterance
from callintel.settings import load_settings
from callintel.turns import merge_turns
from callintel.warehouse.calls import TurnJoin, write_calls
from callintel.warehouse.db import connect


def _pieces() -> list[Utterance]:
    return [Utterance("agent", 0.0, 2.0, "好的先生。", 0, -0.2, 0.1),
            Utterance("agent", 2.0, 6.0, "需要准备的材料主要是这几样", 0, -0.4, 0.1),
            Utterance("agent", 6.3, 8.0, "第一，死亡证明。", 0, -0.1, 0.2, stated_age=41),
            Utterance("customer", 8.5, 9.5, "好的。", 1),
            Utterance("agent", 12.0, 13.0, "还有别的吗？", 0)]


def test_pieces_a_short_pause_apart_are_one_turn_with_their_times():
    turns = merge_turns(_pieces(), 0.8)
    assert [t.speaker for t in turns] == ["agent", "customer", "agent"]
    first = turns[0]
    assert first.text == "好的先生。需要准备的材料主要是这几样，第一，死亡证明。"
    assert (first.start, first.end, first.stated_age) == (0.0, 8.0, 41)
    assert first.parts == ((0.0, 2.0), (2.0, 6.0), (6.3, 8.0))
    assert first.avg_logprob == round((-0.2 * 2 + -0.4 * 4 + -0.1 * 1.7) / 7.7, 4)
    assert turns[2].parts == ()  # 3.5 s after the customer's turn: its own
    assert merge_turns(_pieces(), 0.2)[1].text == "第一，死亡证明。"  # 0.3 s is over this gap
    assert merge_turns(_pieces(), 0.0)[0].parts == ((0.0, 2.0), (2.0, 6.0))  # touching pieces only


def test_the_writer_joins_recognised_speech_only_and_keeps_the_parts(tmp_path):
    settings = load_settings()
    join = TurnJoin.from_settings(settings)
    con = connect(tmp_path / "w.duckdb")
    call = CallRecord("C1", None, None, "A1", datetime(2026, 10, 12, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
                      "stereo_agent_left", date(2026, 10, 12), 2)
    asr = Transcript("C1", "sha", 13.0, _pieces(), "k")
    write_calls(con, [(call, asr, "h", "whisper-base")], "r1", False, join)
    rows = con.execute("SELECT seq, speaker, start_s, end_s, parts FROM utterances ORDER BY seq").fetchall()
    assert [(r[1], r[2], r[3]) for r in rows] == [("agent", 0.0, 8.0), ("customer", 8.5, 9.5), ("agent", 12.0, 13.0)]
    assert json.loads(rows[0][4]) == [[0.0, 2.0], [2.0, 6.0], [6.3, 8.0]] and rows[1][4] is None
    talk = con.execute("SELECT n_utterances, agent_talk_s FROM calls").fetchone()
    assert talk == (3, 8.7)  # speech heard, not the 0.3 s pause inside the joined turn
    # a transcript made elsewhere keeps the turns its system wrote
    imported = Transcript("C1", "sha", 13.0, _pieces(), "k", source="whisper")
    write_calls(con, [(call, imported, "h", None)], "r2", False, join)
    assert con.execute("SELECT count(*) FROM utterances").fetchone()[0] == 5
    # and with no sources named, recognised speech is stored as recognised
    write_calls(con, [(call, asr, "h", "whisper-base")], "r3", False, TurnJoin(0.8, []))
    assert con.execute("SELECT count(*) FROM utterances").fetchone()[0] == 5
    con.close()

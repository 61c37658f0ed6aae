"""topic_daily trends and analysts' names, on a real DuckDB file with hand-laid rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from callintel.nlp.taxonomy import KnownTopicRow
from callintel.nlp.topic_step import KnownTopic
from callintel.records import CallRecord, Transcript, Utterance
from callintel.settings import load_settings
from callintel.warehouse import topics as store
from callintel.warehouse.calls import write_call
from callintel.warehouse.db import connect, replace_rows

TZ = timezone(timedelta(hours=8))
TREND = {"window_nights": 7, "new_nights": 1, "min_count": 2, "rising_ratio": 1.5, "falling_ratio": 0.67}


def _night(con, night: date, questions: dict[int, int]) -> None:
    """One call on `night` asking `n` questions of each topic id."""
    call_id = f"C{night:%m%d}"
    record = CallRecord(call_id, Path(f"/x/{call_id}.wav"), "13800000000", "A1",
                        datetime(night.year, night.month, night.day, 10, tzinfo=TZ), "mono", night, 2)
    write_call(con, record, Transcript(call_id, call_id, 10.0, [Utterance("customer", 0.0, 9.0, "你好")], call_id),
               "t", None, False, "t")
    rows, assign = [], []
    for topic, n in questions.items():
        for k in range(n):
            qid = f"{call_id}:{topic}:{k}"
            rows.append((qid, call_id, 0, k, night, None, "问", "问", "mark", "sha"))
            assign.append((qid, topic, 1.0, "phrase", night))
    con.executemany(f"INSERT INTO questions ({', '.join(store.QUESTION_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(store.QUESTION_COLUMNS))})", rows)
    replace_rows(con, "question_topics", "question_id", [a[0] for a in assign], store.ASSIGN_COLUMNS, assign)


def test_trends_average_nights_with_data_and_a_fall_to_zero_is_a_fall(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    d0 = date(2026, 11, 20)
    con.executemany("""INSERT INTO topics (topic_id, label, keywords, representative, created_night, initial_size,
                       model, centroid, created_at) VALUES (?, ?, '[]', '问', ?, 1, 'm', [0.0, 0.0], now())""",
                    [(t, f"t{t}", d0 + timedelta(days=c)) for t, c in ((1, 0), (2, 1))])
    _night(con, d0, {1: 4, 2: 1})          # topic 2 has a member before it was created (a pooled revision)
    _night(con, d0 + timedelta(days=1), {1: 4, 2: 1})
    _night(con, d0 + timedelta(days=2), {2: 1})
    store.finish(con, [d0], load_settings(overrides={"topics": {"trend": TREND}}))
    rows = {(t, n): (q, p, f, tr) for t, n, q, p, f, tr in con.execute(
        "SELECT topic_id, night, questions, prev7_avg, first_seen, trend FROM topic_daily").fetchall()}
    # the first nights of the warehouse are not zeros: topic 1's mean before night 2 is 4, not 4/7
    assert rows[(1, d0 + timedelta(days=1))][1] == 4.0
    assert rows[(1, d0 + timedelta(days=1))][3] == "steady"
    # 0 tonight after 4 a night is a fall
    assert rows[(1, d0 + timedelta(days=2))][:1] == (0,) and rows[(1, d0 + timedelta(days=2))][3] == "falling"
    # first seen is not before the topic was created, but the night before keeps its count (a pooled revision, a
    # night run after later ones): new then, as on the night it was first seen
    assert {f for (t, _), (_, _, f, _) in rows.items() if t == 2} == {d0 + timedelta(days=1)}
    assert rows[(2, d0)][0] == 1 and rows[(2, d0)][3] == "new"


def test_names_analysts_set_win(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    store.store_known(con, [KnownTopic(7, KnownTopicRow("claim", "理赔进度查询", "taxonomy", np.ones(2), "理赔到哪了"),
                                       True)], date(2026, 11, 20), "m")
    store.apply_names(con, {7: "理赔催办"})
    # the next night re-reads the taxonomy: the analyst's name stays, and the id is the same
    store.store_known(con, [KnownTopic(7, KnownTopicRow("claim", "理赔进度", "taxonomy", np.ones(2), "理赔到哪了"),
                                       False)], date(2026, 11, 21), "m")
    assert con.execute("SELECT topic_id, label, label_source FROM topics").fetchall() == [(7, "理赔催办", "analyst")]
    # a taxonomy name an analyst did not override follows the taxonomy
    for night, name, new in ((date(2026, 11, 21), "保单贷款", True), (date(2026, 11, 22), "保单借款", False)):
        store.store_known(con, [KnownTopic(8, KnownTopicRow("loan", name, "taxonomy", np.ones(2), "能贷款吗"), new)],
                          night, "m")
    assert con.execute("SELECT label FROM topics WHERE topic_id = 8").fetchone() == ("保单借款",)

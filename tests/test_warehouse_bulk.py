"""The one-statement bulk insert stores exactly what row-by-row inserts store (types, NULLs, time zones)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from callintel.records import CallRecord, Transcript, Utterance
from callintel.warehouse import calls as store
from callintel.warehouse import speech_cache
from callintel.warehouse.db import connect, insert_columns


def test_bulk_rows_equal_row_by_row_rows(tmp_path: Path, monkeypatch):
    tz = ZoneInfo("Asia/Shanghai")
    calls = [CallRecord(f"C{i}", Path(f"/a/{i}.wav") if i % 2 else None, None if i == 1 else "138", "A1",
                        datetime(2026, 11, 20, 9, i, tzinfo=tz), "mono" if i % 2 else None, date(2026, 11, 20), i,
                        {"queue": "claims", "n": i}, transcript_path=None if i % 2 else Path(f"/t/{i}.json"))
             for i in range(4)]
    transcripts = [Transcript(c.call_id, f"sha{i}", 12.5 + i, [
        Utterance("agent", 0.0, 3.25, "您好。", *((0, -0.21, 0.01) if i % 2 else (None, None, None))),
        Utterance("customer", 3.5, 9.0, "我想问一下[手机号]。")], "key", [] if i else ["a warning"],
        source="asr" if i % 2 else "funasr") for i, c in enumerate(calls)]
    bulk = connect(tmp_path / "bulk.duckdb")
    store.write_calls(bulk, [(c, t, f"h{i}", "whisper" if i % 2 else None)
                             for i, (c, t) in enumerate(zip(calls, transcripts, strict=True))], "r1", True)

    def row_by_row(con, table, columns, rows, verb="INSERT"):
        rows = list(rows)
        con.executemany(f"{verb} INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows)
        return len(rows)

    monkeypatch.setattr(store, "insert_columns", row_by_row)
    single = connect(tmp_path / "single.duckdb")
    store.write_calls(single, [(c, t, f"h{i}", "whisper" if i % 2 else None)
                               for i, (c, t) in enumerate(zip(calls, transcripts, strict=True))], "r1", True)
    cols = ", ".join(c for c in store.CALL_COLUMNS if c != "processed_at")
    for sql in (f"SELECT {cols} FROM calls ORDER BY call_id", "SELECT * FROM utterances ORDER BY call_id, seq"):
        assert bulk.execute(sql).fetchall() == single.execute(sql).fetchall()
    assert bulk.execute("SELECT count(*) FROM utterances").fetchone()[0] == 8
    assert bulk.execute("SELECT typeof(started_at), caller_number FROM calls WHERE call_id = 'C1'").fetchone() == (
        "TIMESTAMP WITH TIME ZONE", None)
    # an empty batch and INSERT OR REPLACE behave
    assert insert_columns(bulk, "speech_cache", ("cache_key",), []) == 0
    speech_cache.cache_transcripts(bulk, [("k", "C0", "s", "{}"), ("k", "C1", "s", '{"a": 1}')])
    assert bulk.execute("SELECT call_id, transcript FROM speech_cache").fetchall() == [("C1", '{"a": 1}')]

"""Views and exports at scale: query latency of each analyst view and of `callintel query`, warehouse size,
and export time and size for CSV, XLSX, Parquet and report.html, on a warehouse of N synthetic calls.

    .venv/bin/python bench/bench_views.py [--calls 100000] [--nights 30] [--keep DIR]

The warehouse is made from the sample calls (samples/truth.json turns landed as a night lands them, the
topics and outcomes steps run once; flows/sample_warehouse.py), then multiplied with SQL under new call ids,
caller hashes and nights (each copy keeps the samples' repeat chains; copies spread over --nights nights).
Goals: every view under 1 s at 100,000 calls, report.html under 5 MB, the 3-night period report under 10 s.
Prints one JSON object per line.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callintel.flows.sample_warehouse import build  # noqa: E402
from callintel.settings import load_settings  # noqa: E402
from callintel.warehouse.db import connect  # noqa: E402
from callintel.warehouse.export import Glossary, export_parquet, people_sql, set_timezone  # noqa: E402
from callintel.warehouse.export_csv import write_csv  # noqa: E402
from callintel.warehouse.export_xlsx import Sheet, write_workbook  # noqa: E402
from callintel.warehouse.period_report import default_period, write_period_report  # noqa: E402
from callintel.warehouse.report import write_report  # noqa: E402

# (table, SQL expression list) to copy: {k} is the copy number, shifted ids get '-k', times move k % nights days.
MULTIPLY = {
    "calls": """SELECT src.* REPLACE (call_id || '-' || k AS call_id, night + CAST(k % {n} AS INTEGER) AS night,
                started_at + to_days(CAST(k % {n} AS INTEGER)) AS started_at,
                ended_at + to_days(CAST(k % {n} AS INTEGER)) AS ended_at,
                left(md5(caller_hash || k), 32) AS caller_hash)""",
    "utterances": "SELECT src.* REPLACE (call_id || '-' || k AS call_id)",
    "call_outcomes": """SELECT src.* REPLACE (call_id || '-' || k AS call_id, night + CAST(k % {n} AS INTEGER) AS night,
                started_at + to_days(CAST(k % {n} AS INTEGER)) AS started_at,
                left(md5(caller_hash || k), 32) AS caller_hash)""",
    "repeat_contacts": """SELECT src.* REPLACE (call_id || '-' || k AS call_id,
                left(md5(caller_hash || k), 32) AS caller_hash,
                started_at + to_days(CAST(k % {n} AS INTEGER)) AS started_at,
                duplicate_of || '-' || k AS duplicate_of, prev_call_id || '-' || k AS prev_call_id,
                next_call_id || '-' || k AS next_call_id,
                prev_started_at + to_days(CAST(k % {n} AS INTEGER)) AS prev_started_at,
                next_started_at + to_days(CAST(k % {n} AS INTEGER)) AS next_started_at)""",
    "questions": """SELECT src.* REPLACE (question_id || '-' || k AS question_id, call_id || '-' || k AS call_id,
                night + CAST(k % {n} AS INTEGER) AS night, asked_at + to_days(CAST(k % {n} AS INTEGER)) AS asked_at)""",
    "question_topics": """SELECT src.* REPLACE (question_id || '-' || k AS question_id,
                assigned_night + CAST(k % {n} AS INTEGER) AS assigned_night)""",
    "question_follow_ups": """SELECT src.* REPLACE (question_id || '-' || k AS question_id,
                night + CAST(k % {n} AS INTEGER) AS night)""",
    "call_question_topics": """SELECT src.* REPLACE (question_id || '-' || k AS question_id,
                assigned_night + CAST(k % {n} AS INTEGER) AS assigned_night)""",
    "call_topics": """SELECT src.* REPLACE (call_id || '-' || k AS call_id, night + CAST(k % {n} AS INTEGER) AS night,
                question_id || '-' || k AS question_id)""",
}


def multiply(con, copies: int, nights: int) -> None:
    """Replace each table by `copies` shifted copies of itself (the originals are copy 0's source)."""
    con.execute(f"CREATE TEMP TABLE k AS SELECT range AS k FROM range({copies})")
    for table, select in MULTIPLY.items():
        con.execute(f"CREATE TEMP TABLE src AS SELECT * FROM {table}")
        con.execute(f"DELETE FROM {table}")
        con.execute(f"INSERT INTO {table} {select.format(n=nights)} FROM src CROSS JOIN k")
        con.execute("DROP TABLE src")
    # topic_daily from the multiplied questions (trend figures are not what is measured here)
    con.execute("DELETE FROM topic_daily")
    con.execute("""INSERT INTO topic_daily
        SELECT qt.topic_id, q.night, count(*), count(DISTINCT q.call_id), 0, NULL, min(q.night), 'steady'
        FROM questions q JOIN v_question_topics qt USING (question_id) GROUP BY 1, 2""")
    con.execute("CHECKPOINT")


def timed(fn, repeat: int = 3) -> float:
    """Best of `repeat` wall seconds (the machine is shared)."""
    best = math.inf
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=100_000)
    ap.add_argument("--nights", type=int, default=30)
    ap.add_argument("--keep", type=Path, help="write the warehouse and exports here instead of a temp folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = args.keep or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        db = tmp / "bench_views.duckdb"
        db.unlink(missing_ok=True)
        settings = load_settings(ROOT / "configs" / "demo.toml",
                                 overrides={"paths": {"warehouse": str(db), "exports": str(tmp / "exports")},
                                            "privacy": {"caller_hash_builtin_key": True}})
        con = connect(db)
        t = time.perf_counter()
        build(con, settings)
        base = con.execute("SELECT count(*) FROM calls").fetchone()[0]
        copies = math.ceil(args.calls / base)
        multiply(con, copies, args.nights)
        n = con.execute("SELECT count(*) FROM calls").fetchone()[0]
        print(json.dumps({"warehouse_calls": n, "utterances": con.execute("SELECT count(*) FROM utterances")
                          .fetchone()[0], "build_s": round(time.perf_counter() - t, 1)}), flush=True)
        con.close()
        print(json.dumps({"warehouse_mb": round(db.stat().st_size / 1e6, 1)}), flush=True)

        con = connect(db, read_only=True)
        tz = settings["night"]["timezone"]
        set_timezone(con, tz)
        cfg = settings["exports"]
        # a fixed reference query: the machine is shared, so each view is also given as a multiple of it
        ref = timed(lambda: con.execute("CREATE OR REPLACE TEMP TABLE t AS SELECT call_id, count(*) AS n, "
                                        "string_agg(text, '') AS s FROM utterances GROUP BY call_id"))
        print(json.dumps({"reference_query_s": round(ref, 3),
                          "reference": "utterances grouped by call with string_agg (1.1M rows)"}), flush=True)
        for view in cfg["views"]:
            rows = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
            full = timed(lambda v=view: con.execute(f"CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM {v}"))
            first = timed(lambda v=view: con.execute(f"SELECT * FROM {v} LIMIT 100").fetchall())
            print(json.dumps({"view": view, "rows": rows, "all_rows_s": round(full, 3),
                              "x_reference": round(full / ref, 2),
                              "first_100_rows_s": round(first, 3), "under_1s": full < 1.0}), flush=True)

        sql = "SELECT rank, topic_name, questions, trend FROM v_hot_questions"
        cli = ROOT / ".venv" / "bin" / "callintel"
        wall = timed(lambda: subprocess.run([str(cli), "query", "--db", str(db), sql], check=True,
                                            capture_output=True), repeat=2)
        wall_calls = timed(lambda: subprocess.run([str(cli), "query", "--db", str(db), "--csv",
                                                   "SELECT * FROM v_calls"], check=True, capture_output=True),
                           repeat=1)
        print(json.dumps({"callintel_query_hot_questions_s": round(wall, 2),
                          "callintel_query_csv_all_v_calls_s": round(wall_calls, 2),
                          "note": "wall time of the command, Python start-up included"}), flush=True)

        out = tmp / "exports"
        out.mkdir(exist_ok=True)
        glossary = Glossary.from_settings(settings)
        t = time.perf_counter()
        for view in cfg["views"]:
            write_csv(con, people_sql(con, view, tz)[0], out / f"{view}.csv")
        csv_s = time.perf_counter() - t
        csv_mb = sum((out / f"{v}.csv").stat().st_size for v in cfg["views"]) / 1e6
        t = time.perf_counter()
        sheets = []
        for view in cfg["views"]:
            q, cols = people_sql(con, view, tz)
            rows = con.execute(f"{q} LIMIT {int(cfg['max_rows'])}").fetchall()
            sheets.append(Sheet(glossary.title(view), view, cols, [glossary.column(c) for c in cols], rows, "",
                                len(rows)))
        write_workbook(out / "callintel.xlsx", sheets, glossary.columns)
        xlsx_s = time.perf_counter() - t
        t = time.perf_counter()
        pq = export_parquet(con, out / "parquet", [*cfg["views"], *cfg["parquet_tables"]])
        pq_s = time.perf_counter() - t
        pq_mb = sum(Path(p).stat().st_size for p in pq.values()) / 1e6
        t = time.perf_counter()
        report = write_report(con, out / "report.html", settings, glossary)
        html_s = time.perf_counter() - t
        html_mb = report.stat().st_size / 1e6
        t = time.perf_counter()
        period = default_period(con, 3)  # `callintel report --from --to` over 3 nights (goal: under 10 s)
        period_page = write_period_report(con, out / "report_period.html", settings, period)
        period_s = time.perf_counter() - t
        print(json.dumps({"csv_s": round(csv_s, 2), "csv_mb": round(csv_mb, 1),
                          "xlsx_s": round(xlsx_s, 2),
                          "xlsx_mb": round((out / "callintel.xlsx").stat().st_size / 1e6, 1),
                          "xlsx_rows_per_sheet_max": cfg["max_rows"],
                          "parquet_s": round(pq_s, 2), "parquet_mb": round(pq_mb, 1),
                          "report_s": round(html_s, 2), "report_mb": round(html_mb, 2),
                          "report_under_5mb": html_mb < 5,
                          "period_report_nights": period.nights, "period_report_s": round(period_s, 2),
                          "period_report_mb": round(period_page.stat().st_size / 1e6, 2),
                          "period_report_under_10s": period_s < 10}), flush=True)
        con.close()


if __name__ == "__main__":
    main()

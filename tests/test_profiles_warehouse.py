"""Profiles, script library and leads on a real DuckDB warehouse built from the sample dialogues' text.

The calls go in as a night would put them (transcript_from_turns: normalise, terms, mask; then write_call), the
topics-free steps run (profiles, replies, leads; outcomes when asked), and the views are read back.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import SAMPLES

from callintel.evaluation.calls import land, score_unmasked
from callintel.evaluation.calls_profiles import best_reply_scores, intent_scores, profile_scores
from callintel.flows.steps import BY_NAME, run_step
from callintel.warehouse.db import connect
from callintel.warehouse.script_library import export_script_library


@pytest.fixture
def warehouse(settings):
    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    con = connect(settings.path("warehouse"))
    nights = land(con, dialogues, settings)
    summary = {name: run_step(BY_NAME[name], con, nights, settings) for name in ("profiles", "replies", "leads")}
    yield con, dialogues, nights, summary
    con.close()


def test_steps_fill_tables_and_views(warehouse):
    con, dialogues, _, summary = warehouse
    assert summary["profiles"]["calls"] == len(dialogues) and summary["profiles"]["facts"] > 20
    # no outcomes step here: candidates, but no call is known to be a success, so no script (and the note says so)
    assert summary["replies"]["candidates"] > 0 and summary["replies"]["library_replies"] == 0
    assert "library" in summary["replies"]["note"]
    callers = con.execute("SELECT count(DISTINCT coalesce(caller_hash, call_id)) FROM calls").fetchone()[0]
    assert con.execute("SELECT count(*) FROM v_customer_profiles").fetchone()[0] == callers
    # each evidence sentence is the stored utterance at that seq
    bad = con.execute("""SELECT count(*) FROM profile_facts f JOIN utterances u ON u.call_id = f.call_id
                         AND u.seq = f.turn WHERE u.text <> f.evidence""").fetchone()[0]
    assert bad == 0
    assert con.execute("SELECT count(*) FROM v_script_library").fetchone()[0] == summary["replies"]["library_replies"]


def test_scores_on_the_samples_beat_their_baselines(warehouse, settings):
    con, dialogues, _, _ = warehouse
    p = profile_scores(dialogues, con)
    assert p["profile_precision"] >= 0.9 and p["profile_recall"] > p["baseline_profile_recall"]
    i = intent_scores(dialogues, con)
    assert i["intent_auc"] >= 0.9 and i["intent_product_accuracy"] >= 0.6
    assert best_reply_scores(dialogues, con)["best_reply_calls"] > 0
    assert score_unmasked(dialogues, con)["unmasked"] == 0


def test_merged_profile_keeps_newest_and_conflicts(warehouse, settings):
    con = warehouse[0]
    caller, first_call = con.execute("""SELECT caller_hash, min(call_id) FROM calls WHERE caller_hash IS NOT NULL
                                        GROUP BY caller_hash HAVING count(*) > 1 ORDER BY 1 LIMIT 1""").fetchone()
    later = con.execute("SELECT max(call_id) FROM calls WHERE caller_hash = ?", [caller]).fetchone()[0]
    con.execute("""INSERT INTO profile_facts VALUES (?, ?, (SELECT started_at FROM calls WHERE call_id = ?), 'city',
                   '大连', 0.8, 0, '我在大连。', 'customer', now()),
                   (?, ?, (SELECT started_at FROM calls WHERE call_id = ?), 'city', '青岛', 0.8, 0,
                    '我搬到青岛了。', 'customer', now())""",
                [first_call, caller, first_call, later, caller, later])
    city, conflicts = con.execute("SELECT city, conflicts FROM v_customer_profiles WHERE caller_key = ?",
                                  [caller]).fetchone()
    assert city == "青岛"
    older = [c for c in conflicts if c["field"] == "city"]
    assert "大连" in [c["value"] for c in older] and "青岛" not in [c["value"] for c in older]
    assert {c["call_id"] for c in older} <= {r for (r,) in con.execute(
        "SELECT call_id FROM calls WHERE caller_hash = ? AND call_id <> ?", [caller, later]).fetchall()}


def test_leads_exclude_opt_out_and_show_no_number(warehouse, settings, tmp_path):
    con, _, nights, _ = warehouse
    rows = con.execute("SELECT caller_hash, band, product, evidence FROM v_marketing_leads ORDER BY rank").fetchall()
    assert rows and all(b in ("high", "medium") for _, b, _, _ in rows)
    assert all(p for _, _, p, _ in rows)
    assert con.execute("SELECT count(*) FROM v_marketing_leads WHERE caller_hash IN "
                       "(SELECT caller_hash FROM call_intent WHERE excluded)").fetchone()[0] == 0
    text = json.dumps(con.execute("SELECT * FROM v_marketing_leads").fetchall(), default=str, ensure_ascii=False)
    assert not re.search(r"1[3-9]\d{9}", text)
    # the opt-out file is respected
    top = rows[0][0]
    opt = tmp_path / "opt_out.txt"
    opt.write_text(f"# test\n{top}\nnot-a-hash\n", encoding="utf-8")
    settings.data["leads"]["opt_out"] = str(opt)
    summary = run_step(BY_NAME["leads"], con, nights, settings)
    assert summary["opt_out"] == 1 and summary["problems"] and "line 3" in summary["problems"][0]
    assert top not in {h for (h,) in con.execute("SELECT caller_hash FROM v_marketing_leads").fetchall()}


def test_rerun_replaces_rows(warehouse, settings):
    con, _, nights, _ = warehouse
    before = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("profile_facts", "reply_candidates", "call_intent")}
    run_step(BY_NAME["profiles"], con, nights, settings)
    run_step(BY_NAME["replies"], con, nights, settings)
    run_step(BY_NAME["leads"], con, nights, settings)
    after = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in before}
    assert before == after


def test_script_library_files(warehouse, tmp_path):
    con, _, _, _ = warehouse
    written = export_script_library(con, tmp_path)
    csv_bytes = Path(written["script_library_csv"]).read_bytes()
    assert csv_bytes.startswith(b"\xef\xbb\xbf") and "坐席".encode() not in csv_bytes[:3]
    n = con.execute("SELECT count(*) FROM v_script_library").fetchone()[0]
    assert csv_bytes.decode("utf-8-sig").count("\n") == n + 1 or n == 0
    from openpyxl import load_workbook
    assert load_workbook(written["script_library_xlsx"]).active.max_row == n + 1
    page = Path(written["script_library_html"]).read_text(encoding="utf-8")
    assert page.count('<article class="reply"') == n and "<script>" in page and "http" not in page


def test_agent_read_outs_move_to_policies_on_file():
    """Migration 230: a warehouse's earlier read-outs of the agent's (existing_policies, source agent) move to
    policies_on_file, what the caller said stays; v_customer_profiles shows both columns apart."""
    import duckdb

    from callintel.warehouse.db import migrate

    con = duckdb.connect()
    migrate(con)
    con.execute("DELETE FROM schema_migrations WHERE version = '230_policies_on_file'")
    row = "INSERT INTO profile_facts VALUES ('c1', 'h1', now(), 'existing_policies', ?, 0.8, ?, 'x', ?, now())"
    con.execute(row, ["重疾险", 1, "agent"])
    con.execute(row, ["医疗险", 2, "customer"])
    assert migrate(con) == ["230_policies_on_file"]
    assert sorted(con.execute("SELECT field, value FROM profile_facts").fetchall()) == [
        ("existing_policies", "医疗险"), ("policies_on_file", "重疾险")]
    assert con.execute("SELECT existing_policies, policies_on_file FROM v_customer_profiles").fetchone() == (
        "医疗险", "重疾险")

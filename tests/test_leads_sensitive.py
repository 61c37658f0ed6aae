"""Health conditions stay in customer profiles, flagged sensitive, and never reach the marketing list
(v_marketing_leads: profile summary, evidence, cues), on the health insurer's development calls."""

from __future__ import annotations

import json
from pathlib import Path

from callintel.evaluation.calls import land
from callintel.flows.steps import BY_NAME, run_step
from callintel.warehouse.db import connect


def test_health_conditions_stay_in_profiles_and_out_of_leads(shared_data: Path, settings):
    calls = json.loads((shared_data / "calls_health" / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    con = connect(settings.path("warehouse"))
    nights = land(con, calls, settings)
    for name in ("profiles", "leads"):
        run_step(BY_NAME[name], con, nights, settings)
    health = {(h, v) for h, v in con.execute(
        "SELECT caller_hash, value FROM profile_facts WHERE field = 'health_condition' AND caller_hash IS NOT NULL"
    ).fetchall()}
    assert health, "the health insurer's callers state conditions: the profiles must keep them"
    assert con.execute("SELECT count(*) FROM v_customer_profiles WHERE health_conditions IS NOT NULL").fetchone()[0]
    comment = con.execute("SELECT comment FROM duckdb_columns() WHERE table_name = 'v_customer_profiles' "
                          "AND column_name = 'health_conditions'").fetchone()[0]
    assert comment.startswith("SENSITIVE")
    leads = con.execute("SELECT * FROM v_marketing_leads").fetchall()
    columns = [d[0] for d in con.description]
    led = {row[columns.index("caller_hash")] for row in leads}
    assert led & {h for h, _ in health}, "some lead has a stated condition: otherwise this test shows nothing"
    for row in leads:
        text = json.dumps(row, default=str, ensure_ascii=False)
        said = {v for h, v in health if h == row[columns.index("caller_hash")]}
        assert not [v for v in said if v in text], (said, text)
        assert "health:" not in text
    con.close()

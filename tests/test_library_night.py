"""The night joins the QA leads' decisions: a decision made between two runs of a night, through the real
flow (Prefect, DuckDB), is copied into script_reviews and published first in that night's script library, and
the night writes the period report beside report.html."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from callintel.flows.text_demo import TextDemo, generate
from callintel.settings import PROJECT_ROOT, load_settings
from callintel.warehouse import reviews

CONFIG = PROJECT_ROOT / "configs" / "demo_text.toml"


@pytest.mark.slow  # two whole nights
def test_a_rerun_keeps_and_publishes_a_decision(tmp_path: Path, night):
    over = {"paths": {"warehouse": str(tmp_path / "w.duckdb"), "exports": str(tmp_path / "exports")}}
    settings = load_settings(CONFIG, over)
    manifest = generate(tmp_path / "t", TextDemo.from_settings(settings, calls_per_night=30, nights=1, seed=7))[0]
    first = night.run_night(manifest, str(CONFIG), "night", over)
    con = duckdb.connect(str(first["db"]), read_only=True)
    call_id, turn, reply = con.execute("SELECT call_id, reply_turn, reply FROM v_script_library "
                                       "ORDER BY rank DESC, call_id LIMIT 1").fetchone()
    con.close()
    reviews.decide(reviews.store_path(settings), call_id=call_id, reply_turn=turn, action="approve", reply=reply,
                   reviewer="质检甲")

    again = night.run_night(manifest, str(CONFIG), "night", over)
    con = duckdb.connect(str(again["db"]), read_only=True)
    try:
        assert con.execute("SELECT call_id, reply_turn, status FROM v_script_reviews").fetchall() == [
            (call_id, turn, "approved")]
    finally:
        con.close()
    page = Path(again["exports"]["script_library_html"]).read_text(encoding="utf-8")
    first_card = page.index("<article")
    assert page.index('data-review="approved"') < page.index('data-review="candidate"')
    assert reply in page[first_card:page.index("</article>", first_card)]
    period = Path(again["exports"]["report_period"])
    assert period.name == "report_period.html" and "周期报告" in period.read_text(encoding="utf-8")

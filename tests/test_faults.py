"""Issue 18: bad input, bad settings, kills and faults; each test reproduced its fault on the code before the fix."""

from __future__ import annotations

import pendulum


def test_a_scheduled_run_processes_the_night_before_with_the_datetime_prefect_passes():
    from callintel.flows.schedule import night_date

    at_two = pendulum.datetime(2026, 12, 2, 18, 0, tz="UTC")  # 02:00 on 3 Dec in Shanghai: the cron's run
    assert str(night_date(at_two, "Asia/Shanghai", -1)) == "2026-12-02"
    local = pendulum.datetime(2026, 12, 3, 2, 0, tz="Asia/Shanghai")
    assert str(night_date(local, "Asia/Shanghai", -1)) == "2026-12-02"
    assert str(night_date(at_two, "UTC", 0)) == "2026-12-02"

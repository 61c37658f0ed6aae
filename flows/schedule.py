"""`callintel serve`: Prefect's own scheduler runs the night every day ([schedule] in configs/).

`Flow.serve` registers a deployment with a cron schedule on the Prefect server and polls it for
due runs; each run resolves the manifest path for its night and runs the night flow as a subflow.
The night date comes from the run's *scheduled* time, so a run that starts late (machine was off,
a previous night overran) still processes the night it was scheduled for.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.schedules import Cron

from callintel.flows import night
from callintel.settings import load_settings


def night_date(scheduled: datetime, timezone: str, offset_days: int) -> date:
    """The night a run scheduled at `scheduled` processes (local date plus the offset).

    Prefect passes a pendulum DateTime, whose arithmetic after `astimezone` went back to its own zone
    (every scheduled night took D-2): the instant is taken as a plain timestamp and the days are added to a date.
    """
    local = datetime.fromtimestamp(scheduled.timestamp(), ZoneInfo(timezone))
    return local.date() + timedelta(days=offset_days)


def manifest_for(template: str, when: date) -> Path:
    return Path(template.format(date=when.isoformat())).expanduser()


@flow(name="callintel-nightly", log_prints=True)
def scheduled_night(manifest_template: str, config: str | None = None, for_date: str | None = None) -> dict[str, Any]:
    """One scheduled night: find its manifest, run the night flow; partial nights complete, failed ones fail."""
    log = get_run_logger()
    settings = load_settings(config)
    sched = settings["schedule"]
    when = date.fromisoformat(for_date) if for_date else night_date(
        flow_run.scheduled_start_time, settings["night"]["timezone"], sched["night_offset_days"])
    manifest = manifest_for(manifest_template, when)
    if not manifest.is_file():
        raise FileNotFoundError(f"no manifest for the night of {when} at {manifest}: was the night's export "
                                "delivered? Rerun with `callintel run` once it is there.")
    log.info("night of %s: %s", when, manifest)
    from prefect.settings import PREFECT_API_URL

    from callintel.flows.environment import WORKER_PREFECT_VARS, restored_environ

    flow_fn = night.night_flow.with_options(task_runner=night.task_runner(settings, PREFECT_API_URL.value()))
    with restored_environ(*WORKER_PREFECT_VARS):
        result = flow_fn(str(manifest), config, "night")
    if result["status"] == "partial":
        log.warning("night of %s partial: %d call(s) failed; see `callintel status`", when, result["calls_failed"])
    if result["exports_error"]:
        log.warning("night of %s published, but %s", when, result["exports_error"])
    return {k: result[k] for k in ("run_id", "status", "nights", "calls_ok", "calls_failed", "summary",
                                   "exports_error")}


def serve(config: str | None = None) -> None:
    """Serve the nightly deployment until stopped (systemd: docs/operations.md)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from callintel.flows.prefect_server import start_scheduling_server

    settings = load_settings(config)
    sched = settings["schedule"]
    url = PREFECT_API_URL.value()
    if not url:  # Prefect's temporary server has no scheduler: start a real one, tied to this process
        url = start_scheduling_server(str(settings.path("prefect_home")))
        os.environ["PREFECT_API_URL"] = url  # the runner starts each night in a child process
        print(f"started a Prefect server for this process at {url} (set PREFECT_API_URL to use your own)")
    with temporary_settings({PREFECT_API_URL: url}):
        scheduled_night.serve(
            name=sched["deployment"],
            schedule=Cron(sched["cron"], timezone=settings["night"]["timezone"]),
            parameters={"manifest_template": sched["manifest"], "config": config},
            limit=1,  # one night at a time (a second would wait for the night lock anyway)
            pause_on_shutdown=False,  # stopping the service for maintenance keeps the schedule
        )

"""Prefect's settings for an offline machine, applied before Prefect is imported.

Offline, Prefect's telemetry and the temporary server's analytics log errors; its home
folder is kept inside the project so a run leaves nothing elsewhere.
"""

from __future__ import annotations

import os

from callintel.models import hub_offline
from callintel.settings import Settings


def configure(settings: Settings) -> None:
    """Set Prefect's environment (unless the user already set it); call before `import prefect`."""
    hub_offline()
    prefect = settings.get("prefect", {})
    home = settings.path("prefect_home")
    home.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("PREFECT_HOME", str(home))
    for key, value in prefect.get("env", {}).items():
        os.environ.setdefault(key, str(value))

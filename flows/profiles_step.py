"""Profiles step of the night: a thin door to warehouse/profiles.py's run() until flows/steps.py registers it."""

from callintel.warehouse.profiles import run

__all__ = ["run"]

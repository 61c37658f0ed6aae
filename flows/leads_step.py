"""Leads step of the night: a thin door to warehouse/leads.py's run() until flows/steps.py registers it."""

from callintel.warehouse.leads import run

__all__ = ["run"]

"""Replies step of the night: a thin door to warehouse/replies.py's run() until flows/steps.py registers it."""

from callintel.warehouse.replies import run

__all__ = ["run"]

"""Prefect flows and the `callintel` command: the only place that knows the order of the stages."""

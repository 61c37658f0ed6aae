"""The `callintel eval TASK` measurements: one module per task, each with `run(data_dir, settings) -> dict`."""

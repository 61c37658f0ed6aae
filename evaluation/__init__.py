"""`callintel eval TASK`: how quality figures are measured (../shared/EVALUATION.md is the contract).

One module per task, each with `run(data_dir, settings) -> dict`, running the production code on
labelled data; labels are read for scoring only. It imports every stage, so it sits beside flows/,
outside the core package `callintel` that the stages share.
"""

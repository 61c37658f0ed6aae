"""The analysts' documentation is generated from the SQL and committed: it must match the schema."""

from __future__ import annotations

from callintel.settings import PROJECT_ROOT
from callintel.warehouse.docs import render_markdown


def test_committed_warehouse_docs_are_current():
    committed = (PROJECT_ROOT / "docs/warehouse.md").read_text(encoding="utf-8")
    assert committed == render_markdown() + "\n", "docs/warehouse.md is stale: run `callintel docs`"


def test_every_core_table_and_column_that_matters_is_described():
    text = render_markdown()
    for name in ("## calls (table)", "## utterances (table)", "## failures (table)", "## pipeline_runs (table)"):
        assert name in text
    assert "(no description)" not in text


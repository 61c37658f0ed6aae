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


def test_the_taxonomy_guide_queries_run_on_a_warehouse(sample_warehouse):
    """docs/taxonomy.md's SQL is what an analyst pastes: every statement runs on a real warehouse and returns rows."""
    import re

    import duckdb

    text = (PROJECT_ROOT / "docs/taxonomy.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sql\n(.*?)```", text, re.S)
    sql = "\n".join(line for b in blocks for line in b.splitlines() if not line.lstrip().startswith("--"))
    statements = [s.strip() for s in sql.split(";") if s.strip()]
    db, _ = sample_warehouse
    con = duckdb.connect(str(db), read_only=True)
    try:
        ran = [con.execute(s).fetchall() for s in statements]
    finally:
        con.close()
    assert len(ran) == 3 and all(ran[0]) and ran[2]

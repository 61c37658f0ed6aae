"""DuckDB warehouse: versioned SQL files, one writer, idempotent replaces keyed by call_id."""

"""The speech cache: transcripts by content hash, so a rerun transcribes only what is new or changed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import duckdb

from callintel.warehouse.db import insert_columns


def cached_transcripts(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = con.execute("SELECT cache_key, transcript FROM speech_cache WHERE cache_key IN (SELECT unnest(?))",
                       [keys]).fetchall()
    return dict(rows)


def cache_transcripts(con: duckdb.DuckDBPyConnection, entries: Iterable[tuple[str, str, str, str]]) -> int:
    """Many (key, call_id, sha, blob) at once; the last of a repeated key wins (two rows, one file)."""
    now = datetime.now(UTC)
    rows = {key: (key, call_id, sha, blob, now) for key, call_id, sha, blob in entries}
    return insert_columns(con, "speech_cache", ("cache_key", "call_id", "audio_sha256", "transcript", "created_at"),
                          rows.values(), verb="INSERT OR REPLACE")

"""The speech cache: transcripts by content hash, so a rerun transcribes only what is new or changed."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb


def cached_transcripts(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    rows = con.execute("SELECT cache_key, transcript FROM speech_cache WHERE cache_key IN (SELECT unnest(?))",
                       [keys]).fetchall()
    return dict(rows)


def cache_transcript(con: duckdb.DuckDBPyConnection, key: str, call_id: str, sha: str, blob: str) -> None:
    con.execute("INSERT OR REPLACE INTO speech_cache VALUES (?, ?, ?, ?, ?)",
                [key, call_id, sha, blob, datetime.now(UTC)])

"""The caller-hash key's fingerprint in the warehouse: recorded by the first run, checked by every later one."""

from __future__ import annotations

import duckdb

from callintel.privacy import CallerKeyError

PURPOSE = "caller_hash"


def claim_key(con: duckdb.DuckDBPyConnection, fingerprint: str, run_id: str) -> bool:
    """Record `fingerprint` if the warehouse has none yet (True), accept it if it matches (False).

    Raises CallerKeyError when the warehouse's numbers were hashed with another key: the run
    would otherwise store hashes that never join the earlier calls of the same callers.
    """
    row = con.execute("SELECT key_fingerprint, first_run_id FROM privacy_keys WHERE purpose = ?",
                      [PURPOSE]).fetchone()
    if row is None:
        con.execute("INSERT INTO privacy_keys (purpose, key_fingerprint, first_run_id) VALUES (?, ?, ?)",
                    [PURPOSE, fingerprint, run_id])
        return True
    if row[0] != fingerprint:
        raise CallerKeyError(
            f"this warehouse's caller numbers were hashed with another key (fingerprint {row[0]}, first used by "
            f"run {row[1]}); this run's key has fingerprint {fingerprint}. Hashes made with different keys never "
            "match, so repeat callers would be lost. Use the original key ([privacy] caller_hash_key_env or "
            "caller_hash_key_file), or start a new warehouse (--db) for the new key.")
    return False

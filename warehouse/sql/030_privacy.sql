-- Which key hashed the callers' numbers in this warehouse (callintel/privacy.py, warehouse/privacy.py).
-- calls.caller_hash is HMAC(key, number): a night run with another key makes every caller look new and
-- silently breaks repeat-caller joins, so the first run records the key's fingerprint and later runs with
-- a different key are refused before they write anything.

CREATE TABLE IF NOT EXISTS privacy_keys (
    purpose          VARCHAR PRIMARY KEY,
    key_fingerprint  VARCHAR NOT NULL,
    first_run_id     VARCHAR,
    recorded_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
COMMENT ON TABLE privacy_keys IS 'The key each keyed hash of this warehouse was made with, as a fingerprint (never the key): a run with another key is refused.';
COMMENT ON COLUMN privacy_keys.purpose IS 'What the key hashes: caller_hash (calls.caller_hash).';
COMMENT ON COLUMN privacy_keys.key_fingerprint IS 'HMAC-SHA256(key, a fixed text), first 16 hex characters: identifies the key without revealing it.';
COMMENT ON COLUMN privacy_keys.first_run_id IS 'The run that first hashed numbers with this key (pipeline_runs.run_id).';
COMMENT ON COLUMN privacy_keys.recorded_at IS 'When the fingerprint was recorded.';

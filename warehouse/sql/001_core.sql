-- Core tables: one row per night run, per call, per utterance, per failure.
-- Re-running a night replaces a call's rows (keyed by call_id); it never duplicates them.

CREATE TABLE IF NOT EXISTS pipeline_runs (
    run_id          VARCHAR PRIMARY KEY,
    flow            VARCHAR NOT NULL,
    manifest        VARCHAR,
    nights          VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    status          VARCHAR NOT NULL,
    calls_in_manifest INTEGER,
    calls_ok        INTEGER,
    calls_cached    INTEGER,
    calls_failed    INTEGER,
    audio_seconds   DOUBLE,
    processing_seconds DOUBLE,
    config_fingerprint VARCHAR,
    model_versions  JSON,
    callintel_version VARCHAR
);
COMMENT ON TABLE pipeline_runs IS 'One row per run of a flow (a night, a demo, a rerun): what went in, what came out, which code, models and settings.';
COMMENT ON COLUMN pipeline_runs.status IS 'running, succeeded (no failures), partial (some calls failed) or failed (the run itself broke).';
COMMENT ON COLUMN pipeline_runs.calls_cached IS 'Calls whose transcript came from the speech cache (same audio, model and settings).';
COMMENT ON COLUMN pipeline_runs.config_fingerprint IS 'Hash of the merged settings; differing fingerprints explain differing results.';

CREATE TABLE IF NOT EXISTS calls (
    call_id         VARCHAR PRIMARY KEY,
    night           DATE NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    ended_at        TIMESTAMPTZ,
    duration_s      DOUBLE,
    caller_hash     VARCHAR,
    caller_number   VARCHAR,
    agent_id        VARCHAR,
    channel_layout  VARCHAR NOT NULL,
    role_method     VARCHAR,
    audio_path      VARCHAR NOT NULL,
    audio_sha256    VARCHAR NOT NULL,
    n_utterances    INTEGER NOT NULL,
    agent_talk_s    DOUBLE,
    customer_talk_s DOUBLE,
    warnings        JSON,
    attributes      JSON,
    run_id          VARCHAR NOT NULL,
    asr_model       VARCHAR,
    processed_at    TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE calls IS 'One row per successfully transcribed call. Keyed by call_id; a rerun replaces the row.';
COMMENT ON COLUMN calls.night IS 'Local (configs [night].timezone) date the call started: the night that processed it.';
COMMENT ON COLUMN calls.caller_hash IS 'HMAC-SHA256 of the normalised caller number (key from CALLINTEL_CALLER_HASH_KEY); NULL when withheld. Join repeat calls on this.';
COMMENT ON COLUMN calls.caller_number IS 'Raw caller number, only when [privacy].keep_caller_number = true; NULL otherwise.';
COMMENT ON COLUMN calls.role_method IS 'How speakers were assigned: channel (stereo layout), greeting (mono, inferred) or unknown.';
COMMENT ON COLUMN calls.attributes IS 'Manifest columns beyond the required ones, kept as given.';
COMMENT ON COLUMN calls.warnings IS 'Per-call warnings from the speech stage (e.g. a silent channel), as a JSON list of strings.';

CREATE TABLE IF NOT EXISTS utterances (
    call_id         VARCHAR NOT NULL,
    seq             INTEGER NOT NULL,
    speaker         VARCHAR NOT NULL,
    channel         INTEGER,
    start_s         DOUBLE NOT NULL,
    end_s           DOUBLE NOT NULL,
    text            VARCHAR NOT NULL,
    avg_logprob     DOUBLE,
    no_speech_prob  DOUBLE,
    PRIMARY KEY (call_id, seq)
);
COMMENT ON TABLE utterances IS 'Time-ordered turns of each call, Simplified Chinese, PII masked ([手机号], [身份证号], [银行卡号]).';
COMMENT ON COLUMN utterances.speaker IS 'agent, customer or unknown.';
COMMENT ON COLUMN utterances.start_s IS 'Seconds from the start of the recording.';

CREATE TABLE IF NOT EXISTS failures (
    item            VARCHAR NOT NULL,
    stage           VARCHAR NOT NULL,
    call_id         VARCHAR,
    manifest        VARCHAR NOT NULL,
    reason          VARCHAR NOT NULL,
    detail          VARCHAR,
    run_id          VARCHAR NOT NULL,
    failed_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (manifest, item, stage)
);
COMMENT ON TABLE failures IS 'Calls or manifest lines that did not make it through a stage, with a reason a person can act on. A later run that succeeds for the call removes its row.';
COMMENT ON COLUMN failures.item IS 'The call_id, or "line N" for a manifest row without one.';
COMMENT ON COLUMN failures.stage IS 'manifest, decode, transcribe, nlp or warehouse.';

CREATE TABLE IF NOT EXISTS speech_cache (
    cache_key       VARCHAR PRIMARY KEY,
    call_id         VARCHAR NOT NULL,
    audio_sha256    VARCHAR NOT NULL,
    transcript      JSON NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE speech_cache IS 'Masked transcripts by content hash (audio sha256 + model + speech settings): a rerun skips transcription.';

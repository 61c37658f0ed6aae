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

COMMENT ON COLUMN calls.call_id IS 'The manifest''s call id: the key every other table joins on.';
COMMENT ON COLUMN calls.started_at IS 'When the call started (manifest started_at, with its time zone).';
COMMENT ON COLUMN calls.ended_at IS 'started_at plus the recording''s duration.';
COMMENT ON COLUMN calls.duration_s IS 'Length of the recording in seconds.';
COMMENT ON COLUMN calls.agent_id IS 'The agent who took the call (manifest agent_id).';
COMMENT ON COLUMN calls.channel_layout IS 'stereo_agent_left, stereo_agent_right or mono, as the manifest said.';
COMMENT ON COLUMN calls.audio_path IS 'Absolute path of the recording that was transcribed.';
COMMENT ON COLUMN calls.audio_sha256 IS 'sha256 of the audio file: a changed recording gets a new transcript.';
COMMENT ON COLUMN calls.n_utterances IS 'Number of rows in utterances for this call.';
COMMENT ON COLUMN calls.agent_talk_s IS 'Seconds of agent speech (sum of agent utterance spans).';
COMMENT ON COLUMN calls.customer_talk_s IS 'Seconds of customer speech (sum of customer utterance spans).';
COMMENT ON COLUMN calls.run_id IS 'The pipeline_runs row that last wrote this call.';
COMMENT ON COLUMN calls.asr_model IS 'Speech model name and weight hash that produced the transcript.';
COMMENT ON COLUMN calls.processed_at IS 'When this row was written.';
COMMENT ON COLUMN utterances.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN utterances.seq IS 'Position of the turn in the call, from 0, in time order.';
COMMENT ON COLUMN utterances.channel IS 'Audio channel the turn was heard on (0 left / mono, 1 right).';
COMMENT ON COLUMN utterances.end_s IS 'Seconds from the start of the recording.';
COMMENT ON COLUMN utterances.text IS 'What was said: Simplified Chinese, normalised punctuation, PII masked.';
COMMENT ON COLUMN utterances.avg_logprob IS 'Whisper''s mean token log-probability: lower means less certain.';
COMMENT ON COLUMN utterances.no_speech_prob IS 'Whisper''s probability that the segment held no speech.';
COMMENT ON COLUMN failures.call_id IS 'The call, when the failing row had one.';
COMMENT ON COLUMN failures.manifest IS 'Absolute path of the manifest the item came from.';
COMMENT ON COLUMN failures.reason IS 'What went wrong and what to do about it.';
COMMENT ON COLUMN failures.detail IS 'Technical detail (exception text), when there is any.';
COMMENT ON COLUMN failures.run_id IS 'The run that last saw this failure.';
COMMENT ON COLUMN failures.failed_at IS 'When the failure was last recorded.';
COMMENT ON COLUMN pipeline_runs.run_id IS 'Unique id: label, start time and a random suffix.';
COMMENT ON COLUMN pipeline_runs.flow IS 'night (callintel run) or demo.';
COMMENT ON COLUMN pipeline_runs.manifest IS 'Absolute path of the manifest.';
COMMENT ON COLUMN pipeline_runs.nights IS 'Comma-separated nights (local dates) the manifest''s calls belong to.';
COMMENT ON COLUMN pipeline_runs.calls_in_manifest IS 'Rows in the manifest, good and bad.';
COMMENT ON COLUMN pipeline_runs.calls_ok IS 'Calls written to calls/utterances by this run.';
COMMENT ON COLUMN pipeline_runs.calls_failed IS 'Failures recorded by this run (manifest rows and calls).';
COMMENT ON COLUMN pipeline_runs.audio_seconds IS 'Audio transcribed by this run (cached calls excluded).';
COMMENT ON COLUMN pipeline_runs.processing_seconds IS 'Speech-stage seconds spent on it: divide by audio_seconds for the real-time factor.';
COMMENT ON COLUMN pipeline_runs.model_versions IS 'Model names and weight hashes (JSON).';
COMMENT ON COLUMN pipeline_runs.callintel_version IS 'Version of this code base.';
COMMENT ON COLUMN pipeline_runs.started_at IS 'When the run began.';
COMMENT ON COLUMN pipeline_runs.finished_at IS 'When it ended; NULL while running or if the process was killed.';

-- Operations: the run summary people read each morning, how far a dead run got, which night readers see,
-- and the calls a person should listen to (no speech, too short, truncated).

ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS summary JSON;
ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS exit_code INTEGER;
ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS note VARCHAR;
ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS host VARCHAR;
ALTER TABLE pipeline_runs ADD COLUMN IF NOT EXISTS pid INTEGER;
COMMENT ON COLUMN pipeline_runs.summary IS 'The run summary (JSON): calls in / done / cached / failed / to review, audio hours, wall seconds, calls per hour, slowest calls.';
COMMENT ON COLUMN pipeline_runs.exit_code IS 'Exit code `callintel run` returned: 0 succeeded, 3 partial, 4 failed (see README, Operations).';
COMMENT ON COLUMN pipeline_runs.note IS 'Why a run ended as it did: for interrupted runs, how far it got and when it was last alive; for failed runs, the error.';
COMMENT ON COLUMN pipeline_runs.host IS 'Machine the run ran on.';
COMMENT ON COLUMN pipeline_runs.pid IS 'Process id of the run (to match it with system logs).';

CREATE TABLE IF NOT EXISTS publication (
    run_id          VARCHAR PRIMARY KEY,
    nights          VARCHAR,
    status          VARCHAR NOT NULL,
    calls           INTEGER NOT NULL,
    published_at    TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE publication IS 'One row: the night this file holds. Nights write a copy and replace the file readers open when they end, so a reader always sees a whole night; pipeline_runs has the history.';
COMMENT ON COLUMN publication.run_id IS 'The run (pipeline_runs.run_id) that published this file.';
COMMENT ON COLUMN publication.nights IS 'Comma-separated nights (local dates) that run processed.';
COMMENT ON COLUMN publication.status IS 'succeeded or partial (a failed or killed night is never published).';
COMMENT ON COLUMN publication.calls IS 'Rows in calls when it was published (all nights).';
COMMENT ON COLUMN publication.published_at IS 'When the file was handed to readers.';

CREATE OR REPLACE VIEW v_calls_to_review AS
SELECT c.night, c.call_id, c.duration_s, c.n_utterances, c.audio_path,
       concat_ws('; ',
           CASE WHEN c.n_utterances = 0 THEN 'no speech transcribed' END,
           CASE WHEN json_array_length(c.warnings) > 0
                THEN array_to_string(CAST(c.warnings AS VARCHAR[]), '; ') END) AS reason
FROM calls c
WHERE c.n_utterances = 0 OR json_array_length(c.warnings) > 0
ORDER BY c.night DESC, c.call_id;
COMMENT ON VIEW v_calls_to_review IS 'Calls that landed but need a person to listen: no speech transcribed, or speech-stage warnings (truncated file, silent channel, ...). `callintel status` also lists calls shorter than [review] min_call_s.';

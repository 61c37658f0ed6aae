-- One writer per table, fully: a rerun of the topics step used to delete the call_topics step's refinements
-- (call_question_topics) of the nights it redid. Now it only records when it took a night back (topic_runs); a
-- refinement remembers which of those runs it was made over (over_run_at), and one made over an earlier run is
-- stale: v_question_topics and the topics step's pool ignore it until the call_topics step redoes its night.

CREATE TABLE IF NOT EXISTS topic_runs (
    night           DATE PRIMARY KEY,
    run_at          TIMESTAMP WITH TIME ZONE NOT NULL
);
COMMENT ON TABLE topic_runs IS 'When the topics step last took back a night to (re)do its topics. Written by the topics step alone (its prepare); a call_question_topics row made over an earlier run of its night is stale.';
COMMENT ON COLUMN topic_runs.night IS 'The questions'' night (questions.night).';
COMMENT ON COLUMN topic_runs.run_at IS 'When that run began undoing the night: every refinement made before it is stale until the call_topics step redoes the night.';

ALTER TABLE call_question_topics ADD COLUMN IF NOT EXISTS over_run_at TIMESTAMP WITH TIME ZONE;
COMMENT ON COLUMN call_question_topics.over_run_at IS 'topic_runs.run_at of the question''s night when the call_topics step made this row (NULL: before any run was recorded). When the topics step reruns the night the two differ: the row is stale, ignored by v_question_topics and the topics step''s pool until the call_topics step redoes the night.';

CREATE OR REPLACE VIEW v_calls_to_review AS
WITH sides AS (
    SELECT call_id, count(*) FILTER (WHERE speaker = 'customer') AS customer_turns,
           count(*) FILTER (WHERE speaker = 'agent') AS agent_turns
    FROM utterances GROUP BY call_id
)
SELECT c.night, c.call_id, c.duration_s, c.n_utterances, c.audio_path,
       concat_ws('; ',
           CASE WHEN c.n_utterances = 0 THEN 'no speech transcribed' END,
           CASE WHEN s.customer_turns = 0
                THEN 'no customer turn (one speaker found, or the customer''s channel or label missing): the call '
                     'has no questions, topic or profile' END,
           CASE WHEN s.agent_turns = 0
                THEN 'no agent turn (one speaker found, or the agent''s channel or label missing)' END,
           CASE WHEN json_array_length(c.warnings) > 0
                THEN array_to_string(CAST(c.warnings AS VARCHAR[]), '; ') END) AS reason
FROM calls c LEFT JOIN sides s USING (call_id)
WHERE c.n_utterances = 0 OR json_array_length(c.warnings) > 0
   OR s.customer_turns = 0 OR s.agent_turns = 0
ORDER BY c.night DESC, c.call_id;
COMMENT ON VIEW v_calls_to_review IS 'Calls that landed but need a person to listen: no speech transcribed, only one side of the conversation (no customer turn or no agent turn: one speaker found, a channel or label missing), or speech-stage warnings (truncated file, silent channel, ...). `callintel status` also lists calls shorter than [review] min_call_s.';

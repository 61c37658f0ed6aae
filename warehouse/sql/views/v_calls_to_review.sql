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

-- Night-level summary, the first thing ops and analysts look at.

CREATE OR REPLACE VIEW v_night_summary AS
SELECT
    c.night,
    count(*)                                        AS calls,
    count(DISTINCT c.caller_hash)                   AS callers,
    count(DISTINCT c.agent_id)                      AS agents,
    round(sum(c.duration_s) / 60, 1)                AS audio_minutes,
    round(avg(c.duration_s), 1)                     AS avg_call_seconds,
    sum(c.n_utterances)                             AS utterances,
    count(*) FILTER (WHERE json_array_length(c.warnings) > 0) AS calls_with_warnings
FROM calls c
GROUP BY c.night
ORDER BY c.night;
COMMENT ON VIEW v_night_summary IS 'Per night: calls, distinct callers and agents, audio minutes, utterances, calls with speech warnings.';

CREATE OR REPLACE VIEW v_night_summary AS
SELECT c.night,
    count(*)                                                        AS calls,
    count(DISTINCT c.caller_hash)                                   AS callers,
    count(DISTINCT c.agent_id)                                      AS agents,
    round(sum(c.duration_s) / 60, 1)                                AS audio_minutes,
    round(avg(c.duration_s), 1)                                     AS avg_call_seconds,
    sum(c.n_utterances)                                             AS utterances,
    count(*) FILTER (WHERE json_array_length(c.warnings) > 0)       AS calls_with_warnings,
    count(*) FILTER (WHERE o.label = 'unresolved')                  AS unresolved_calls,
    count(*) FILTER (WHERE o.escalated)                             AS escalated_calls,
    count(*) FILTER (WHERE r.is_repeat)                             AS repeat_calls,
    round(count(*) FILTER (WHERE r.is_repeat) / count(*), 3)        AS repeat_call_share
FROM calls c
LEFT JOIN call_outcomes o USING (call_id)
LEFT JOIN repeat_contacts r USING (call_id)
GROUP BY c.night
ORDER BY c.night;
COMMENT ON VIEW v_night_summary IS 'Per night: calls, distinct callers and agents, audio minutes, utterances, calls with speech warnings, unresolved and escalated calls, and repeat calls (the caller had called within the window) with their share.';

CREATE OR REPLACE VIEW v_calls AS
WITH tz AS (SELECT max(value) AS tz FROM step_params WHERE step = 'outcomes' AND name = 'timezone')
SELECT c.call_id,
    c.night,
    timezone(tz.tz, c.started_at)                          AS started_at_local,
    c.started_at,
    CAST(hour(timezone(tz.tz, c.started_at)) AS INTEGER)   AS local_hour,
    round(c.duration_s, 1)                                 AS duration_s,
    c.agent_id,
    left(c.caller_hash, 8)                                 AS caller,
    c.caller_hash,
    ct.topic_id                                            AS topic_id,
    n.topic_name,
    ct.second_topic_id,
    n2.topic_name                                          AS second_topic_name,
    o.label                                                AS resolution,
    round(o.score, 3)                                      AS unresolved_score,
    o.fcr_override,
    o.escalated,
    o.unanswered,
    r.is_repeat,
    r.has_repeat,
    r.prev_call_id,
    r.next_call_id,
    c.n_utterances
FROM calls c
CROSS JOIN tz
LEFT JOIN call_outcomes o USING (call_id)
LEFT JOIN repeat_contacts r USING (call_id)
LEFT JOIN call_topics ct USING (call_id)
LEFT JOIN v_topic_names n ON n.topic_id = ct.topic_id
LEFT JOIN v_topic_names n2 ON n2.topic_id = ct.second_topic_id;
COMMENT ON VIEW v_calls IS 'One row per call with everything a person filters on: local start time and hour, agent, short caller hash, topic id and name (and those of a second matter the caller opened: 还有个事，…), resolution, escalation, repeat links (previous/next call ids). Open a call''s transcript with SELECT speaker, start_s, text FROM utterances WHERE call_id = ... ORDER BY seq.';

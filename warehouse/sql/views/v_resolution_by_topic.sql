CREATE OR REPLACE VIEW v_resolution_by_topic AS
SELECT v.topic_id, any_value(v.topic_name) AS topic_name,
    count(*)                                                     AS topic_calls,
    count(*) FILTER (WHERE v.resolution = 'resolved')            AS resolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unresolved')          AS unresolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unknown')             AS unknown_calls,
    round(count(*) FILTER (WHERE v.resolution = 'unresolved') / count(*), 3) AS unresolved_share,
    list(v.call_id ORDER BY v.started_at DESC, v.call_id)        AS call_ids
FROM v_calls v
WHERE v.topic_id IS NOT NULL
GROUP BY v.topic_id
ORDER BY topic_calls DESC, v.topic_id;
COMMENT ON VIEW v_resolution_by_topic IS 'Every topic with calls, without a minimum support: calls resolved, unresolved and unknown, the unresolved share, and the call ids latest first (v_low_resolution_topics ranks the well-supported ones).';

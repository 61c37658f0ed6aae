CREATE OR REPLACE VIEW v_resolution_by_topic AS
SELECT v.topic_id, any_value(v.topic_name) AS topic_name,
    count(*)                                                     AS topic_calls,
    count(*) FILTER (WHERE v.resolution = 'resolved')            AS resolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unresolved')          AS unresolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unknown')             AS unknown_calls,
    round(count(*) FILTER (WHERE v.resolution = 'unresolved') / count(*), 3) AS unresolved_share,
    list(v.call_id ORDER BY v.started_at DESC, v.call_id)        AS call_ids,
    count(*) FILTER (WHERE o.fcr_status = 'failed')              AS fcr_failed_calls,
    round(1 - count(*) FILTER (WHERE o.fcr_status = 'failed')
              / nullif(count(*) FILTER (WHERE o.fcr_status IN ('failed', 'achieved', 'pending')), 0), 3) AS fcr_share
FROM v_calls v LEFT JOIN call_outcomes o USING (call_id)
WHERE v.topic_id IS NOT NULL
GROUP BY v.topic_id
ORDER BY topic_calls DESC, v.topic_id;
COMMENT ON VIEW v_resolution_by_topic IS 'Every topic with calls, without a minimum support: calls resolved, unresolved and unknown in the call, the unresolved share, the call ids latest first, and FCR (failed calls, FCR share as in v_resolution_by_agent); v_low_resolution_topics ranks the well-supported ones.';
COMMENT ON COLUMN v_resolution_by_topic.fcr_failed_calls IS 'Calls of the topic whose caller came back about the matter left open.';
COMMENT ON COLUMN v_resolution_by_topic.fcr_share IS 'First-contact resolution rate of the topic: 1 - failed / calls with a known caller.';

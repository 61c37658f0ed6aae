CREATE OR REPLACE VIEW v_low_resolution_topics AS
-- Topics ranked by how often their calls stay unresolved. Only topics with at least
-- step_params outcomes.min_topic_calls calls are listed, and the ranking uses the Wilson lower bound
-- of the unresolved share (95%), so a topic with 3 of 3 unresolved does not top 80 of 100. A topic none of whose
-- calls stayed unresolved is not a low-resolution topic, however few its calls (before 122, one ranked last).
WITH p AS (
    SELECT max(CASE WHEN name = 'min_topic_calls' THEN CAST(value AS INTEGER) END) AS min_calls,
           max(CASE WHEN name = 'example_calls' THEN CAST(value AS INTEGER) END) AS examples
    FROM step_params WHERE step = 'outcomes'
), per_topic AS (
    SELECT ct.topic_id                                           AS topic_id,
        count(*)                                               AS topic_calls,
        count(*) FILTER (WHERE o.label = 'unresolved')         AS unresolved_calls,
        count(*) FILTER (WHERE o.fcr_override)                 AS fcr_overrides,
        count(*) FILTER (WHERE r.is_repeat OR r.has_repeat)    AS repeat_calls,
        count(*) FILTER (WHERE o.escalated)                    AS escalated_calls,
        round(avg(o.handle_s), 1)                              AS avg_handle_s,
        min(o.night)                                           AS first_night,
        max(o.night)                                           AS last_night
    FROM call_outcomes o JOIN call_topics ct USING (call_id) LEFT JOIN repeat_contacts r USING (call_id)
    WHERE coalesce(r.flag, 'ok') <> 'duplicate'
    GROUP BY 1
), examples AS (
    SELECT ct.topic_id,
        list(o.call_id ORDER BY o.score DESC, o.call_id) AS ids
    FROM call_outcomes o JOIN call_topics ct USING (call_id) WHERE o.label = 'unresolved'
    GROUP BY 1
), scored AS (
    SELECT t.*, round(t.unresolved_calls / t.topic_calls, 3) AS unresolved_share,
        round(t.repeat_calls / t.topic_calls, 3) AS repeat_share,
        -- Wilson score lower bound, z = 1.96
        ((t.unresolved_calls / t.topic_calls) + 1.9208 / t.topic_calls
          - 1.96 * sqrt((t.unresolved_calls / t.topic_calls) * (1 - t.unresolved_calls / t.topic_calls) / t.topic_calls
                        + 0.9604 / (t.topic_calls * t.topic_calls))) / (1 + 3.8416 / t.topic_calls) AS wilson_low
    FROM per_topic t
)
SELECT row_number() OVER (ORDER BY s.wilson_low DESC, s.topic_calls DESC, s.topic_id) AS rank,
    s.topic_id, n.topic_name, n.topic_label, n.representative, s.topic_calls, s.unresolved_calls, s.unresolved_share,
    round(s.wilson_low, 3) AS unresolved_share_low,
    s.repeat_calls, s.repeat_share, s.fcr_overrides, s.escalated_calls, s.avg_handle_s,
    s.first_night, s.last_night, coalesce(e.ids[1:p.examples], []) AS example_call_ids
FROM scored s CROSS JOIN p LEFT JOIN examples e USING (topic_id)
LEFT JOIN v_topic_names n USING (topic_id)
WHERE s.topic_calls >= p.min_calls AND s.unresolved_calls > 0
ORDER BY rank;
COMMENT ON VIEW v_low_resolution_topics IS 'Hot-question topics with unresolved calls, ranked by unresolved share (resolved-in-call, Wilson lower bound), with repeat-call share, FCR failures (fcr_overrides), escalations requested, average handle time and the ids of the most certain unresolved calls (their evidence: v_unresolved_calls); topics with fewer than step_params outcomes.min_topic_calls calls, or none unresolved, are left out. Join v_topic_trend or topic_daily on topic_id (INTEGER) for trends.';

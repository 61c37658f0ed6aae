CREATE OR REPLACE VIEW v_low_resolution_topics AS
-- Topics ranked by how often their matters stay open: a call counts as left open when the dialogue says
-- unresolved, or when the dialogue could not tell (unknown) and the caller came back about it (FCR failed). A
-- call the dialogue calls resolved is never counted (neither meaning overwrites the other). Only topics with at
-- least step_params outcomes.min_topic_calls calls are listed, ranked by the Wilson lower bound (95%) of the open share,
-- so 3 of 3 does not top 80 of 100; a topic with no call left open is not listed.
WITH p AS (
    SELECT max(CASE WHEN name = 'min_topic_calls' THEN CAST(value AS INTEGER) END) AS min_calls,
           max(CASE WHEN name = 'example_calls' THEN CAST(value AS INTEGER) END) AS examples
    FROM step_params WHERE step = 'outcomes'
), per_call AS (
    SELECT o.*, ct.topic_id AS tid, r.is_repeat, r.has_repeat,
        o.label = 'unresolved' OR (o.label = 'unknown' AND coalesce(o.fcr_failed, false)) AS left_open
    FROM call_outcomes o JOIN call_topics ct USING (call_id) LEFT JOIN repeat_contacts r USING (call_id)
    WHERE coalesce(r.flag, 'ok') <> 'duplicate'
), per_topic AS (
    SELECT tid                                                 AS topic_id,
        count(*)                                               AS topic_calls,
        count(*) FILTER (WHERE label = 'unresolved')           AS unresolved_calls,
        count(*) FILTER (WHERE left_open)                      AS open_calls,
        count(*) FILTER (WHERE fcr_failed)                     AS fcr_overrides,
        count(*) FILTER (WHERE is_repeat OR has_repeat)        AS repeat_calls,
        count(*) FILTER (WHERE escalated)                      AS escalated_calls,
        round(avg(handle_s), 1)                                AS avg_handle_s,
        min(night)                                             AS first_night,
        max(night)                                             AS last_night
    FROM per_call GROUP BY 1
), examples AS (
    SELECT tid AS topic_id, list(call_id ORDER BY label = 'unresolved' DESC, score DESC, call_id) AS ids
    FROM per_call WHERE left_open GROUP BY 1
), scored AS (
    SELECT t.*, round(t.unresolved_calls / t.topic_calls, 3) AS unresolved_share,
        round(t.open_calls / t.topic_calls, 3) AS open_share,
        round(t.repeat_calls / t.topic_calls, 3) AS repeat_share,
        -- Wilson score lower bound, z = 1.96, of the open share
        ((t.open_calls / t.topic_calls) + 1.9208 / t.topic_calls
          - 1.96 * sqrt((t.open_calls / t.topic_calls) * (1 - t.open_calls / t.topic_calls) / t.topic_calls
                        + 0.9604 / (t.topic_calls * t.topic_calls))) / (1 + 3.8416 / t.topic_calls) AS wilson_low
    FROM per_topic t
)
SELECT row_number() OVER (ORDER BY s.wilson_low DESC, s.topic_calls DESC, s.topic_id) AS rank,
    s.topic_id, n.topic_name, n.topic_label, n.representative, s.topic_calls, s.unresolved_calls, s.unresolved_share,
    round(s.wilson_low, 3) AS unresolved_share_low,
    s.repeat_calls, s.repeat_share, s.fcr_overrides, s.escalated_calls, s.avg_handle_s,
    s.first_night, s.last_night, coalesce(e.ids[1:p.examples], []) AS example_call_ids,
    s.open_calls, s.open_share, s.fcr_overrides AS fcr_failed_calls
FROM scored s CROSS JOIN p LEFT JOIN examples e USING (topic_id)
LEFT JOIN v_topic_names n USING (topic_id)
WHERE s.topic_calls >= p.min_calls AND s.open_calls > 0
ORDER BY rank;
COMMENT ON VIEW v_low_resolution_topics IS 'Hot-question topics whose matters stay open, ranked by the open share (unresolved in the call, or unknown in the call and the caller came back about it; Wilson lower bound), with the resolved-in-call figures beside it, repeat-call share, FCR failures, escalations requested, average handle time and the ids of the calls left open, the most certain first (their evidence: v_unresolved_calls); topics with fewer than step_params outcomes.min_topic_calls calls, or none left open, are left out. Join v_topic_trend or topic_daily on topic_id (INTEGER) for trends.';
COMMENT ON COLUMN v_low_resolution_topics.unresolved_share_low IS 'Wilson lower bound (95%) of open_share: the ranking.';
COMMENT ON COLUMN v_low_resolution_topics.open_calls IS 'Calls left open: unresolved in the call, or unknown in the call and the caller came back about it (FCR failed).';
COMMENT ON COLUMN v_low_resolution_topics.open_share IS 'open_calls / topic_calls.';
COMMENT ON COLUMN v_low_resolution_topics.fcr_failed_calls IS 'Calls whose caller came back about the matter left open (the same as fcr_overrides).';
COMMENT ON COLUMN v_low_resolution_topics.fcr_overrides IS 'Calls that failed FCR (call_outcomes.fcr_failed); kept under its old name for readers of earlier exports.';

CREATE OR REPLACE VIEW v_repeat_vs_one_time AS
-- Group features: callers who came back within the window vs callers who did not (and withheld numbers).
WITH per_call AS (
    SELECT r.call_id, r.caller_hash, r.flag, o.local_hour, o.handle_s, o.label, o.escalated, o.unanswered,
        o.n_turns, o.score
    FROM repeat_contacts r LEFT JOIN call_outcomes o USING (call_id)
    WHERE r.flag <> 'duplicate'
), groups AS (
    SELECT caller_hash,
        CASE WHEN caller_hash IS NULL THEN 'withheld'
             WHEN bool_or(r.is_repeat) THEN 'repeat caller' ELSE 'one-time caller' END AS caller_group
    FROM repeat_contacts r WHERE r.flag <> 'duplicate' GROUP BY caller_hash
)
SELECT g.caller_group,
    count(DISTINCT p.caller_hash)                                   AS callers,
    count(*)                                                        AS calls,
    round(avg(p.handle_s), 1)                                       AS avg_handle_s,
    round(avg(p.n_turns), 1)                                        AS avg_turns,
    round(avg(p.score), 3)                                          AS avg_unresolved_score,
    round(avg(CASE WHEN p.label = 'unresolved' THEN 1.0 ELSE 0.0 END), 3) AS unresolved_share,
    round(avg(CASE WHEN p.escalated THEN 1.0 ELSE 0.0 END), 3)      AS escalated_share,
    round(avg(CASE WHEN p.unanswered THEN 1.0 ELSE 0.0 END), 3)     AS unanswered_share,
    round(avg(CASE WHEN p.local_hour < 9 OR p.local_hour >= 18 THEN 1.0 ELSE 0.0 END), 3) AS out_of_hours_share
FROM per_call p JOIN groups g ON g.caller_hash IS NOT DISTINCT FROM p.caller_hash
GROUP BY g.caller_group
ORDER BY g.caller_group;
COMMENT ON VIEW v_repeat_vs_one_time IS 'Repeat callers vs one-time callers vs withheld numbers: handle time, turns, unresolved, escalated and unanswered shares, out-of-hours share (before 09:00 or from 18:00).';

CREATE OR REPLACE VIEW v_repeat_callers AS
-- Callers with at least one repeat (a call within the window of another), most calls first.
-- Ordered aggregates (mode/list ... ORDER BY) sort per group and took 3 s at 100,000 calls: lists are sorted
-- after aggregating (list_sort), and the modes are arg_max over counts, ties to the smaller value as before.
WITH per_call AS (
    SELECT r.call_id, r.caller_hash, r.started_at, r.is_repeat, r.gap_prev_s, r.same_topic_prev, r.same_agent_prev,
        r.agent_id, o.local_hour, o.handle_s, o.label, o.escalated, ct.topic_id AS topic,
        n.topic_name
    FROM repeat_contacts r LEFT JOIN call_outcomes o USING (call_id) LEFT JOIN call_topics ct USING (call_id)
    LEFT JOIN v_topic_names n ON n.topic_id = ct.topic_id
    WHERE r.flag <> 'duplicate' AND r.caller_hash IS NOT NULL
), callers AS (
    SELECT caller_hash FROM per_call GROUP BY caller_hash HAVING bool_or(is_repeat)
), p AS (
    SELECT per_call.* FROM per_call JOIN callers USING (caller_hash)
), by_topic AS (     -- per caller: topics by id and name, and the main one (most calls; ties: smallest id)
    SELECT caller_hash, count(*) AS topics,
        arg_max(topic, n * 1000000000 - topic)                   AS main_topic_id,
        list_sort(list(topic))                                   AS topic_ids,
        array_to_string(list_transform(list_sort(list({'id': topic, 'name': topic_name})), lambda x: x.name),
                        ' | ')                                   AS topic_names  -- in topic_ids' order
    FROM (SELECT caller_hash, topic, any_value(topic_name) AS topic_name, count(*) AS n
          FROM p WHERE topic IS NOT NULL GROUP BY caller_hash, topic)
    GROUP BY caller_hash
), usual AS (        -- the local hour most of the caller's calls started in; ties: the earliest
    SELECT caller_hash, arg_max(local_hour, n * 100 - local_hour) AS usual_hour
    FROM (SELECT caller_hash, local_hour, count(*) AS n FROM p WHERE local_hour IS NOT NULL GROUP BY ALL)
    GROUP BY caller_hash
), agg AS (
    SELECT
        p.caller_hash,
        count(*)                                              AS caller_calls,
        count(*) FILTER (WHERE p.is_repeat)                   AS repeat_calls,
        min(p.started_at)                                     AS first_call_at,
        max(p.started_at)                                     AS last_call_at,
        round(avg(p.gap_prev_s) / 3600, 2)                    AS avg_gap_hours,
        round(min(p.gap_prev_s) / 3600, 2)                    AS min_gap_hours,
        count(*) FILTER (WHERE p.same_topic_prev)             AS same_topic_repeats,
        count(DISTINCT p.agent_id)                            AS agents,
        count(*) FILTER (WHERE p.same_agent_prev)             AS same_agent_repeats,
        count(*) FILTER (WHERE p.local_hour < 9 OR p.local_hour >= 18) AS calls_out_of_hours,
        count(*) FILTER (WHERE p.escalated)                   AS escalated_calls,
        count(*) FILTER (WHERE p.label = 'unresolved')        AS unresolved_calls,
        round(avg(p.handle_s), 1)                             AS avg_handle_s,
        list_transform(list_sort(list({'at': p.started_at, 'id': p.call_id})), lambda x: x.id) AS call_ids
    FROM p
    GROUP BY p.caller_hash
), tz AS (SELECT max(value) AS tz FROM step_params WHERE step = 'outcomes' AND name = 'timezone')
SELECT left(a.caller_hash, 8) AS caller, a.caller_hash, a.caller_calls, a.repeat_calls,
    timezone(tz.tz, a.first_call_at) AS first_call_at_local, timezone(tz.tz, a.last_call_at) AS last_call_at_local,
    a.avg_gap_hours, a.min_gap_hours, coalesce(m.topics, 0) AS topics, m.main_topic_id,
    mt.topic_name AS main_topic_name, coalesce(m.topic_ids, []) AS topic_ids, m.topic_names, a.same_topic_repeats,
    a.agents, a.same_agent_repeats, u.usual_hour, a.calls_out_of_hours,
    a.escalated_calls, a.unresolved_calls, a.avg_handle_s, a.call_ids
FROM agg a CROSS JOIN tz
LEFT JOIN by_topic m USING (caller_hash)
LEFT JOIN usual u USING (caller_hash)
LEFT JOIN v_topic_names mt ON mt.topic_id = m.main_topic_id
ORDER BY a.caller_calls DESC, a.repeat_calls DESC, a.caller_hash;
COMMENT ON VIEW v_repeat_callers IS 'Callers who called again within the window, most calls first: short and full caller hash, their calls (ids in time order), first and last call in local time, gaps, main topic and all topics by id and name, agents, usual local hour, escalations and unresolved calls. Withheld numbers and duplicates are left out.';

-- repeat_contacts and the first-contact-resolution (FCR) override of call_outcomes.label.
-- Derived by the outcomes step after every run (warehouse/derived.py): v_repeat_links (020_outcomes.sql, where
-- the awkward cases are defined) materialised for every call, recomputed whole so that a call of one night and
-- its caller's calls of other nights always agree. Settings from step_params (step 'outcomes', [outcomes]):
--   repeat_window_days           a call is a repeat when the same caller calls again within this
--   fcr_same_topic_only          the override needs the next call to be on the same topic ...
--   fcr_unknown_topic_overrides  ... and when a topic is unknown, this decides
-- FCR override of a call: the caller called again within the window and either topics are ignored
-- (fcr_same_topic_only = false), or the next call is on the same topic, or a topic is unknown and
-- fcr_unknown_topic_overrides = true. The call's label becomes unresolved; dialogue_label keeps the dialogue's.
DELETE FROM repeat_contacts;
INSERT INTO repeat_contacts (call_id, caller_hash, started_at, agent_id, topic_id, flag, duplicate_of,
    prev_call_id, prev_started_at, gap_prev_s, next_call_id, next_started_at, gap_next_s, same_topic_prev,
    same_topic_next, same_agent_prev, same_agent_next, is_repeat, has_repeat, fcr_override, window_days)
WITH p AS (
    SELECT max(CASE WHEN name = 'fcr_same_topic_only' THEN CAST(value AS BOOLEAN) END) AS same_topic_only,
           max(CASE WHEN name = 'fcr_unknown_topic_overrides' THEN CAST(value AS BOOLEAN) END) AS unknown_overrides
    FROM outcome_params
)
SELECT call_id, caller_hash, started_at, agent_id, topic_id, flag, duplicate_of, prev_call_id,
       prev_started_at, gap_prev_s, next_call_id, next_started_at, gap_next_s, same_topic_prev,
       same_topic_next, same_agent_prev, same_agent_next, is_repeat, has_repeat,
       has_repeat AND (NOT p.same_topic_only OR coalesce(same_topic_next, p.unknown_overrides)),
       window_days
FROM v_repeat_links CROSS JOIN p;

UPDATE call_outcomes o SET fcr_override = r.fcr_override,
       label = CASE WHEN r.fcr_override THEN 'unresolved' ELSE o.dialogue_label END
FROM repeat_contacts r WHERE r.call_id = o.call_id;

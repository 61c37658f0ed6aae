-- repeat_contacts, and first-contact resolution (FCR) beside the call's own resolution (170_fcr_status.sql).
-- Derived by the outcomes step after every run (warehouse/derived.py): v_repeat_links (views/v_repeat_links.sql, where
-- the awkward cases are defined) materialised for every call, recomputed whole so that a call of one night and
-- its caller's calls of other nights always agree. Settings from step_params (step 'outcomes', [outcomes]):
--   repeat_window_days           a call is a repeat when the same caller calls again within this
--   fcr_same_topic_only          a repeat is about the same matter only when the next call is on the same topic ...
--   fcr_unknown_topic_overrides  ... and when a topic is unknown, this decides
-- The two meanings of resolution, never one over the other:
--   resolved in the call  call_outcomes.dialogue_label / resolved_in_call: what the dialogue says.
--   FCR                   no repeat contact about the same unresolved matter within the window. It failed
--                         (fcr_failed) when the call was not resolved in the dialogue and the caller called again
--                         within the window about the same matter. Not a failure: a callback after a resolved call
--                         (to ask when the refund arrives, to send a promised document), a callback about another
--                         matter (fcr_same_topic_only), or a callback to buy after a sales call (both calls are
--                         purchase calls, call_outcomes.purchase_call: a sale going on is not a matter left open).
-- fcr_status says how sure the verdict is: failed; achieved (the window closed without such a callback); pending
-- (the window is still open as of the warehouse's latest call: FCR may yet fail); unknown (withheld number or a
-- duplicate: nobody can tell whether the caller came back). The clock is the data's, not the wall's.
DELETE FROM repeat_contacts;
INSERT INTO repeat_contacts (call_id, caller_hash, started_at, agent_id, flag, duplicate_of,
    prev_call_id, prev_started_at, gap_prev_s, next_call_id, next_started_at, gap_next_s, same_topic_prev,
    same_topic_next, same_agent_prev, same_agent_next, is_repeat, has_repeat, fcr_override, window_days, fcr_failed,
    callback_to_buy)
WITH p AS (
    SELECT max(CASE WHEN name = 'fcr_same_topic_only' THEN CAST(value AS BOOLEAN) END) AS same_topic_only,
           max(CASE WHEN name = 'fcr_unknown_topic_overrides' THEN CAST(value AS BOOLEAN) END) AS unknown_overrides
    FROM step_params WHERE step = 'outcomes'
), links AS (
    SELECT l.*, coalesce(o.dialogue_label <> 'resolved', false) AS left_open,
           l.has_repeat AND (NOT p.same_topic_only OR coalesce(l.same_topic_next, p.unknown_overrides)) AS same_matter,
           l.has_repeat AND coalesce(o.purchase_call AND n.purchase_call, false) AS to_buy
    FROM v_repeat_links l CROSS JOIN p LEFT JOIN call_outcomes o USING (call_id)
    LEFT JOIN call_outcomes n ON n.call_id = l.next_call_id
)
SELECT call_id, caller_hash, started_at, agent_id, flag, duplicate_of, prev_call_id,
       prev_started_at, gap_prev_s, next_call_id, next_started_at, gap_next_s, same_topic_prev,
       same_topic_next, same_agent_prev, same_agent_next, is_repeat, has_repeat,
       same_matter AND left_open AND NOT to_buy, window_days, same_matter AND left_open AND NOT to_buy, to_buy
FROM links;

UPDATE call_outcomes o SET fcr_override = r.fcr_failed, fcr_failed = r.fcr_failed,
       fcr_next_call_id = CASE WHEN r.fcr_failed THEN r.next_call_id END,
       fcr_status = CASE WHEN r.fcr_failed THEN 'failed'
                         WHEN r.flag IN ('withheld', 'duplicate') THEN 'unknown'
                         WHEN epoch(latest.at) - epoch(r.started_at) < r.window_days * 86400 THEN 'pending'
                         ELSE 'achieved' END,
       resolved_in_call = CASE o.dialogue_label WHEN 'resolved' THEN true WHEN 'unresolved' THEN false END,
       label = o.dialogue_label
FROM repeat_contacts r, (SELECT max(started_at) AS at FROM calls) latest
WHERE r.call_id = o.call_id;

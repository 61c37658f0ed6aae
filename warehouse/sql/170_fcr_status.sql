-- Resolution's two meanings, measured honestly (issue 22). Resolved in the call is what the dialogue says
-- (call_outcomes.dialogue_label, resolved_in_call); first-contact resolution (FCR) is that the caller did not come
-- back within the window about the same matter left unresolved (fcr_failed). Before this, the views and the
-- period report counted FCR as label = 'resolved', which is resolved-in-call under another name, and a callback
-- to buy after an undecided sales call failed FCR. Now: fcr_status says failed / achieved / pending (the window is
-- still open as of the warehouse's latest call) / unknown (withheld number), a sale's callback is no failure
-- (purchase_call), and every rate below says which meaning it is.

ALTER TABLE call_outcomes ADD COLUMN IF NOT EXISTS purchase_call BOOLEAN;
ALTER TABLE call_outcomes ADD COLUMN IF NOT EXISTS fcr_status VARCHAR;
ALTER TABLE repeat_contacts ADD COLUMN IF NOT EXISTS callback_to_buy BOOLEAN;

COMMENT ON COLUMN call_outcomes.purchase_call IS 'The caller is buying: purchase intent (the leads step''s cues) in [outcomes] purchase_bands. When a call and the caller''s next call are both purchase calls, the callback is to buy and is no FCR failure.';
COMMENT ON COLUMN call_outcomes.fcr_status IS 'First-contact resolution of this call: failed (fcr_failed), achieved (the window closed without a callback about the matter it left open), pending (the window is still open as of the warehouse''s latest call: it may yet fail) or unknown (withheld number or duplicate: nobody can tell). NULL until the outcomes step''s finish ran.';
COMMENT ON COLUMN call_outcomes.fcr_failed IS 'First-contact resolution failed: this call was not resolved in the call (dialogue_label is not resolved) and the same caller called again within the window about the same matter ([outcomes] fcr_same_topic_only, fcr_unknown_topic_overrides). Not a failure: a callback after a resolved call, about another matter, or to buy after a sales call (repeat_contacts.callback_to_buy). NULL until the outcomes step''s finish ran.';
COMMENT ON COLUMN repeat_contacts.callback_to_buy IS 'This call and the caller''s next call within the window are both purchase calls (call_outcomes.purchase_call): the callback is a sale going on, not a matter left open.';

CREATE OR REPLACE VIEW v_call_resolution AS
SELECT o.call_id, o.night, o.started_at, o.agent_id, o.caller_hash, o.topic_id,
       o.dialogue_label                                   AS resolution_in_call,
       o.resolved_in_call,
       o.fcr_failed,
       o.fcr_status,
       CASE o.fcr_status WHEN 'failed' THEN false WHEN 'achieved' THEN true END AS fcr_resolved,
       coalesce(o.resolved_in_call, false) AND NOT coalesce(o.fcr_failed, false) AS successful,
       o.fcr_next_call_id,
       o.escalated                                        AS escalation_requested,
       o.purchase_call,
       r.has_repeat, r.next_call_id, r.same_topic_next, r.callback_to_buy
FROM call_outcomes o LEFT JOIN repeat_contacts r USING (call_id);
COMMENT ON VIEW v_call_resolution IS 'Both meanings of resolution per call, side by side, neither over the other: resolved in the call (what the dialogue says) and first-contact resolution (FCR: no repeat contact about the same unresolved matter within the window), with how sure the FCR verdict is (fcr_status), and whether the caller asked to complain or escalate. A script library or a report decides a success on successful (resolved in the call and FCR not failed).';
COMMENT ON COLUMN v_call_resolution.resolution_in_call IS 'resolved / unresolved / unknown from the dialogue alone (call_outcomes.dialogue_label).';
COMMENT ON COLUMN v_call_resolution.resolved_in_call IS 'true / false / NULL (unknown): call_outcomes.resolved_in_call.';
COMMENT ON COLUMN v_call_resolution.fcr_failed IS 'The caller came back about the matter this call left unresolved (call_outcomes.fcr_failed).';
COMMENT ON COLUMN v_call_resolution.fcr_status IS 'failed / achieved / pending (window still open) / unknown (withheld number): call_outcomes.fcr_status.';
COMMENT ON COLUMN v_call_resolution.fcr_resolved IS 'FCR alone: false when it failed, true when the window closed without a callback about a matter left open, NULL while pending or when unknown. It does not read the dialogue: resolved_in_call does.';
COMMENT ON COLUMN v_call_resolution.successful IS 'Resolved in the call and FCR not failed: what the script library counts as a success.';
COMMENT ON COLUMN v_call_resolution.fcr_next_call_id IS 'The repeat call behind an FCR failure.';
COMMENT ON COLUMN v_call_resolution.escalation_requested IS 'The caller asked to complain or escalate (call_outcomes.escalated).';
COMMENT ON COLUMN v_call_resolution.purchase_call IS 'The caller is buying (call_outcomes.purchase_call).';
COMMENT ON COLUMN v_call_resolution.has_repeat IS 'The caller called again within the window (about anything).';
COMMENT ON COLUMN v_call_resolution.next_call_id IS 'The caller''s next call within the window, if any.';
COMMENT ON COLUMN v_call_resolution.same_topic_next IS 'The next call has the same main topic; NULL when a topic is unknown.';
COMMENT ON COLUMN v_call_resolution.callback_to_buy IS 'The next call is a callback to buy after a sales call: no FCR failure.';

CREATE OR REPLACE VIEW v_resolution_by_agent AS
-- Both rates per agent, each over its own base: resolved in the call over all calls; FCR over the calls whose
-- caller is known (fcr_status not unknown), pending calls counted as not failed (so the rate can still fall).
SELECT v.agent_id,
    count(*)                                                     AS agent_calls,
    count(*) FILTER (WHERE v.resolution = 'resolved')            AS resolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unresolved')          AS unresolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unknown')             AS unknown_calls,
    round(count(*) FILTER (WHERE v.resolution = 'unresolved') / count(*), 3) AS unresolved_share,
    count(*) FILTER (WHERE v.escalated)                          AS escalated_calls,
    count(*) FILTER (WHERE v.has_repeat)                         AS callers_came_back,
    count(*) FILTER (WHERE o.fcr_status = 'failed')              AS fcr_failed_calls,
    count(*) FILTER (WHERE o.fcr_status = 'pending')             AS fcr_pending_calls,
    round(1 - count(*) FILTER (WHERE o.fcr_status = 'failed')
              / nullif(count(*) FILTER (WHERE o.fcr_status IN ('failed', 'achieved', 'pending')), 0), 3) AS fcr_share
FROM v_calls v LEFT JOIN call_outcomes o USING (call_id)
GROUP BY v.agent_id
ORDER BY agent_calls DESC, v.agent_id;
COMMENT ON VIEW v_resolution_by_agent IS 'Per agent, both meanings of resolution: calls resolved/unresolved/unknown in the call (the dialogue), escalations, calls after which the caller came back within the window (about anything), and FCR: calls that failed it (came back about a matter left open), calls still pending, and the FCR share (1 - failed / calls with a known caller).';
COMMENT ON COLUMN v_resolution_by_agent.fcr_failed_calls IS 'Calls whose caller came back within the window about the matter the call left open (call_outcomes.fcr_status = failed).';
COMMENT ON COLUMN v_resolution_by_agent.fcr_pending_calls IS 'Calls whose window is still open (the caller may yet come back): counted as not failed in fcr_share.';
COMMENT ON COLUMN v_resolution_by_agent.fcr_share IS 'First-contact resolution rate: 1 - fcr_failed_calls / calls with a known caller (withheld numbers left out). Not the resolved-in-call rate: resolved_calls / agent_calls is.';

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

CREATE OR REPLACE VIEW v_low_resolution_topics AS
-- Topics ranked by how often their matters stay open: a call counts as left open when the dialogue says
-- unresolved, or when the dialogue could not tell (unknown) and the caller came back about it (FCR failed). A
-- call the dialogue calls resolved is never counted (neither meaning overwrites the other). Only topics with at
-- least outcome_params.min_topic_calls calls are listed, ranked by the Wilson lower bound (95%) of the open share,
-- so 3 of 3 does not top 80 of 100; a topic with no call left open is not listed.
WITH p AS (
    SELECT max(CASE WHEN name = 'min_topic_calls' THEN CAST(value AS INTEGER) END) AS min_calls,
           max(CASE WHEN name = 'example_calls' THEN CAST(value AS INTEGER) END) AS examples
    FROM outcome_params
), per_call AS (
    SELECT o.*, TRY_CAST(o.topic_id AS INTEGER) AS tid, r.is_repeat, r.has_repeat,
        o.label = 'unresolved' OR (o.label = 'unknown' AND coalesce(o.fcr_failed, false)) AS left_open
    FROM call_outcomes o LEFT JOIN repeat_contacts r USING (call_id)
    WHERE o.topic_id IS NOT NULL AND coalesce(r.flag, 'ok') <> 'duplicate'
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
COMMENT ON VIEW v_low_resolution_topics IS 'Hot-question topics whose matters stay open, ranked by the open share (unresolved in the call, or unknown in the call and the caller came back about it; Wilson lower bound), with the resolved-in-call figures beside it, repeat-call share, FCR failures, escalations requested, average handle time and the ids of the calls left open, the most certain first (their evidence: v_unresolved_calls); topics with fewer than outcome_params.min_topic_calls calls, or none left open, are left out. Join v_topic_trend or topic_daily on topic_id (INTEGER) for trends.';
COMMENT ON COLUMN v_low_resolution_topics.unresolved_share_low IS 'Wilson lower bound (95%) of open_share: the ranking.';
COMMENT ON COLUMN v_low_resolution_topics.open_calls IS 'Calls left open: unresolved in the call, or unknown in the call and the caller came back about it (FCR failed).';
COMMENT ON COLUMN v_low_resolution_topics.open_share IS 'open_calls / topic_calls.';
COMMENT ON COLUMN v_low_resolution_topics.fcr_failed_calls IS 'Calls whose caller came back about the matter left open (the same as fcr_overrides).';
COMMENT ON COLUMN v_low_resolution_topics.fcr_overrides IS 'Calls that failed FCR (call_outcomes.fcr_failed); kept under its old name for readers of earlier exports.';

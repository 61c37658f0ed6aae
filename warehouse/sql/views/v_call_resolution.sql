CREATE OR REPLACE VIEW v_call_resolution AS
SELECT o.call_id, o.night, o.started_at, o.agent_id, o.caller_hash, ct.topic_id,
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
FROM call_outcomes o LEFT JOIN call_topics ct USING (call_id) LEFT JOIN repeat_contacts r USING (call_id);
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

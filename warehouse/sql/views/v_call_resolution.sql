CREATE OR REPLACE VIEW v_call_resolution AS
SELECT o.call_id, o.night, o.started_at, o.agent_id, o.caller_hash, ct.topic_id,
       o.dialogue_label                                   AS resolution_in_call,
       o.resolved_in_call,
       o.fcr_failed,
       CASE WHEN o.fcr_failed THEN false WHEN o.fcr_failed IS NULL THEN NULL
            ELSE o.resolved_in_call END                   AS fcr_resolved,
       o.fcr_next_call_id,
       o.escalated                                        AS escalation_requested,
       r.has_repeat, r.next_call_id, r.same_topic_next
FROM call_outcomes o LEFT JOIN call_topics ct USING (call_id) LEFT JOIN repeat_contacts r USING (call_id);
COMMENT ON VIEW v_call_resolution IS 'Both meanings of resolution per call, side by side: resolved in the call (the dialogue) and first-contact resolution (no repeat about the same unresolved matter within the window), plus whether the caller asked to complain or escalate. What a script library or a report should read to decide whether a call was a success: resolved_in_call AND NOT fcr_failed.';
COMMENT ON COLUMN v_call_resolution.resolution_in_call IS 'resolved / unresolved / unknown from the dialogue alone (call_outcomes.dialogue_label).';
COMMENT ON COLUMN v_call_resolution.resolved_in_call IS 'true / false / NULL (unknown): call_outcomes.resolved_in_call.';
COMMENT ON COLUMN v_call_resolution.fcr_failed IS 'The caller came back about the matter this call left unresolved (call_outcomes.fcr_failed).';
COMMENT ON COLUMN v_call_resolution.fcr_resolved IS 'Resolved at first contact: false when FCR failed, else resolved_in_call (NULL when unknown or before the outcomes step''s finish).';
COMMENT ON COLUMN v_call_resolution.fcr_next_call_id IS 'The repeat call behind an FCR failure.';
COMMENT ON COLUMN v_call_resolution.escalation_requested IS 'The caller asked to complain or escalate (call_outcomes.escalated).';
COMMENT ON COLUMN v_call_resolution.has_repeat IS 'The caller called again within the window (about anything).';
COMMENT ON COLUMN v_call_resolution.next_call_id IS 'The caller''s next call within the window, if any.';
COMMENT ON COLUMN v_call_resolution.same_topic_next IS 'The next call has the same main topic; NULL when a topic is unknown.';

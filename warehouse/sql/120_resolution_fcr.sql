-- Resolution's two meanings kept apart (issue 22): resolved in the call (what the dialogue says) and first-contact
-- resolution (FCR: no repeat contact about the same unresolved matter within the window). Neither overwrites the
-- other: call_outcomes.label stays the dialogue's label; FCR lives in its own columns, written by
-- sql/derived/repeat_contacts.sql after every outcomes run.

ALTER TABLE call_outcomes ADD COLUMN IF NOT EXISTS resolved_in_call BOOLEAN;
ALTER TABLE call_outcomes ADD COLUMN IF NOT EXISTS fcr_failed BOOLEAN;
ALTER TABLE call_outcomes ADD COLUMN IF NOT EXISTS fcr_next_call_id VARCHAR;
ALTER TABLE repeat_contacts ADD COLUMN IF NOT EXISTS fcr_failed BOOLEAN;

COMMENT ON COLUMN call_outcomes.label IS 'Resolved in the call: the same as dialogue_label (resolved / unresolved / unknown). A later repeat call never changes it: FCR is fcr_failed.';
COMMENT ON COLUMN call_outcomes.fcr_override IS 'The same as fcr_failed (false when no verdict), kept for the views that read it: the caller came back within the window about the matter this call left unresolved.';
COMMENT ON COLUMN call_outcomes.escalated IS 'The caller asked to complain or escalate (我要投诉, 找你们领导, 去银保监): [escalation] of the lexicon, customer turns only, a request rather than a past mention (昨天投诉过) or an agent''s transfer.';
COMMENT ON COLUMN call_outcomes.resolved_in_call IS 'Resolved in the call by what the dialogue says: true when dialogue_label = resolved, false when unresolved, NULL when unknown.';
COMMENT ON COLUMN call_outcomes.fcr_failed IS 'First-contact resolution failed: this call was not resolved in the call (dialogue_label is not resolved) and the same caller called again within the window about the same matter ([outcomes] fcr_same_topic_only, fcr_unknown_topic_overrides). A callback after a resolved call (to buy, to send a promised document, about another matter) is not a failure. NULL until the outcomes step''s finish ran.';
COMMENT ON COLUMN call_outcomes.fcr_next_call_id IS 'When fcr_failed: the repeat call that came back about it.';
COMMENT ON COLUMN repeat_contacts.fcr_override IS 'The same as fcr_failed (kept for the views that read it).';
COMMENT ON COLUMN repeat_contacts.fcr_failed IS 'The caller came back within the window about the matter this call left unresolved (see call_outcomes.fcr_failed).';

CREATE OR REPLACE VIEW v_call_resolution AS
SELECT o.call_id, o.night, o.started_at, o.agent_id, o.caller_hash, o.topic_id,
       o.dialogue_label                                   AS resolution_in_call,
       o.resolved_in_call,
       o.fcr_failed,
       CASE WHEN o.fcr_failed THEN false WHEN o.fcr_failed IS NULL THEN NULL
            ELSE o.resolved_in_call END                   AS fcr_resolved,
       o.fcr_next_call_id,
       o.escalated                                        AS escalation_requested,
       r.has_repeat, r.next_call_id, r.same_topic_next
FROM call_outcomes o LEFT JOIN repeat_contacts r USING (call_id);
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

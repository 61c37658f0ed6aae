CREATE OR REPLACE VIEW v_reply_candidates AS
-- Every script-library candidate with its call's topic and outcome as they are now (call_topics, call_outcomes,
-- repeat_contacts): joined here, never copied onto reply_candidates, so no later night leaves one behind.
SELECT coalesce(t.label, CAST(ct.topic_id AS VARCHAR), '(no topic)') AS topic,
    ct.topic_id,
    coalesce(r.objection, '一般问题')                    AS objection,
    r.library_rank                                       AS rank,
    round(r.score, 3)                                    AS score,
    r.question, r.reply, r.followed, r.next_text,
    o.label                                              AS call_label,
    rc.has_repeat                                        AS repeat_followed, r.reasons, r.similar_replies,
    r.agent_id, r.call_id, r.question_turn, r.reply_turn, r.started_at,
    o.resolved_in_call,
    o.fcr_failed,
    r.reasons_zh,
    o.dialogue_label,
    r.worked
FROM reply_candidates r
LEFT JOIN call_topics ct USING (call_id)
LEFT JOIN topics t ON t.topic_id = ct.topic_id
LEFT JOIN call_outcomes o USING (call_id)
LEFT JOIN repeat_contacts rc USING (call_id);
COMMENT ON VIEW v_reply_candidates IS 'Every reply candidate (reply_candidates) with its call''s topic and its current outcome: what the script library (v_script_library) and the review app read.';
COMMENT ON COLUMN v_reply_candidates.rank IS 'The reply''s rank in the library (reply_candidates.library_rank); NULL when it is not in it.';
COMMENT ON COLUMN v_reply_candidates.score IS 'Library score (reply_candidates.score): reply quality plus the call''s resolution in the call.';
COMMENT ON COLUMN v_reply_candidates.resolved_in_call IS 'The call was resolved in the call (call_outcomes.resolved_in_call).';
COMMENT ON COLUMN v_reply_candidates.fcr_failed IS 'The caller came back about the matter the call left unresolved (call_outcomes.fcr_failed).';
COMMENT ON COLUMN v_reply_candidates.reasons_zh IS 'Why the reply ranks, in words (reply_candidates.reasons_zh).';
COMMENT ON COLUMN v_reply_candidates.dialogue_label IS 'resolved / unresolved / unknown from the dialogue alone (call_outcomes.dialogue_label).';
COMMENT ON COLUMN v_reply_candidates.worked IS 'The reply may enter the library (reply_candidates.worked).';

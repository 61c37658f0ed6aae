CREATE OR REPLACE VIEW v_script_library AS
-- The best few replies that worked per topic and objection type, near-duplicates merged, with their evidence,
-- agent, and the call's topic and outcome as they are now (v_reply_candidates).
SELECT * EXCLUDE (dialogue_label, worked) FROM v_reply_candidates
WHERE rank IS NOT NULL
ORDER BY topic, objection, rank;
COMMENT ON VIEW v_script_library IS 'Script library (优秀话术) for QA leads: per topic and objection type the best replies from successful calls (resolved in the call, no FCR failure, not rejected by the caller; near-identical replies merged, similar_replies counts them), with the question, what followed, the score and its reasons, the agent, the call and its current outcome.';
COMMENT ON COLUMN v_script_library.call_label IS 'The call''s current resolution in the call (call_outcomes.label).';
COMMENT ON COLUMN v_script_library.resolved_in_call IS 'The call was resolved in the call (call_outcomes.resolved_in_call, current).';
COMMENT ON COLUMN v_script_library.reasons_zh IS 'Why the reply ranks, in words (reply_candidates.reasons_zh).';
COMMENT ON COLUMN v_script_library.fcr_failed IS 'The caller came back about the matter (call_outcomes.fcr_failed, current); false for every library row when the replies step last ran.';
COMMENT ON COLUMN v_script_library.score IS 'Library score (reply_candidates.score): reply quality plus the call''s resolution in the call.';

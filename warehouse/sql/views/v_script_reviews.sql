CREATE OR REPLACE VIEW v_script_reviews AS
-- Each decision beside the reply's current candidate row and its call's current outcome (NULL when a rerun
-- no longer lists the reply as a candidate).
SELECT s.status, coalesce(s.wording, s.reply) AS published_text, s.wording IS NOT NULL AS edited, s.note,
    s.reviewer, s.reviewed_at, s.topic, s.objection, s.question, s.reply, s.call_id, s.reply_turn,
    r.library_rank, r.score, o.label AS call_label, c.agent_id, c.night
FROM script_reviews s
LEFT JOIN reply_candidates r ON r.call_id = s.call_id AND r.reply_turn = s.reply_turn
LEFT JOIN call_outcomes o ON o.call_id = s.call_id
LEFT JOIN calls c ON c.call_id = s.call_id;
COMMENT ON VIEW v_script_reviews IS 'QA leads'' script decisions with the reply''s current library rank and its call''s current outcome and agent.';
COMMENT ON COLUMN v_script_reviews.score IS 'The reply''s library score now (reply_candidates.score); NULL when no longer a candidate.';

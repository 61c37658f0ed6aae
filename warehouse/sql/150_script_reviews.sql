-- QA leads' decisions on script-library replies, copied from their own store (warehouse/reviews.py) by each
-- night before its exports. The store is where decisions are written; this copy lets analysts join them.

CREATE TABLE IF NOT EXISTS script_reviews (
    call_id         VARCHAR NOT NULL,
    reply_turn      INTEGER NOT NULL,
    status          VARCHAR NOT NULL,
    wording         VARCHAR,
    note            VARCHAR,
    reply           VARCHAR NOT NULL,
    question        VARCHAR,
    topic           VARCHAR,
    objection       VARCHAR,
    reviewer        VARCHAR NOT NULL,
    reviewed_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, reply_turn)
);
COMMENT ON TABLE script_reviews IS 'QA leads'' decisions on script-library replies (审核), copied each night from the review store ([paths] reviews, written by `callintel library serve`); a rerun recopies, never loses them.';
COMMENT ON COLUMN script_reviews.call_id IS 'The call of the reply (calls.call_id).';
COMMENT ON COLUMN script_reviews.reply_turn IS 'utterances.seq of the agent''s reply (reply_candidates.reply_turn).';
COMMENT ON COLUMN script_reviews.status IS 'approved (published first in the library) or rejected (never published).';
COMMENT ON COLUMN script_reviews.wording IS 'The wording the QA lead published instead of the agent''s (masked); NULL = as said.';
COMMENT ON COLUMN script_reviews.note IS 'The QA lead''s note (why a reply was rejected).';
COMMENT ON COLUMN script_reviews.reply IS 'The reply as the QA lead read it (masked).';
COMMENT ON COLUMN script_reviews.question IS 'The customer''s question the reply answered (masked).';
COMMENT ON COLUMN script_reviews.topic IS 'The topic the reply was listed under when reviewed.';
COMMENT ON COLUMN script_reviews.objection IS 'The objection type the reply was listed under when reviewed.';
COMMENT ON COLUMN script_reviews.reviewer IS 'Who decided.';
COMMENT ON COLUMN script_reviews.reviewed_at IS 'When the decision was saved.';

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

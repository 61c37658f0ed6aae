CREATE OR REPLACE VIEW v_question_topics AS
-- question_topics (by the question's words) with call_question_topics (by its call) laid over it. A refinement made
-- over an earlier topics run of its night (topic_runs) is stale and left out until the call_topics step redoes it;
-- a call's fill for a question its words left without topic (method call) gives way to a topic its words find later.
WITH c AS (
    SELECT c.* FROM call_question_topics c LEFT JOIN topic_runs r ON r.night = c.assigned_night
    WHERE c.over_run_at IS NOT DISTINCT FROM r.run_at
)
SELECT question_id,
    CASE WHEN c.method = 'call' THEN coalesce(q.topic_id, c.topic_id) ELSE coalesce(c.topic_id, q.topic_id) END AS topic_id,
    CASE WHEN c.method = 'call' AND q.topic_id IS NOT NULL THEN q.similarity
         ELSE coalesce(c.similarity, q.similarity) END AS similarity,
    CASE WHEN c.method = 'call' AND q.topic_id IS NOT NULL THEN q.method ELSE coalesce(c.method, q.method) END AS method,
    CASE WHEN c.method = 'call' AND q.topic_id IS NOT NULL THEN q.assigned_night
         ELSE coalesce(c.assigned_night, q.assigned_night) END AS assigned_night
FROM question_topics q FULL JOIN c USING (question_id);
COMMENT ON VIEW v_question_topics IS 'The topic of every question that has one: what the call_topics step gave it in the light of its call (a follow-up''s context, a family''s specific topic) where it gave one over the topics step''s latest run of the night, else what its own words gave it (taxonomy match or cluster). A question its words left without topic takes its call''s main topic (method call) until its words find one; one its words tied to another topic only weakly takes it too (method call_weak). What counts, trends and evaluations read.';

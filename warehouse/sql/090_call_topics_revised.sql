-- 090: call_topics follow the revisions of the pool window. A night's re-clustering may move or drop the
-- questions of the `pool_nights` before it; the call_topics step now redoes those nights' rows (and the
-- outcomes, replies and leads steps the calls whose topic changed). Redoing a night must start from what
-- the topics and taxonomy steps gave its questions, so a family refinement keeps the row it refined.

ALTER TABLE question_topics ADD COLUMN base_topic_id INTEGER;
ALTER TABLE question_topics ADD COLUMN base_similarity DOUBLE;
ALTER TABLE question_topics ADD COLUMN base_method VARCHAR;
COMMENT ON COLUMN question_topics.base_topic_id IS 'For method = family: the general topic the question had before the call_topics step gave it the family''s specific topic said in the same call; NULL otherwise.';
COMMENT ON COLUMN question_topics.base_similarity IS 'For method = family: the similarity of the refined row; NULL otherwise.';
COMMENT ON COLUMN question_topics.base_method IS 'For method = family: the method of the refined row (phrase, example, absorbed, discovered); NULL otherwise.';

COMMENT ON TABLE call_topics IS 'The main topic of every call with customer speech: why the customer called. Never NULL: a call with nothing topical gets the "other" topic (topics.source = ''other'', 其他). Repeat callers and low-resolution topics read it. Rewritten when a later night''s re-clustering moves the questions of its night (within [topics] pool_nights); call_outcomes and reply_candidates follow in the same run.';
COMMENT ON COLUMN call_topics.night IS 'The call''s night; a rerun of the night, or a later night whose re-clustering changed its questions'' topics, replaces its rows.';
COMMENT ON COLUMN call_topics.assigned_at IS 'When the call_topics step last wrote the row (its own night, or a revision by a later one).';

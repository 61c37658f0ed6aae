-- A call's main topic is voted by the agent's words too, among the topics the caller's words named
-- (nlp/call_topics.py vote_table, [topics.taxonomy_match] agent_text_share): the method's comment says so. Nothing
-- else changes.
COMMENT ON COLUMN call_topics.method IS 'questions (vote of its questions'' topics, the first counting most, plus key phrases over all customer words and, among the topics those name, the agent''s words), customer_text (key phrases or nearest example over the customer''s words, no topical question) or other.';

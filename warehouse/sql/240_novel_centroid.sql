-- A topic of novel calls is grouped by each call's customer text plus its agent's (nlp/topics.py call_vector), so its
-- centroid is the mean of those vectors: the column's comment says so. Nothing else changes.
COMMENT ON COLUMN topics.centroid IS 'Unit mean embedding of the first members (a topic of novel calls: of its calls'' vectors, the customer''s text plus [topics.novelty] agent_weight times the agent''s, nlp/topics.py call_vector); never updated.';

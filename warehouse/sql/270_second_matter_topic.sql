-- The second matter a caller opens (还有个事, 另外, 哦对了: nlp/call_topics.py second_matter_at) is stored where the
-- call_topics step decides it, beside the call's main topic: the utterance it opens at, that matter's own main topic
-- and the question that decided it. The leads step read it again from the question topics before (finding the
-- opening after the first key-phrase question, where the call_topics step counts statements too); now it reads what
-- the one step decided. Rows written before this migration have NULLs until their night's call_topics step runs again.

ALTER TABLE call_topics ADD COLUMN IF NOT EXISTS second_matter_seq INTEGER;
ALTER TABLE call_topics ADD COLUMN IF NOT EXISTS second_topic_id INTEGER;
ALTER TABLE call_topics ADD COLUMN IF NOT EXISTS second_question_id VARCHAR;

COMMENT ON COLUMN call_topics.second_matter_seq IS 'utterances.seq of the customer turn where the caller opens a second matter ([topics.taxonomy_match] second_matter: 还有个事, 另外, 哦对了) after something of the call named a topic; NULL when they open none. What follows votes for topic_id only among the topics named before it.';
COMMENT ON COLUMN call_topics.second_topic_id IS 'The second matter''s own main topic (topics.topic_id), when its questions decide one (the same vote as topic_id, over what follows second_matter_seq); its weak or unmatched questions take it. NULL when there is no second matter or its questions decide nothing. The leads step reads it: a call about something else whose second matter is buying carries the purchase cue.';
COMMENT ON COLUMN call_topics.second_question_id IS 'questions.question_id of the question that decided second_topic_id (the first of the second matter counting most); NULL with it.';

-- A question neither the taxonomy match nor the clustering gave a topic takes its call's main topic
-- (call_question_topics method 'call', [topics.taxonomy_match] call_fills_left): terse or roundabout questions of
-- the call's own matter were left out of every topic. v_question_topics lets a topic the question's own words find
-- later (a later night's clustering) win over the fill.
COMMENT ON TABLE call_question_topics IS 'The topics the call_topics step gives questions in the light of their call, over what question_topics says: a follow-up takes the topic of what it follows (context), a general topic is made specific by a sibling said in the same call (family), a question its own words left without topic takes the call''s main topic (call). Written by the call_topics step alone; v_question_topics lays it over question_topics (a call fill only where question_topics has nothing).';
COMMENT ON COLUMN call_question_topics.method IS 'context (a follow-up: the topic of the question it follows), family (the specific sibling topic said in the call) or call (no topic from its own words: the call''s main topic, decided by its questions or statements, not by its customer text alone).';

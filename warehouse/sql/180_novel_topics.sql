-- Topics an unseen insurer brings (issue 20): a call the taxonomy explains only weakly (its winning taxonomy vote
-- under [topics.novelty] ratio times the night's median) is not filed under a listed topic; its own questions are
-- clustered as one call with the other such calls of the window (nlp/novelty.py, nlp/topics.py plan_calls) and
-- stored with method 'novel'. No new column: the method says it.

COMMENT ON COLUMN question_topics.method IS 'phrase (key phrases of a taxonomy topic) or example (nearest taxonomy example question), matched first; absorbed (its cluster kept the existing topic whose frozen centroid is nearest) or discovered (its cluster opened a new topic), by the clustering of what no match decided; novel (a question of a call the taxonomy explains only weakly: the call was clustered as a whole with the other such calls of the window, and the question has the call''s topic, a discovered one, or "other" while no other call shares its matter). What the call adds is call_question_topics (v_question_topics shows both).';

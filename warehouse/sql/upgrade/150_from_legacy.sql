-- Run by warehouse/db.py upgrade_legacy on a warehouse that migrations 001-150 wrote, after the baseline's tables
-- were created and the columns both shapes share were copied from the old tables (legacy_<name>).
--
-- The call_topics step's refinements (context: a follow-up's topic; family: a general topic made specific by a
-- sibling in the call) move to its own table, and the question's row in question_topics becomes again what the
-- taxonomy or topics step gave it, which the old table kept beside a family refinement in its columns named
-- base_ (topic id, similarity, method, in that order).
INSERT INTO call_question_topics (question_id, topic_id, similarity, method, assigned_night)
SELECT question_id, topic_id, similarity, method, assigned_night
FROM legacy_question_topics WHERE method IN ('context', 'family');

DELETE FROM question_topics WHERE method IN ('context', 'family');
INSERT INTO question_topics (question_id, topic_id, similarity, method, assigned_night)
SELECT question_id, COLUMNS('^base_'), assigned_night
FROM legacy_question_topics WHERE method = 'family' AND COLUMNS('^base_') IS NOT NULL;

-- The follow-up marks the taxonomy step wrote into questions.kind become the topics step's own table.
INSERT INTO question_follow_ups (question_id, night)
SELECT question_id, night FROM legacy_questions WHERE kind = 'follow_up';

-- The leads step's settings join the other steps' in the one parameters table.
INSERT OR REPLACE INTO step_params (step, name, value) SELECT 'leads', name, value FROM legacy_lead_params;

-- Topics an analyst recognises: known business topics (configs/topic_taxonomy.toml) beside the
-- discovered ones, follow-up questions that take the topic of what they follow, and one main
-- topic for every call (call_topics). Written by flows/topics_step.py.

ALTER TABLE topics ADD COLUMN IF NOT EXISTS slug VARCHAR;
ALTER TABLE topics ADD COLUMN IF NOT EXISTS source VARCHAR DEFAULT 'discovered';
ALTER TABLE topics ADD COLUMN IF NOT EXISTS label_source VARCHAR DEFAULT 'keywords';
COMMENT ON COLUMN topics.slug IS 'Key of the taxonomy topic (configs/topic_taxonomy.toml) or of the "other" topic; NULL for a discovered topic. One id per slug, kept for ever.';
COMMENT ON COLUMN topics.source IS 'taxonomy (a known business topic), other (calls with nothing topical) or discovered (a cluster of questions no known topic matched).';
COMMENT ON COLUMN topics.label_source IS 'Where the label comes from: taxonomy (its name there), keywords (key phrases of its own questions) or analyst (configs/topic_names.toml, which always wins).';
COMMENT ON COLUMN topics.label IS 'Short Chinese name: the taxonomy name, an analyst''s name from configs/topic_names.toml, or for a discovered topic its two leading key phrases (c-TF-IDF over jieba words).';

ALTER TABLE questions ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'own';
COMMENT ON COLUMN questions.kind IS 'own (makes sense alone) or follow_up (那要等多久, 打到哪张卡上了: only after what it follows; it takes that topic, is never clustered nor a representative).';

COMMENT ON COLUMN question_topics.method IS 'phrase (key phrases of a taxonomy topic), example (nearest taxonomy example question), family (general topic made specific by a sibling said in the call), context (a follow-up: topic of the question it follows), absorbed (its cluster kept the existing topic whose frozen centroid is nearest) or discovered (its cluster opened a new topic).';
COMMENT ON COLUMN question_topics.similarity IS 'phrase: summed key-phrase weight; example: cosine to the nearest example; absorbed/discovered: cosine to the topic centroid; context/family: 0.';

CREATE TABLE IF NOT EXISTS call_topics (
    call_id         VARCHAR PRIMARY KEY,
    night           DATE NOT NULL,
    topic_id        INTEGER NOT NULL,
    method          VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    question_id     VARCHAR,
    evidence_text   VARCHAR,
    questions       INTEGER NOT NULL,
    unclustered     INTEGER NOT NULL,
    assigned_at     TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE call_topics IS 'The main topic of every call with customer speech: why the customer called. Never NULL: a call with nothing topical gets the "other" topic (topics.source = ''other'', 其他). Repeat callers and low-resolution topics read it.';
COMMENT ON COLUMN call_topics.call_id IS 'calls.call_id.';
COMMENT ON COLUMN call_topics.night IS 'The call''s night; a rerun of the night replaces its rows.';
COMMENT ON COLUMN call_topics.topic_id IS 'topics.topic_id of the main topic.';
COMMENT ON COLUMN call_topics.method IS 'questions (vote of its questions'' topics, the first counting most, plus key phrases over all customer words), customer_text (key phrases or nearest example over the customer''s words, no topical question) or other.';
COMMENT ON COLUMN call_topics.score IS 'The winning vote ([topics.taxonomy] weights), or the cosine for customer_text by example; 0 for other.';
COMMENT ON COLUMN call_topics.question_id IS 'The first question of the call in that topic (questions.question_id), NULL when none.';
COMMENT ON COLUMN call_topics.evidence_text IS 'That question as said (PII-masked), NULL when none.';
COMMENT ON COLUMN call_topics.questions IS 'Questions detected in the call.';
COMMENT ON COLUMN call_topics.unclustered IS 'Of those, how many have no topic (not matched, not in any cluster, or a follow-up with nothing to follow).';
COMMENT ON COLUMN call_topics.assigned_at IS 'When the topics step wrote the row.';

COMMENT ON COLUMN topic_daily.prev7_avg IS 'Mean questions per night over the nights with data (any call) among the 7 before, from the topic''s first night on; 0 when there is none.';
COMMENT ON COLUMN topic_daily.first_seen IS 'First night with a question in the topic, not before the night that created it.';
COMMENT ON COLUMN topic_daily.trend IS 'new (first seen within [topics.trend].new_nights), rising, falling (includes a fall to 0 tonight), quiet (0 tonight after too few to call it a fall) or steady, against prev7_avg ([topics.trend] ratios and min_count).';

CREATE OR REPLACE VIEW v_topic_coverage AS
SELECT q.night,
       count(*)                                                         AS questions,
       count(*) FILTER (WHERE q.kind = 'follow_up')                     AS follow_ups,
       count(qt.topic_id)                                               AS with_topic,
       count(*) FILTER (WHERE qt.topic_id IS NULL)                      AS unclustered,
       count(*) FILTER (WHERE qt.method IN ('phrase', 'example', 'family')) AS by_taxonomy,
       count(*) FILTER (WHERE qt.method IN ('absorbed', 'discovered'))  AS by_clustering,
       count(*) FILTER (WHERE qt.method = 'context')                    AS by_context,
       round(count(qt.topic_id) / count(*), 3)                          AS coverage,
       (SELECT count(*) FROM call_topics ct WHERE ct.night = q.night)   AS calls,
       (SELECT count(*) FROM call_topics ct JOIN topics t USING (topic_id)
        WHERE ct.night = q.night AND t.source = 'other')                AS calls_other
FROM questions q LEFT JOIN question_topics qt USING (question_id)
GROUP BY q.night
ORDER BY q.night;
COMMENT ON VIEW v_topic_coverage IS 'Per night: questions, follow-ups, how many got a topic and by which route (taxonomy, clustering, context), how many stayed unclustered, and calls with the "other" topic. Nothing is dropped silently.';

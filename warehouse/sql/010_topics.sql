-- Hot questions: customer questions, the topics they belong to, topic counts per night and the view analysts open.
-- Written by flows/topics_step.py; a rerun of a night first removes what that night wrote, so counts never double.

CREATE TABLE IF NOT EXISTS embedding_cache (
    text_sha256     VARCHAR NOT NULL,
    model           VARCHAR NOT NULL,
    vector          FLOAT[] NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (text_sha256, model)
);
COMMENT ON TABLE embedding_cache IS 'Sentence embeddings by content: sha256 of the embedded text plus model name. A rerun embeds only texts it has not seen.';
COMMENT ON COLUMN embedding_cache.text_sha256 IS 'sha256 of the exact text embedded (questions.core).';
COMMENT ON COLUMN embedding_cache.model IS 'Embedding model name from [topics].model, e.g. m3e-small.';
COMMENT ON COLUMN embedding_cache.vector IS 'Unit-length embedding (cosine = dot product).';
COMMENT ON COLUMN embedding_cache.created_at IS 'When the vector was computed.';

CREATE TABLE IF NOT EXISTS questions (
    question_id     VARCHAR PRIMARY KEY,
    call_id         VARCHAR NOT NULL,
    seq             INTEGER NOT NULL,
    part            INTEGER NOT NULL,
    night           DATE NOT NULL,
    asked_at        TIMESTAMPTZ,
    text            VARCHAR NOT NULL,
    core            VARCHAR NOT NULL,
    cue             VARCHAR NOT NULL,
    text_sha256     VARCHAR NOT NULL
);
COMMENT ON TABLE questions IS 'Questions and requests detected in customer turns, one per sentence. Keyed by call, utterance and sentence; a rerun of the night replaces them.';
COMMENT ON COLUMN questions.question_id IS 'call_id:seq:part, stable across reruns.';
COMMENT ON COLUMN questions.call_id IS 'The call it was asked in (calls.call_id).';
COMMENT ON COLUMN questions.seq IS 'The utterance (utterances.seq) it comes from.';
COMMENT ON COLUMN questions.part IS 'Sentence number within the utterance, from 0.';
COMMENT ON COLUMN questions.night IS 'The call''s night (calls.night).';
COMMENT ON COLUMN questions.asked_at IS 'calls.started_at plus the utterance''s start offset.';
COMMENT ON COLUMN questions.text IS 'The sentence as said, PII-masked.';
COMMENT ON COLUMN questions.core IS 'The sentence without greetings and "I want to ask" openers: what is embedded and labelled.';
COMMENT ON COLUMN questions.cue IS 'Why it counts as a question: mark (？), interrogative (怎么, 多少...), particle (吗, 呢) or request (帮我查一下...). Lexicon: configs/question_cues.toml.';
COMMENT ON COLUMN questions.text_sha256 IS 'sha256 of core: the embedding_cache key.';

CREATE TABLE IF NOT EXISTS topics (
    topic_id        INTEGER PRIMARY KEY,
    label           VARCHAR NOT NULL,
    keywords        JSON NOT NULL,
    representative  VARCHAR NOT NULL,
    representative_question_id VARCHAR,
    created_night   DATE NOT NULL,
    initial_size    INTEGER NOT NULL,
    model           VARCHAR NOT NULL,
    centroid        FLOAT[] NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE topics IS 'Hot-question topics. A topic id keeps its meaning for ever: its centroid is frozen at creation and questions join only within [topics].assign_threshold of it.';
COMMENT ON COLUMN topics.topic_id IS 'Integer id, handed out in order of creation.';
COMMENT ON COLUMN topics.label IS 'Keywords (c-TF-IDF over jieba words with the insurance dictionary) joined by " / ".';
COMMENT ON COLUMN topics.keywords IS 'The label''s keywords with their c-TF-IDF weights, as a JSON list of [word, weight].';
COMMENT ON COLUMN topics.representative IS 'The medoid question at creation (the member closest to all others), PII-masked.';
COMMENT ON COLUMN topics.representative_question_id IS 'questions.question_id of the representative (NULL if that call was removed since).';
COMMENT ON COLUMN topics.created_night IS 'The night whose run created the topic.';
COMMENT ON COLUMN topics.initial_size IS 'Questions in the cluster that created it.';
COMMENT ON COLUMN topics.model IS 'Embedding model of the centroid; topics of another model are not assigned to.';
COMMENT ON COLUMN topics.centroid IS 'Unit mean embedding of the first members; never updated.';
COMMENT ON COLUMN topics.created_at IS 'When the row was written.';

CREATE TABLE IF NOT EXISTS question_topics (
    question_id     VARCHAR PRIMARY KEY,
    topic_id        INTEGER NOT NULL,
    similarity      DOUBLE NOT NULL,
    method          VARCHAR NOT NULL,
    assigned_night  DATE NOT NULL
);
COMMENT ON TABLE question_topics IS 'Which topic each question belongs to. A question with no row is noise: not (yet) part of any topic; it is pooled with the next nights'' questions for discovery.';
COMMENT ON COLUMN question_topics.question_id IS 'questions.question_id.';
COMMENT ON COLUMN question_topics.topic_id IS 'topics.topic_id.';
COMMENT ON COLUMN question_topics.similarity IS 'Cosine similarity of the question to the topic centroid.';
COMMENT ON COLUMN question_topics.method IS 'absorbed (its cluster, re-clustered with the earlier nights of the pool, kept the existing topic whose frozen centroid is nearest) or discovered (its cluster opened a new topic).';
COMMENT ON COLUMN question_topics.assigned_night IS 'The night whose run made or last revised the assignment (a question of an earlier night in the pool window can be moved later). A rerun of that night removes it first.';

CREATE TABLE IF NOT EXISTS topic_daily (
    topic_id        INTEGER NOT NULL,
    night           DATE NOT NULL,
    questions       INTEGER NOT NULL,
    calls           INTEGER NOT NULL,
    prev7_avg       DOUBLE NOT NULL,
    change_pct      DOUBLE,
    first_seen      DATE NOT NULL,
    trend           VARCHAR NOT NULL,
    PRIMARY KEY (topic_id, night)
);
COMMENT ON TABLE topic_daily IS 'Per topic and night: questions, calls, the mean of the previous 7 nights and the trend. Recomputed from questions/question_topics after every run.';
COMMENT ON COLUMN topic_daily.questions IS 'Questions of that night in the topic.';
COMMENT ON COLUMN topic_daily.calls IS 'Distinct calls of that night with a question in the topic.';
COMMENT ON COLUMN topic_daily.prev7_avg IS 'Mean questions per night over the 7 nights before (nights without any count as 0).';
COMMENT ON COLUMN topic_daily.change_pct IS 'questions / prev7_avg - 1, in percent; NULL when prev7_avg is 0.';
COMMENT ON COLUMN topic_daily.first_seen IS 'Earliest night with a question in the topic.';
COMMENT ON COLUMN topic_daily.trend IS 'new (first seen within [topics.trend].new_nights), rising, falling or steady against prev7_avg ([topics.trend] ratios).';

CREATE OR REPLACE VIEW v_hot_questions AS
WITH latest AS (SELECT max(night) AS night FROM topic_daily),
examples AS (
    SELECT qt.topic_id, q.text,
           row_number() OVER (PARTITION BY qt.topic_id ORDER BY qt.similarity DESC, q.question_id) AS rn
    FROM question_topics qt
    JOIN questions q USING (question_id)
    JOIN latest l ON q.night = l.night
)
SELECT
    row_number() OVER (ORDER BY d.questions DESC, d.topic_id)  AS rank,
    d.night,
    d.topic_id,
    t.label,
    t.representative,
    d.questions,
    d.calls,
    round(d.prev7_avg, 2)                                       AS prev7_avg,
    d.change_pct,
    d.trend,
    d.first_seen,
    (SELECT string_agg(e.text, ' | ' ORDER BY e.rn) FROM examples e
     WHERE e.topic_id = d.topic_id AND e.rn <= 3)               AS examples
FROM topic_daily d
JOIN latest l ON d.night = l.night
JOIN topics t USING (topic_id)
ORDER BY rank;
COMMENT ON VIEW v_hot_questions IS 'The latest night''s topics, most asked first: label, representative question, count, calls, mean of the previous 7 nights, change, trend (new/rising/falling/steady), first seen and up to 3 example questions of that night (closest to the topic first). Topics that fell to 0 tonight are listed last.';

CREATE OR REPLACE VIEW v_hot_questions AS
WITH latest AS (SELECT max(night) AS night FROM topic_daily),
examples AS (
    SELECT qt.topic_id, q.text, q.call_id,
           row_number() OVER (PARTITION BY qt.topic_id ORDER BY qt.similarity DESC, q.question_id) AS rn
    FROM v_question_topics qt
    JOIN questions q USING (question_id)
    JOIN latest l ON q.night = l.night
), ex AS (
    SELECT topic_id, string_agg(text, ' | ' ORDER BY rn) FILTER (WHERE rn <= 3) AS examples,
           list(DISTINCT call_id ORDER BY call_id) AS call_ids
    FROM examples GROUP BY topic_id
)
SELECT
    row_number() OVER (ORDER BY d.questions DESC, d.topic_id)  AS rank,
    d.night,
    d.topic_id,
    n.topic_name,
    n.topic_label,
    n.representative,
    d.questions,
    d.calls                                                     AS topic_calls,
    round(d.prev7_avg, 2)                                       AS prev7_avg,
    round(d.change_pct, 1)                                      AS change_pct,
    d.trend,
    d.first_seen,
    ex.examples,
    coalesce(ex.call_ids, [])                                   AS call_ids
FROM topic_daily d
JOIN latest l ON d.night = l.night
JOIN v_topic_names n USING (topic_id)
LEFT JOIN ex USING (topic_id)
-- 其他 ("other": questions of novel calls no other call joined) is no question anybody repeats
WHERE d.topic_id NOT IN (SELECT topic_id FROM topics WHERE source = 'other')
ORDER BY rank;
COMMENT ON VIEW v_hot_questions IS 'The latest night''s topics, most asked first: topic name and keyword label, representative question, questions and calls that night, mean of the previous 7 nights, change, trend (new/rising/falling/steady), first seen, up to 3 example questions (closest first) and the ids of that night''s calls in the topic. Topics that fell to 0 tonight are listed last; the "other" topic is not listed.';

CREATE OR REPLACE VIEW v_topic_coverage AS
SELECT q.night,
       count(*)                                                         AS questions,
       count(f.question_id)                                             AS follow_ups,
       count(qt.topic_id)                                               AS with_topic,
       count(*) FILTER (WHERE qt.topic_id IS NULL)                      AS unclustered,
       count(*) FILTER (WHERE qt.method IN ('phrase', 'example', 'family')) AS by_taxonomy,
       count(*) FILTER (WHERE qt.method IN ('absorbed', 'discovered', 'novel')) AS by_clustering,
       count(*) FILTER (WHERE qt.method IN ('context', 'call', 'call_weak')) AS by_context,
       round(count(qt.topic_id) / count(*), 3)                          AS coverage,
       (SELECT count(*) FROM call_topics ct WHERE ct.night = q.night)   AS calls,
       (SELECT count(*) FROM call_topics ct JOIN topics t USING (topic_id)
        WHERE ct.night = q.night AND t.source = 'other')                AS calls_other
FROM questions q LEFT JOIN v_question_topics qt USING (question_id)
    LEFT JOIN question_follow_ups f USING (question_id)
GROUP BY q.night
ORDER BY q.night;
COMMENT ON VIEW v_topic_coverage IS 'Per night: questions, follow-ups, how many got a topic and by which route (taxonomy, clustering, context), how many stayed unclustered, and calls with the "other" topic. Nothing is dropped silently.';

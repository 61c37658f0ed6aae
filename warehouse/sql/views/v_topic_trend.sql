CREATE OR REPLACE VIEW v_topic_trend AS
SELECT d.night, d.topic_id, n.topic_name, d.questions, d.calls AS topic_calls, d.trend
FROM topic_daily d JOIN v_topic_names n USING (topic_id)
ORDER BY d.night, d.questions DESC, d.topic_id;
COMMENT ON VIEW v_topic_trend IS 'Questions and calls per topic and night (topic_daily with names): the hot-question trend over the nights.';

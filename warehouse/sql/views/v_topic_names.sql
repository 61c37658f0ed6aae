CREATE OR REPLACE VIEW v_topic_names AS
SELECT t.topic_id,
    t.label            AS topic_name,
    t.label            AS topic_label,
    t.representative,
    t.created_night
FROM topics t;
COMMENT ON VIEW v_topic_names IS 'Every topic with the name people read (topic_name) beside its keyword label: the one place a topic''s name is chosen, so every view shows the same name.';

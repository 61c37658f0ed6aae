-- topic_daily: per topic and night, the questions and calls, the mean of the nights before and the trend.
-- Derived by the topics step after every run (warehouse/derived.py), from questions + v_question_topics,
-- recomputed whole so that a revision of earlier nights' topics reaches their counts. Settings from
-- step_params (step 'topics', [topics.trend] of configs/callintel.toml):
--   trend.window_nights  compare a night with the mean of this many nights before it
--   trend.new_nights     'new' while first seen within this many nights
--   trend.min_count      'rising'/'falling' need at least this many questions
--   trend.rising_ratio / trend.falling_ratio   tonight vs the mean of the window
-- The mean is over the nights *with data* (any call) among the window_nights before, from the topic's first
-- night on, so nights before the warehouse began are not zeros; first_seen is the first night with a member
-- not before the topic was created; a topic that fell to 0 tonight is 'falling' (enough before) or 'quiet'. Rows
-- start at the topic's first member, so a night before first_seen (a night run after later ones, the nights a topic
-- found later pooled) keeps its counts, and is 'new' as the night first seen is.
DELETE FROM topic_daily;
INSERT INTO topic_daily (topic_id, night, questions, calls, prev7_avg, change_pct, first_seen, trend)
WITH p AS (
    SELECT max(CASE WHEN name = 'trend.window_nights' THEN CAST(value AS INTEGER) END) AS window_nights,
           max(CASE WHEN name = 'trend.new_nights' THEN CAST(value AS INTEGER) END) AS new_nights,
           max(CASE WHEN name = 'trend.min_count' THEN CAST(value AS INTEGER) END) AS min_count,
           max(CASE WHEN name = 'trend.rising_ratio' THEN CAST(value AS DOUBLE) END) AS rising,
           max(CASE WHEN name = 'trend.falling_ratio' THEN CAST(value AS DOUBLE) END) AS falling
    FROM step_params WHERE step = 'topics'
),
nights AS (SELECT DISTINCT night FROM calls),
counts AS (
    SELECT qt.topic_id, q.night, count(*) AS n, count(DISTINCT q.call_id) AS c
    FROM v_question_topics qt JOIN questions q USING (question_id) GROUP BY ALL),
firsts AS (
    SELECT c.topic_id, coalesce(min(c.night) FILTER (WHERE c.night >= t.created_night), min(c.night)) AS first_seen,
           min(c.night) AS first_member
    FROM counts c JOIN topics t USING (topic_id) GROUP BY ALL),
-- every night from the topic's first member on: a night run after later ones (a late manifest, a call moved to an
-- earlier night) and the nights before a topic the pool found later keep their counts
grid AS (SELECT f.topic_id, nt.night, f.first_seen FROM firsts f JOIN nights nt ON nt.night >= f.first_member),
prev AS (
    SELECT g.topic_id, g.night, count(*) AS data_nights, sum(coalesce(c.n, 0)) AS n
    FROM grid g CROSS JOIN p
    JOIN nights pn ON pn.night >= g.night - p.window_nights AND pn.night < g.night AND pn.night >= g.first_seen
    LEFT JOIN counts c ON c.topic_id = g.topic_id AND c.night = pn.night
    GROUP BY ALL),
stats AS (
    SELECT g.topic_id, g.night, g.first_seen, coalesce(c0.n, 0) AS questions, coalesce(c0.c, 0) AS calls,
           coalesce(pr.n, 0) AS prev_total, coalesce(pr.n / pr.data_nights, 0.0) AS prev
    FROM grid g
    LEFT JOIN counts c0 ON c0.topic_id = g.topic_id AND c0.night = g.night
    LEFT JOIN prev pr ON pr.topic_id = g.topic_id AND pr.night = g.night)
SELECT topic_id, night, questions, calls, prev,
       CASE WHEN prev > 0 THEN round(100.0 * (questions / prev - 1), 1) END,
       first_seen,
       CASE WHEN night - first_seen < p.new_nights THEN 'new'
            WHEN questions >= p.min_count AND questions >= p.rising * prev THEN 'rising'
            WHEN prev_total >= p.min_count AND questions <= p.falling * prev THEN 'falling'
            WHEN questions = 0 THEN 'quiet'
            ELSE 'steady' END
FROM stats CROSS JOIN p WHERE questions > 0 OR prev > 0;

CREATE OR REPLACE VIEW v_repeat_links AS
-- The repeat chain, from calls (+ call_topics for topics): the SQL the outcomes step materialises
-- into repeat_contacts. Window from step_params outcomes.
WITH base AS (
    SELECT c.call_id, c.caller_hash, c.started_at, c.ended_at, c.agent_id, c.audio_sha256, t.topic_id
    FROM calls c LEFT JOIN call_topics t USING (call_id)
), dup AS (
    SELECT *,
        least(min(call_id) OVER (PARTITION BY caller_hash, audio_sha256),
              min(call_id) OVER (PARTITION BY caller_hash, started_at)) AS first_id
    FROM base
), flagged AS (
    SELECT *,
        CASE WHEN caller_hash IS NOT NULL AND first_id < call_id THEN first_id END AS duplicate_of,
        CASE WHEN caller_hash IS NULL THEN 'withheld'
             WHEN first_id < call_id THEN 'duplicate'
             WHEN ended_at < started_at THEN 'clock_skew'
             ELSE 'ok' END AS flag
    FROM dup
), chain AS (
    SELECT *,
        lag(call_id) OVER w AS p_id, lag(started_at) OVER w AS p_at, lag(topic_id) OVER w AS p_topic,
        lag(agent_id) OVER w AS p_agent,
        lead(call_id) OVER w AS n_id, lead(started_at) OVER w AS n_at, lead(topic_id) OVER w AS n_topic,
        lead(agent_id) OVER w AS n_agent
    FROM flagged
    WHERE caller_hash IS NOT NULL AND duplicate_of IS NULL
    WINDOW w AS (PARTITION BY caller_hash ORDER BY started_at, call_id)
), params AS (
    SELECT CAST(value AS DOUBLE) * 86400 AS window_s, CAST(value AS DOUBLE) AS window_days
    FROM step_params WHERE step = 'outcomes' AND name = 'repeat_window_days'
), gaps AS (
    SELECT f.call_id, f.caller_hash, f.started_at, f.flag, f.duplicate_of, f.topic_id, f.agent_id,
        ch.p_id, ch.p_at, ch.p_topic, ch.p_agent, ch.n_id, ch.n_at, ch.n_topic, ch.n_agent,
        CAST(epoch(f.started_at) - epoch(ch.p_at) AS BIGINT) AS gp,
        CAST(epoch(ch.n_at) - epoch(f.started_at) AS BIGINT) AS gn,
        params.window_s, params.window_days
    FROM flagged f LEFT JOIN chain ch USING (call_id) CROSS JOIN params
)
SELECT call_id, caller_hash, started_at, flag, duplicate_of, topic_id, agent_id,
    CASE WHEN gp BETWEEN 1 AND window_s THEN p_id END AS prev_call_id,
    CASE WHEN gp BETWEEN 1 AND window_s THEN p_at END AS prev_started_at,
    CASE WHEN gp BETWEEN 1 AND window_s THEN gp END AS gap_prev_s,
    CASE WHEN gn BETWEEN 1 AND window_s THEN n_id END AS next_call_id,
    CASE WHEN gn BETWEEN 1 AND window_s THEN n_at END AS next_started_at,
    CASE WHEN gn BETWEEN 1 AND window_s THEN gn END AS gap_next_s,
    CASE WHEN gp BETWEEN 1 AND window_s THEN topic_id = p_topic END AS same_topic_prev,
    CASE WHEN gn BETWEEN 1 AND window_s THEN topic_id = n_topic END AS same_topic_next,
    CASE WHEN gp BETWEEN 1 AND window_s THEN agent_id = p_agent END AS same_agent_prev,
    CASE WHEN gn BETWEEN 1 AND window_s THEN agent_id = n_agent END AS same_agent_next,
    coalesce(gp BETWEEN 1 AND window_s, false) AS is_repeat,
    coalesce(gn BETWEEN 1 AND window_s, false) AS has_repeat,
    window_days
FROM gaps;
COMMENT ON VIEW v_repeat_links IS 'Each call with the same caller''s previous/next call within step_params outcomes.repeat_window_days (computed live from calls); repeat_contacts stores it with the FCR decision.';

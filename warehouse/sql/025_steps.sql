-- One shape for every analytics step (flows/steps.py): the settings a step ran with live in step_params, where
-- the views and the derived SQL files (warehouse/sql/derived/*.sql) read them; topic ids are INTEGER everywhere.

CREATE TABLE IF NOT EXISTS step_params (
    step            VARCHAR NOT NULL,
    name            VARCHAR NOT NULL,
    value           VARCHAR NOT NULL,
    PRIMARY KEY (step, name)
);
COMMENT ON TABLE step_params IS 'The settings each analytics step last ran with (from configs/callintel.toml), as text: what the views and the derived SQL files read, so a query shows the thresholds behind its numbers.';
COMMENT ON COLUMN step_params.step IS 'The step that wrote it: topics, outcomes, ...';
COMMENT ON COLUMN step_params.name IS 'The setting''s key within the step''s section, dotted for subsections (trend.min_count).';
COMMENT ON COLUMN step_params.value IS 'The value as text; readers cast it.';

INSERT INTO step_params SELECT 'outcomes', name, value FROM outcome_params ON CONFLICT DO NOTHING;
DROP TABLE outcome_params;
CREATE VIEW outcome_params AS SELECT name, value FROM step_params WHERE step = 'outcomes';
COMMENT ON VIEW outcome_params IS 'The outcomes step''s settings (repeat_window_days, min_topic_calls, example_calls, FCR rules): step_params of step outcomes.';

-- Topic ids join without casts: INTEGER as in topics.topic_id.
ALTER TABLE call_outcomes ALTER topic_id SET DATA TYPE INTEGER;
ALTER TABLE repeat_contacts ALTER topic_id SET DATA TYPE INTEGER;
COMMENT ON COLUMN call_outcomes.topic_id IS 'Main hot-question topic of the call (topics.topic_id); NULL when unknown.';
COMMENT ON COLUMN repeat_contacts.topic_id IS 'The call''s main topic (topics.topic_id), as in call_outcomes.';

-- Views over the retyped columns are created again, so their column types follow (same SQL as in 020).
CREATE OR REPLACE VIEW v_repeat_links AS
-- The repeat chain, from calls (+ call_outcomes for topics): the SQL the outcomes step materialises
-- into repeat_contacts. Window from outcome_params.
WITH base AS (
    SELECT c.call_id, c.caller_hash, c.started_at, c.ended_at, c.agent_id, c.audio_sha256, o.topic_id
    FROM calls c LEFT JOIN call_outcomes o USING (call_id)
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
    FROM outcome_params WHERE name = 'repeat_window_days'
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
COMMENT ON VIEW v_repeat_links IS 'Each call with the same caller''s previous/next call within outcome_params.repeat_window_days (computed live from calls); repeat_contacts stores it with the FCR decision.';

CREATE OR REPLACE VIEW v_low_resolution_topics AS
-- Topics ranked by how often their calls stay unresolved. Only topics with at least
-- outcome_params.min_topic_calls calls are listed, and the ranking uses the Wilson lower bound
-- of the unresolved share (95%), so a topic with 3 of 3 unresolved does not top 80 of 100.
WITH p AS (
    SELECT max(CASE WHEN name = 'min_topic_calls' THEN CAST(value AS INTEGER) END) AS min_calls,
           max(CASE WHEN name = 'example_calls' THEN CAST(value AS INTEGER) END) AS examples
    FROM outcome_params
), per_topic AS (
    SELECT o.topic_id,
        count(*)                                               AS calls,
        count(*) FILTER (WHERE o.label = 'unresolved')         AS unresolved_calls,
        count(*) FILTER (WHERE o.fcr_override)                 AS fcr_overrides,
        count(*) FILTER (WHERE r.is_repeat OR r.has_repeat)    AS repeat_calls,
        count(*) FILTER (WHERE o.escalated)                    AS escalated_calls,
        round(avg(o.handle_s), 1)                              AS avg_handle_s,
        min(o.night)                                           AS first_night,
        max(o.night)                                           AS last_night
    FROM call_outcomes o LEFT JOIN repeat_contacts r USING (call_id)
    WHERE o.topic_id IS NOT NULL AND coalesce(r.flag, 'ok') <> 'duplicate'
    GROUP BY o.topic_id
), examples AS (
    SELECT topic_id, list({'call_id': call_id, 'score': round(score, 3), 'evidence': evidence_text}
                          ORDER BY score DESC, call_id) AS ex
    FROM call_outcomes WHERE label = 'unresolved' AND topic_id IS NOT NULL
    GROUP BY topic_id
), scored AS (
    SELECT t.*, round(t.unresolved_calls / t.calls, 3) AS unresolved_share,
        round(t.repeat_calls / t.calls, 3) AS repeat_share,
        -- Wilson score lower bound, z = 1.96
        ((t.unresolved_calls / t.calls) + 1.9208 / t.calls
          - 1.96 * sqrt((t.unresolved_calls / t.calls) * (1 - t.unresolved_calls / t.calls) / t.calls
                        + 0.9604 / (t.calls * t.calls))) / (1 + 3.8416 / t.calls) AS wilson_low
    FROM per_topic t
)
SELECT row_number() OVER (ORDER BY s.wilson_low DESC, s.calls DESC, s.topic_id) AS rank,
    s.topic_id, tp.label, tp.representative, s.calls, s.unresolved_calls, s.unresolved_share,
    round(s.wilson_low, 3) AS unresolved_share_low,
    s.repeat_calls, s.repeat_share, s.fcr_overrides, s.escalated_calls, s.avg_handle_s,
    s.first_night, s.last_night, coalesce(e.ex[1:p.examples], []) AS example_unresolved_calls
FROM scored s CROSS JOIN p LEFT JOIN examples e USING (topic_id)
LEFT JOIN topics tp USING (topic_id)
WHERE s.calls >= p.min_calls
ORDER BY rank;
COMMENT ON VIEW v_low_resolution_topics IS 'Hot-question topics ranked by unresolved share (Wilson lower bound), with repeat-call share, FCR overrides, escalations, average handle time and example unresolved calls; topics with fewer than outcome_params.min_topic_calls calls are left out. label and representative come from topics (hot questions); join topic_daily on topic_id for trends.';

-- The views analysts and managers use as they are (exports, report.html, `callintel query`).
--
-- One meaning per column name across every view:
--   resolution      a call's outcome: resolved / unresolved / unknown (call_outcomes.label)
--   topic_id        INTEGER topics.topic_id (call_outcomes.topic_id is cast where it is joined)
--   topic_name      what a person calls the topic; topic_label is the keyword list (topics.label)
--   topic_calls / caller_calls / agent_calls   calls of that topic / caller / agent; plain `calls` is the
--                   calls of the row's night, hour or group
--   *_local         TIMESTAMP in the call centre's time zone (outcome_params.timezone = [night].timezone),
--                   tz-naive: 09:12 is when the customer called; the TIMESTAMPTZ columns beside them are instants
--   call_id(s)      the calls a person will want to open (utterances holds their masked transcript)
-- Topic names: v_topic_names is the one place a topic's name is chosen (today the keyword label; when
-- topics gets a name column, coalesce it there and every view follows).

INSERT INTO step_params VALUES ('outcomes', 'timezone', 'Asia/Shanghai') ON CONFLICT DO NOTHING;

COMMENT ON COLUMN call_outcomes.evidence IS 'JSON list of {cue, phrase, turn, speaker, weight, text}: the rule cues that fired, those pulling the way the score went first; text is the sentence said (masked), weight > 0 pushes towards unresolved.';

CREATE OR REPLACE VIEW v_topic_names AS
SELECT t.topic_id,
    t.label            AS topic_name,
    t.label            AS topic_label,
    t.representative,
    t.created_night
FROM topics t;
COMMENT ON VIEW v_topic_names IS 'Every topic with the name people read (topic_name) beside its keyword label: the one place a topic''s name is chosen, so every view shows the same name.';

CREATE OR REPLACE VIEW v_calls AS
WITH tz AS (SELECT max(value) AS tz FROM outcome_params WHERE name = 'timezone')
SELECT c.call_id,
    c.night,
    timezone(tz.tz, c.started_at)                          AS started_at_local,
    c.started_at,
    CAST(hour(timezone(tz.tz, c.started_at)) AS INTEGER)   AS local_hour,
    round(c.duration_s, 1)                                 AS duration_s,
    c.agent_id,
    left(c.caller_hash, 8)                                 AS caller,
    c.caller_hash,
    TRY_CAST(o.topic_id AS INTEGER)                        AS topic_id,
    n.topic_name,
    o.label                                                AS resolution,
    round(o.score, 3)                                      AS unresolved_score,
    o.fcr_override,
    o.escalated,
    o.unanswered,
    r.is_repeat,
    r.has_repeat,
    r.prev_call_id,
    r.next_call_id,
    c.n_utterances
FROM calls c
CROSS JOIN tz
LEFT JOIN call_outcomes o USING (call_id)
LEFT JOIN repeat_contacts r USING (call_id)
LEFT JOIN v_topic_names n ON n.topic_id = TRY_CAST(o.topic_id AS INTEGER);
COMMENT ON VIEW v_calls IS 'One row per call with everything a person filters on: local start time and hour, agent, short caller hash, topic id and name, resolution, escalation, repeat links (previous/next call ids). Open a call''s transcript with SELECT speaker, start_s, text FROM utterances WHERE call_id = ... ORDER BY seq.';

CREATE OR REPLACE VIEW v_unresolved_calls AS
-- The evidence shown is the sentences that push towards unresolved (cue weight > 0), in call order,
-- each once; rows written before evidence carried weights fall back on the cue names. Built from
-- call_outcomes alone (not v_calls): only unresolved rows are joined, which halves its time at 100,000 calls.
WITH tz AS (SELECT max(value) AS tz FROM outcome_params WHERE name = 'timezone'),
ev AS (
    SELECT o.call_id, o.night, o.started_at, o.agent_id, o.caller_hash, o.topic_id, o.score, o.fcr_override,
        o.escalated, o.unanswered,
        from_json(o.evidence, '[{"cue":"VARCHAR","phrase":"VARCHAR","speaker":"VARCHAR","weight":"DOUBLE","text":"VARCHAR"}]') AS items
    FROM call_outcomes o WHERE o.label = 'unresolved'
), reasons AS (
    SELECT ev.* EXCLUDE (items),
        list_transform(
            list_filter(items, lambda e: coalesce(e.weight > 0, e.cue NOT IN
                ('agent_solution', 'agent_thanks_praise', 'customer_praise_open', 'customer_positive_close'))),
            lambda e: e.speaker || ': ' || coalesce(e.text, e.phrase)) AS said,
        list_transform(list_filter(items, lambda e: coalesce(e.weight > 0, true)), lambda e: e.cue) AS cues
    FROM ev
)
SELECT r.call_id, r.night, timezone(tz.tz, r.started_at) AS started_at_local, r.agent_id,
    left(r.caller_hash, 8) AS caller, TRY_CAST(r.topic_id AS INTEGER) AS topic_id, n.topic_name,
    round(r.score, 3) AS unresolved_score, r.fcr_override, r.escalated, r.unanswered,
    -- a call the dialogue alone calls resolved is unresolved when the caller came back about it (FCR override)
    coalesce(nullif(array_to_string(list_filter(r.said, lambda x, i: list_position(r.said, x) = i), ' | '), ''),
             CASE WHEN r.fcr_override THEN 'repeat: called again about the same topic (' ||
                  coalesce(rc.next_call_id, '?') || ')' END)                             AS evidence,
    array_to_string(list_distinct(r.cues || CASE WHEN r.fcr_override THEN ['fcr_override'] ELSE [] END),
                    ', ')                                                                AS evidence_cues,
    rc.next_call_id
FROM reasons r CROSS JOIN tz
LEFT JOIN repeat_contacts rc USING (call_id)
LEFT JOIN v_topic_names n ON n.topic_id = TRY_CAST(r.topic_id AS INTEGER)
ORDER BY r.night DESC, unresolved_score DESC, r.call_id;
COMMENT ON VIEW v_unresolved_calls IS 'Calls left unresolved, latest night first then most certain: the sentences that make them unresolved (speaker: what was said, masked), the cues behind them, the FCR override, and the caller''s next call when they came back.';

CREATE OR REPLACE VIEW v_night_summary AS
SELECT c.night,
    count(*)                                                        AS calls,
    count(DISTINCT c.caller_hash)                                   AS callers,
    count(DISTINCT c.agent_id)                                      AS agents,
    round(sum(c.duration_s) / 60, 1)                                AS audio_minutes,
    round(avg(c.duration_s), 1)                                     AS avg_call_seconds,
    sum(c.n_utterances)                                             AS utterances,
    count(*) FILTER (WHERE json_array_length(c.warnings) > 0)       AS calls_with_warnings,
    count(*) FILTER (WHERE o.label = 'unresolved')                  AS unresolved_calls,
    count(*) FILTER (WHERE o.escalated)                             AS escalated_calls,
    count(*) FILTER (WHERE r.is_repeat)                             AS repeat_calls,
    round(count(*) FILTER (WHERE r.is_repeat) / count(*), 3)        AS repeat_call_share
FROM calls c
LEFT JOIN call_outcomes o USING (call_id)
LEFT JOIN repeat_contacts r USING (call_id)
GROUP BY c.night
ORDER BY c.night;
COMMENT ON VIEW v_night_summary IS 'Per night: calls, distinct callers and agents, audio minutes, utterances, calls with speech warnings, unresolved and escalated calls, and repeat calls (the caller had called within the window) with their share.';

CREATE OR REPLACE VIEW v_calls_by_hour AS
SELECT night, local_hour, count(*) AS calls,
    count(*) FILTER (WHERE resolution = 'unresolved') AS unresolved_calls
FROM v_calls
GROUP BY night, local_hour
ORDER BY night, local_hour;
COMMENT ON VIEW v_calls_by_hour IS 'Calls per night and local hour of day (the hour the call started in [night].timezone), with the unresolved ones.';

CREATE OR REPLACE VIEW v_hot_questions AS
WITH latest AS (SELECT max(night) AS night FROM topic_daily),
examples AS (
    SELECT qt.topic_id, q.text, q.call_id,
           row_number() OVER (PARTITION BY qt.topic_id ORDER BY qt.similarity DESC, q.question_id) AS rn
    FROM question_topics qt
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
ORDER BY rank;
COMMENT ON VIEW v_hot_questions IS 'The latest night''s topics, most asked first: topic name and keyword label, representative question, questions and calls that night, mean of the previous 7 nights, change, trend (new/rising/falling/steady), first seen, up to 3 example questions (closest first) and the ids of that night''s calls in the topic. Topics that fell to 0 tonight are listed last.';

CREATE OR REPLACE VIEW v_topic_trend AS
SELECT d.night, d.topic_id, n.topic_name, d.questions, d.calls AS topic_calls, d.trend
FROM topic_daily d JOIN v_topic_names n USING (topic_id)
ORDER BY d.night, d.questions DESC, d.topic_id;
COMMENT ON VIEW v_topic_trend IS 'Questions and calls per topic and night (topic_daily with names): the hot-question trend over the nights.';

CREATE OR REPLACE VIEW v_resolution_by_topic AS
SELECT v.topic_id, any_value(v.topic_name) AS topic_name,
    count(*)                                                     AS topic_calls,
    count(*) FILTER (WHERE v.resolution = 'resolved')            AS resolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unresolved')          AS unresolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unknown')             AS unknown_calls,
    round(count(*) FILTER (WHERE v.resolution = 'unresolved') / count(*), 3) AS unresolved_share,
    list(v.call_id ORDER BY v.started_at DESC, v.call_id)        AS call_ids
FROM v_calls v
WHERE v.topic_id IS NOT NULL
GROUP BY v.topic_id
ORDER BY topic_calls DESC, v.topic_id;
COMMENT ON VIEW v_resolution_by_topic IS 'Every topic with calls, without a minimum support: calls resolved, unresolved and unknown, the unresolved share, and the call ids latest first (v_low_resolution_topics ranks the well-supported ones).';

CREATE OR REPLACE VIEW v_resolution_by_agent AS
SELECT v.agent_id,
    count(*)                                                     AS agent_calls,
    count(*) FILTER (WHERE v.resolution = 'resolved')            AS resolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unresolved')          AS unresolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unknown')             AS unknown_calls,
    round(count(*) FILTER (WHERE v.resolution = 'unresolved') / count(*), 3) AS unresolved_share,
    count(*) FILTER (WHERE v.escalated)                          AS escalated_calls,
    count(*) FILTER (WHERE v.has_repeat)                         AS callers_came_back
FROM v_calls v
GROUP BY v.agent_id
ORDER BY agent_calls DESC, v.agent_id;
COMMENT ON VIEW v_resolution_by_agent IS 'Per agent: calls taken, resolved/unresolved/unknown, unresolved share, escalations, and calls after which the caller came back within the window.';

CREATE OR REPLACE VIEW v_repeat_callers AS
-- Callers with at least one repeat (a call within the window of another), most calls first.
-- Ordered aggregates (mode/list ... ORDER BY) sort per group and took 3 s at 100,000 calls: lists are sorted
-- after aggregating (list_sort), and the modes are arg_max over counts, ties to the smaller value as before.
WITH per_call AS (
    SELECT r.call_id, r.caller_hash, r.started_at, r.is_repeat, r.gap_prev_s, r.same_topic_prev, r.same_agent_prev,
        r.agent_id, o.local_hour, o.handle_s, o.label, o.escalated, TRY_CAST(r.topic_id AS INTEGER) AS topic,
        n.topic_name
    FROM repeat_contacts r LEFT JOIN call_outcomes o USING (call_id)
    LEFT JOIN v_topic_names n ON n.topic_id = TRY_CAST(r.topic_id AS INTEGER)
    WHERE r.flag <> 'duplicate' AND r.caller_hash IS NOT NULL
), callers AS (
    SELECT caller_hash FROM per_call GROUP BY caller_hash HAVING bool_or(is_repeat)
), p AS (
    SELECT per_call.* FROM per_call JOIN callers USING (caller_hash)
), by_topic AS (     -- per caller: topics by id and name, and the main one (most calls; ties: smallest id)
    SELECT caller_hash, count(*) AS topics,
        arg_max(topic, n * 1000000000 - topic)                   AS main_topic_id,
        list_sort(list(topic))                                   AS topic_ids,
        array_to_string(list_transform(list_sort(list({'id': topic, 'name': topic_name})), lambda x: x.name),
                        ' | ')                                   AS topic_names  -- in topic_ids' order
    FROM (SELECT caller_hash, topic, any_value(topic_name) AS topic_name, count(*) AS n
          FROM p WHERE topic IS NOT NULL GROUP BY caller_hash, topic)
    GROUP BY caller_hash
), usual AS (        -- the local hour most of the caller's calls started in; ties: the earliest
    SELECT caller_hash, arg_max(local_hour, n * 100 - local_hour) AS usual_hour
    FROM (SELECT caller_hash, local_hour, count(*) AS n FROM p WHERE local_hour IS NOT NULL GROUP BY ALL)
    GROUP BY caller_hash
), agg AS (
    SELECT
        p.caller_hash,
        count(*)                                              AS caller_calls,
        count(*) FILTER (WHERE p.is_repeat)                   AS repeat_calls,
        min(p.started_at)                                     AS first_call_at,
        max(p.started_at)                                     AS last_call_at,
        round(avg(p.gap_prev_s) / 3600, 2)                    AS avg_gap_hours,
        round(min(p.gap_prev_s) / 3600, 2)                    AS min_gap_hours,
        count(*) FILTER (WHERE p.same_topic_prev)             AS same_topic_repeats,
        count(DISTINCT p.agent_id)                            AS agents,
        count(*) FILTER (WHERE p.same_agent_prev)             AS same_agent_repeats,
        count(*) FILTER (WHERE p.local_hour < 9 OR p.local_hour >= 18) AS calls_out_of_hours,
        count(*) FILTER (WHERE p.escalated)                   AS escalated_calls,
        count(*) FILTER (WHERE p.label = 'unresolved')        AS unresolved_calls,
        round(avg(p.handle_s), 1)                             AS avg_handle_s,
        list_transform(list_sort(list({'at': p.started_at, 'id': p.call_id})), lambda x: x.id) AS call_ids
    FROM p
    GROUP BY p.caller_hash
), tz AS (SELECT max(value) AS tz FROM outcome_params WHERE name = 'timezone')
SELECT left(a.caller_hash, 8) AS caller, a.caller_hash, a.caller_calls, a.repeat_calls,
    timezone(tz.tz, a.first_call_at) AS first_call_at_local, timezone(tz.tz, a.last_call_at) AS last_call_at_local,
    a.avg_gap_hours, a.min_gap_hours, coalesce(m.topics, 0) AS topics, m.main_topic_id,
    mt.topic_name AS main_topic_name, coalesce(m.topic_ids, []) AS topic_ids, m.topic_names, a.same_topic_repeats,
    a.agents, a.same_agent_repeats, u.usual_hour, a.calls_out_of_hours,
    a.escalated_calls, a.unresolved_calls, a.avg_handle_s, a.call_ids
FROM agg a CROSS JOIN tz
LEFT JOIN by_topic m USING (caller_hash)
LEFT JOIN usual u USING (caller_hash)
LEFT JOIN v_topic_names mt ON mt.topic_id = m.main_topic_id
ORDER BY a.caller_calls DESC, a.repeat_calls DESC, a.caller_hash;
COMMENT ON VIEW v_repeat_callers IS 'Callers who called again within the window, most calls first: short and full caller hash, their calls (ids in time order), first and last call in local time, gaps, main topic and all topics by id and name, agents, usual local hour, escalations and unresolved calls. Withheld numbers and duplicates are left out.';

CREATE OR REPLACE VIEW v_low_resolution_topics AS
-- Topics ranked by how often their calls stay unresolved. Only topics with at least
-- outcome_params.min_topic_calls calls are listed, and the ranking uses the Wilson lower bound
-- of the unresolved share (95%), so a topic with 3 of 3 unresolved does not top 80 of 100.
WITH p AS (
    SELECT max(CASE WHEN name = 'min_topic_calls' THEN CAST(value AS INTEGER) END) AS min_calls,
           max(CASE WHEN name = 'example_calls' THEN CAST(value AS INTEGER) END) AS examples
    FROM outcome_params
), per_topic AS (
    SELECT TRY_CAST(o.topic_id AS INTEGER)                     AS topic_id,
        count(*)                                               AS topic_calls,
        count(*) FILTER (WHERE o.label = 'unresolved')         AS unresolved_calls,
        count(*) FILTER (WHERE o.fcr_override)                 AS fcr_overrides,
        count(*) FILTER (WHERE r.is_repeat OR r.has_repeat)    AS repeat_calls,
        count(*) FILTER (WHERE o.escalated)                    AS escalated_calls,
        round(avg(o.handle_s), 1)                              AS avg_handle_s,
        min(o.night)                                           AS first_night,
        max(o.night)                                           AS last_night
    FROM call_outcomes o LEFT JOIN repeat_contacts r USING (call_id)
    WHERE o.topic_id IS NOT NULL AND coalesce(r.flag, 'ok') <> 'duplicate'
    GROUP BY 1
), examples AS (
    SELECT TRY_CAST(topic_id AS INTEGER) AS topic_id,
        list(call_id ORDER BY score DESC, call_id) AS ids
    FROM call_outcomes WHERE label = 'unresolved' AND topic_id IS NOT NULL
    GROUP BY 1
), scored AS (
    SELECT t.*, round(t.unresolved_calls / t.topic_calls, 3) AS unresolved_share,
        round(t.repeat_calls / t.topic_calls, 3) AS repeat_share,
        -- Wilson score lower bound, z = 1.96
        ((t.unresolved_calls / t.topic_calls) + 1.9208 / t.topic_calls
          - 1.96 * sqrt((t.unresolved_calls / t.topic_calls) * (1 - t.unresolved_calls / t.topic_calls) / t.topic_calls
                        + 0.9604 / (t.topic_calls * t.topic_calls))) / (1 + 3.8416 / t.topic_calls) AS wilson_low
    FROM per_topic t
)
SELECT row_number() OVER (ORDER BY s.wilson_low DESC, s.topic_calls DESC, s.topic_id) AS rank,
    s.topic_id, n.topic_name, n.topic_label, n.representative, s.topic_calls, s.unresolved_calls, s.unresolved_share,
    round(s.wilson_low, 3) AS unresolved_share_low,
    s.repeat_calls, s.repeat_share, s.fcr_overrides, s.escalated_calls, s.avg_handle_s,
    s.first_night, s.last_night, coalesce(e.ids[1:p.examples], []) AS example_call_ids
FROM scored s CROSS JOIN p LEFT JOIN examples e USING (topic_id)
LEFT JOIN v_topic_names n USING (topic_id)
WHERE s.topic_calls >= p.min_calls
ORDER BY rank;
COMMENT ON VIEW v_low_resolution_topics IS 'Hot-question topics ranked by unresolved share (Wilson lower bound), with repeat-call share, FCR overrides, escalations, average handle time and the ids of the most certain unresolved calls (their evidence: v_unresolved_calls); topics with fewer than outcome_params.min_topic_calls calls are left out. Join v_topic_trend or topic_daily on topic_id (INTEGER) for trends.';

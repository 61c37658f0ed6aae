-- Call outcomes: resolution per call, repeat contacts, and the cross-call views built on them.
-- Written by flows/outcomes_step.py (warehouse/outcomes.py), keyed by call_id: a rerun replaces rows.
--
-- Defined behaviour for awkward input (tests/test_repeat_contacts.py checks each):
-- * Withheld number (calls.caller_hash IS NULL): the call is never a repeat and never has one;
--   repeat_contacts.flag = 'withheld'. It still gets a resolution score from its own dialogue.
-- * The same call twice (two call_ids, same caller, and the same recording sha256 or the same start
--   instant): the smallest call_id is the call, the others get flag 'duplicate' and duplicate_of; a
--   duplicate is left out of every repeat chain, so a call is never its own repeat. (A call_id listed
--   twice in one manifest never gets this far: the manifest keeps the first row, see callintel/manifest.py.)
-- * Clock skew (ended_at before started_at): handle_s is NULL and flag = 'clock_skew'; the call keeps
--   its place in repeat chains, which are ordered by started_at (then call_id) only.
-- * Calls spanning midnight: a call belongs to the night it started (calls.night); gaps are measured
--   start to start on the absolute time line, so midnight and night boundaries change nothing, and the
--   time-of-day bucket is the local hour the call started.
-- Gap = this call's started_at minus the previous call's started_at, in whole seconds (exact);
-- a repeat is a gap of at least 1 second and at most repeat_window_days * 86400 seconds.
-- Topics: call_outcomes.topic_id is the call's main hot-question topic (the topic most of its
-- questions were assigned to in questions/question_topics, ties to the smaller topic id), copied as
-- text when the outcomes step runs; NULL when topics were not computed or the call had no question.

CREATE TABLE IF NOT EXISTS outcome_params (
    name            VARCHAR PRIMARY KEY,
    value           VARCHAR NOT NULL
);
COMMENT ON TABLE outcome_params IS 'The [outcomes] settings the last outcomes step ran with (window, minimum support, examples, timezone); the views read them here.';
INSERT INTO outcome_params VALUES ('repeat_window_days', '7'), ('min_topic_calls', '20'), ('example_calls', '3')
    ON CONFLICT DO NOTHING;

CREATE TABLE IF NOT EXISTS call_outcomes (
    call_id         VARCHAR PRIMARY KEY,
    night           DATE NOT NULL,
    caller_hash     VARCHAR,
    agent_id        VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    local_hour      INTEGER NOT NULL,
    handle_s        DOUBLE,
    topic_id        VARCHAR,
    n_turns         INTEGER NOT NULL,
    score           DOUBLE NOT NULL,
    rule_score      DOUBLE NOT NULL,
    method          VARCHAR NOT NULL,
    dialogue_label  VARCHAR NOT NULL,
    label           VARCHAR NOT NULL,
    fcr_override    BOOLEAN NOT NULL DEFAULT false,
    escalated       BOOLEAN NOT NULL,
    unanswered      BOOLEAN NOT NULL,
    evidence        JSON NOT NULL,
    evidence_text   VARCHAR NOT NULL,
    versions        VARCHAR NOT NULL,
    scored_at       TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE call_outcomes IS 'One row per scored call: was the issue resolved in this contact, how sure, and the phrases that say so. label includes the first-contact-resolution override.';
COMMENT ON COLUMN call_outcomes.local_hour IS 'Hour (0-23) the call started, in [night].timezone.';
COMMENT ON COLUMN call_outcomes.handle_s IS 'ended_at - started_at in seconds; NULL when the clock is skewed (ends before it starts).';
COMMENT ON COLUMN call_outcomes.topic_id IS 'Main hot-question topic of the call (from question_topics, as text); NULL when unknown.';
COMMENT ON COLUMN call_outcomes.n_turns IS 'Speaker turns (consecutive utterances of one speaker joined).';
COMMENT ON COLUMN call_outcomes.score IS 'Probability-like 0..1, higher = more likely unresolved (the model when configured, else the rules).';
COMMENT ON COLUMN call_outcomes.rule_score IS 'The rules-only score (configs/resolution_lexicon.toml), kept for comparison.';
COMMENT ON COLUMN call_outcomes.method IS 'model or rules: what produced score.';
COMMENT ON COLUMN call_outcomes.dialogue_label IS 'resolved / unresolved / unknown from the dialogue alone ([labels] thresholds; too-short calls are unknown).';
COMMENT ON COLUMN call_outcomes.label IS 'Final label: dialogue_label, or unresolved when fcr_override (FCR: the caller came back about it).';
COMMENT ON COLUMN call_outcomes.fcr_override IS 'true when the same caller called again within the window on the same topic ([outcomes] FCR settings).';
COMMENT ON COLUMN call_outcomes.escalated IS 'An escalation phrase was said (transfer, ticket, complaint, regulator): [escalation] in the lexicon.';
COMMENT ON COLUMN call_outcomes.unanswered IS 'The call ended on a customer question no agent turn answered.';
COMMENT ON COLUMN call_outcomes.evidence IS 'JSON list of {cue, phrase, turn, speaker}: the rule cues that fired, strongest first.';
COMMENT ON COLUMN call_outcomes.evidence_text IS 'The evidence as cue:phrase@turn, for reading in a query result.';
COMMENT ON COLUMN call_outcomes.versions IS 'Lexicon and model hashes the score came from.';

CREATE TABLE IF NOT EXISTS repeat_contacts (
    call_id         VARCHAR PRIMARY KEY,
    caller_hash     VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    agent_id        VARCHAR,
    topic_id        VARCHAR,
    flag            VARCHAR NOT NULL,
    duplicate_of    VARCHAR,
    prev_call_id    VARCHAR,
    prev_started_at TIMESTAMPTZ,
    gap_prev_s      BIGINT,
    next_call_id    VARCHAR,
    next_started_at TIMESTAMPTZ,
    gap_next_s      BIGINT,
    same_topic_prev BOOLEAN,
    same_topic_next BOOLEAN,
    same_agent_prev BOOLEAN,
    same_agent_next BOOLEAN,
    is_repeat       BOOLEAN NOT NULL,
    has_repeat      BOOLEAN NOT NULL,
    fcr_override    BOOLEAN NOT NULL,
    window_days     DOUBLE NOT NULL
);
COMMENT ON TABLE repeat_contacts IS 'One row per call: the same caller''s previous and next call within the window, the gaps, and whether topic and agent are the same. Recomputed for every caller seen in the nights processed.';
COMMENT ON COLUMN repeat_contacts.topic_id IS 'The call''s main topic when the step ran (as in call_outcomes.topic_id).';
COMMENT ON COLUMN repeat_contacts.flag IS 'ok, withheld (no caller number: never a repeat), duplicate (same call loaded twice) or clock_skew (ends before it starts).';
COMMENT ON COLUMN repeat_contacts.duplicate_of IS 'For a duplicate: the call_id kept as the call.';
COMMENT ON COLUMN repeat_contacts.prev_call_id IS 'The caller''s previous call when it started at most window_days before this one; else NULL.';
COMMENT ON COLUMN repeat_contacts.gap_prev_s IS 'Seconds from the previous call''s start to this call''s start (exact).';
COMMENT ON COLUMN repeat_contacts.gap_next_s IS 'Seconds from this call''s start to the next call''s start (exact).';
COMMENT ON COLUMN repeat_contacts.same_topic_prev IS 'Both calls have the same main topic; NULL when either topic is unknown.';
COMMENT ON COLUMN repeat_contacts.same_agent_prev IS 'Both calls were taken by the same agent; NULL when either agent is unknown.';
COMMENT ON COLUMN repeat_contacts.is_repeat IS 'This call has a previous call within the window.';
COMMENT ON COLUMN repeat_contacts.has_repeat IS 'The caller called again within the window after this call.';
COMMENT ON COLUMN repeat_contacts.fcr_override IS 'The next call within the window counts as coming back about this issue, so this call was not resolved at first contact.';

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

CREATE OR REPLACE VIEW v_repeat_callers AS
-- Callers with at least one repeat (a call within the window of another), most calls first.
WITH per_call AS (
    SELECT r.*, o.local_hour, o.handle_s, o.label, o.escalated, r.topic_id AS topic
    FROM repeat_contacts r LEFT JOIN call_outcomes o USING (call_id)
    WHERE r.flag <> 'duplicate' AND r.caller_hash IS NOT NULL
), callers AS (
    SELECT caller_hash FROM per_call GROUP BY caller_hash HAVING bool_or(is_repeat)
)
SELECT
    p.caller_hash,
    count(*)                                              AS calls,
    count(*) FILTER (WHERE p.is_repeat)                   AS repeat_calls,
    min(p.started_at)                                     AS first_call_at,
    max(p.started_at)                                     AS last_call_at,
    round(avg(p.gap_prev_s) / 3600, 2)                    AS avg_gap_hours,
    round(min(p.gap_prev_s) / 3600, 2)                    AS min_gap_hours,
    count(DISTINCT p.topic)                               AS topics,
    mode(p.topic ORDER BY p.topic)                        AS main_topic,       -- ties: the smallest, so reruns agree
    list(DISTINCT p.topic ORDER BY p.topic) FILTER (WHERE p.topic IS NOT NULL) AS topic_list,
    count(*) FILTER (WHERE p.same_topic_prev)             AS same_topic_repeats,
    count(DISTINCT p.agent_id)                            AS agents,
    count(*) FILTER (WHERE p.same_agent_prev)             AS same_agent_repeats,
    mode(p.local_hour ORDER BY p.local_hour)              AS usual_hour,
    count(*) FILTER (WHERE p.local_hour < 9 OR p.local_hour >= 18) AS calls_out_of_hours,
    count(*) FILTER (WHERE p.escalated)                   AS escalated_calls,
    count(*) FILTER (WHERE p.label = 'unresolved')        AS unresolved_calls,
    round(avg(p.handle_s), 1)                             AS avg_handle_s
FROM per_call p JOIN callers USING (caller_hash)
GROUP BY p.caller_hash
ORDER BY calls DESC, repeat_calls DESC, caller_hash;
COMMENT ON VIEW v_repeat_callers IS 'Callers who called again within the window, most calls first: their topics, agents, usual hour, gaps between calls, escalations and unresolved calls. Withheld numbers and duplicates are left out.';

CREATE OR REPLACE VIEW v_repeat_vs_one_time AS
-- Group features: callers who came back within the window vs callers who did not (and withheld numbers).
WITH per_call AS (
    SELECT r.call_id, r.caller_hash, r.flag, o.local_hour, o.handle_s, o.label, o.escalated, o.unanswered,
        o.n_turns, o.score
    FROM repeat_contacts r LEFT JOIN call_outcomes o USING (call_id)
    WHERE r.flag <> 'duplicate'
), groups AS (
    SELECT caller_hash,
        CASE WHEN caller_hash IS NULL THEN 'withheld'
             WHEN bool_or(r.is_repeat) THEN 'repeat caller' ELSE 'one-time caller' END AS caller_group
    FROM repeat_contacts r WHERE r.flag <> 'duplicate' GROUP BY caller_hash
)
SELECT g.caller_group,
    count(DISTINCT p.caller_hash)                                   AS callers,
    count(*)                                                        AS calls,
    round(avg(p.handle_s), 1)                                       AS avg_handle_s,
    round(avg(p.n_turns), 1)                                        AS avg_turns,
    round(avg(p.score), 3)                                          AS avg_unresolved_score,
    round(avg(CASE WHEN p.label = 'unresolved' THEN 1.0 ELSE 0.0 END), 3) AS unresolved_share,
    round(avg(CASE WHEN p.escalated THEN 1.0 ELSE 0.0 END), 3)      AS escalated_share,
    round(avg(CASE WHEN p.unanswered THEN 1.0 ELSE 0.0 END), 3)     AS unanswered_share,
    round(avg(CASE WHEN p.local_hour < 9 OR p.local_hour >= 18 THEN 1.0 ELSE 0.0 END), 3) AS out_of_hours_share
FROM per_call p JOIN groups g ON g.caller_hash IS NOT DISTINCT FROM p.caller_hash
GROUP BY g.caller_group
ORDER BY g.caller_group;
COMMENT ON VIEW v_repeat_vs_one_time IS 'Repeat callers vs one-time callers vs withheld numbers: handle time, turns, unresolved, escalated and unanswered shares, out-of-hours share (before 09:00 or from 18:00).';

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
LEFT JOIN topics tp ON CAST(tp.topic_id AS VARCHAR) = s.topic_id
WHERE s.calls >= p.min_calls
ORDER BY rank;
COMMENT ON VIEW v_low_resolution_topics IS 'Hot-question topics ranked by unresolved share (Wilson lower bound), with repeat-call share, FCR overrides, escalations, average handle time and example unresolved calls; topics with fewer than outcome_params.min_topic_calls calls are left out. label and representative come from topics (hot questions); join topic_daily on topic_id (cast to text) for trends.';

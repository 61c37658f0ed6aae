-- Customer profiles, the script library and purchase-intent leads (issue 10).
-- Written by warehouse/profiles.py, warehouse/replies.py and warehouse/leads.py, keyed by call_id: a rerun of
-- a night replaces its calls' rows. Evidence text is the warehouse's utterance text (PII-masked).

CREATE TABLE IF NOT EXISTS profile_facts (
    call_id         VARCHAR NOT NULL,
    caller_hash     VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    field           VARCHAR NOT NULL,
    value           VARCHAR NOT NULL,
    confidence      DOUBLE NOT NULL,
    turn            INTEGER NOT NULL,
    evidence        VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    extracted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, field, value)
);
COMMENT ON TABLE profile_facts IS 'Customer-profile facts (客户画像), long form: one row per fact a call states about its caller, with the utterance that says it.';
COMMENT ON COLUMN profile_facts.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN profile_facts.caller_hash IS 'The caller (calls.caller_hash); NULL when the number was withheld.';
COMMENT ON COLUMN profile_facts.started_at IS 'When the call started: the newest call wins when facts are merged per caller.';
COMMENT ON COLUMN profile_facts.field IS 'gender, age, city, occupation, marital_status, children, existing_policies, income_band, preferred_contact_time, health_condition, budget_concern or insured_person.';
COMMENT ON COLUMN profile_facts.value IS 'Normalised value: 男/女; age "41" or a band "50-59"; city without 市; 已婚/未婚/离异/丧偶; a child count; one product type per row for existing_policies; income band <5000 / 5000-10000 / 10000-20000 / >20000; 上午/中午/下午/晚上/周末.';
COMMENT ON COLUMN profile_facts.confidence IS 'How sure the pattern is (0..1); facts under [profiles].min_confidence are not stored.';
COMMENT ON COLUMN profile_facts.turn IS 'utterances.seq of the evidence utterance.';
COMMENT ON COLUMN profile_facts.evidence IS 'The evidence utterance''s text (masked).';
COMMENT ON COLUMN profile_facts.source IS 'customer (the caller''s own words) or agent (the agent confirms it to the caller: 好的刘先生, 您名下有一份…).';
COMMENT ON COLUMN profile_facts.extracted_at IS 'When the profiles step wrote the row.';

CREATE OR REPLACE VIEW v_customer_profiles AS
-- One row per caller (a withheld number: one row per call, caller_key 'call:<call_id>'). Per field the newest
-- call's value wins; a different value said in an older call is kept in `conflicts` with its call and sentence.
-- existing_policies and health_condition list every item ever stated.
WITH f AS (
    SELECT coalesce(caller_hash, 'call:' || call_id) AS caller_key, * FROM profile_facts
), newest AS (
    SELECT caller_key, field,
        arg_max(value, started_at::VARCHAR || lpad(turn::VARCHAR, 6, '0')) AS value,
        arg_max(call_id, started_at::VARCHAR || lpad(turn::VARCHAR, 6, '0')) AS call_id,
        string_agg(DISTINCT value, '、' ORDER BY value) AS all_values
    FROM f GROUP BY caller_key, field
), conflicts AS (
    SELECT f.caller_key,
        list({'field': f.field, 'value': f.value, 'call_id': f.call_id, 'evidence': f.evidence}
             ORDER BY f.field, f.started_at DESC, f.value) AS conflicts
    FROM f JOIN newest n USING (caller_key, field)
    WHERE f.value <> n.value AND f.field NOT IN ('existing_policies', 'health_condition')
      AND NOT (f.field = 'age' AND (
            (n.value LIKE '%-%' AND f.value NOT LIKE '%-%'
             AND TRY_CAST(f.value AS INTEGER) BETWEEN TRY_CAST(split_part(n.value, '-', 1) AS INTEGER)
                                          AND TRY_CAST(split_part(n.value, '-', 2) AS INTEGER))
         OR (n.value NOT LIKE '%-%' AND f.value LIKE '%-%'
             AND TRY_CAST(n.value AS INTEGER) BETWEEN TRY_CAST(split_part(f.value, '-', 1) AS INTEGER)
                                          AND TRY_CAST(split_part(f.value, '-', 2) AS INTEGER))
         OR (n.value NOT LIKE '%-%' AND f.value NOT LIKE '%-%'
             AND abs(TRY_CAST(n.value AS INTEGER) - TRY_CAST(f.value AS INTEGER)) <= 1)))
      AND NOT (f.field IN ('occupation', 'city') AND (contains(n.value, f.value) OR contains(f.value, n.value)))
    GROUP BY f.caller_key
), calls_of AS (
    SELECT caller_key, count(DISTINCT call_id) AS calls_with_facts, max(started_at) AS last_fact_at,
        arg_max(call_id, started_at) AS last_call_id
    FROM f GROUP BY caller_key
)
SELECT n.caller_key,
    max(CASE WHEN n.caller_key LIKE 'call:%' THEN NULL ELSE n.caller_key END) AS caller_hash,
    max(CASE WHEN n.field = 'gender' THEN n.value END)                  AS gender,
    max(CASE WHEN n.field = 'age' THEN n.value END)                     AS age,
    max(CASE WHEN n.field = 'city' THEN n.value END)                    AS city,
    max(CASE WHEN n.field = 'occupation' THEN n.value END)              AS occupation,
    max(CASE WHEN n.field = 'marital_status' THEN n.value END)          AS marital_status,
    max(CASE WHEN n.field = 'children' THEN n.value END)                AS children,
    max(CASE WHEN n.field = 'existing_policies' THEN n.all_values END)  AS existing_policies,
    max(CASE WHEN n.field = 'income_band' THEN n.value END)             AS income_band,
    max(CASE WHEN n.field = 'preferred_contact_time' THEN n.value END)  AS preferred_contact_time,
    max(CASE WHEN n.field = 'health_condition' THEN n.all_values END)   AS health_conditions,
    max(CASE WHEN n.field = 'budget_concern' THEN n.value END)          AS budget_concern,
    max(CASE WHEN n.field = 'insured_person' THEN n.value END)          AS insured_person,
    max(c.calls_with_facts)                                             AS calls_with_facts,
    max(c.last_call_id)                                                 AS last_call_id,
    max(c.last_fact_at)                                                 AS last_call_at,
    coalesce(max(k.conflicts), [])                                      AS conflicts
FROM newest n JOIN calls_of c USING (caller_key) LEFT JOIN conflicts k USING (caller_key)
GROUP BY n.caller_key
ORDER BY last_call_at DESC, n.caller_key;
COMMENT ON VIEW v_customer_profiles IS 'Customer profiles, one row per caller (withheld numbers: per call): the newest stated value of each field, every existing policy and health condition, and conflicts (older calls that said otherwise, with call_id and sentence).';

CREATE TABLE IF NOT EXISTS reply_candidates (
    call_id         VARCHAR NOT NULL,
    caller_hash     VARCHAR,
    agent_id        VARCHAR,
    started_at      TIMESTAMPTZ NOT NULL,
    topic_id        INTEGER,
    question_turn   INTEGER NOT NULL,
    question        VARCHAR NOT NULL,
    objection       VARCHAR,
    reply_turn      INTEGER NOT NULL,
    reply           VARCHAR NOT NULL,
    reply_score     DOUBLE NOT NULL,
    reasons         VARCHAR NOT NULL,
    followed        VARCHAR NOT NULL,
    next_text       VARCHAR,
    is_best         BOOLEAN NOT NULL,
    call_label      VARCHAR,
    repeat_followed BOOLEAN,
    score           DOUBLE NOT NULL,
    script_group    VARCHAR NOT NULL,
    similar_replies INTEGER NOT NULL,
    library_rank    INTEGER,
    scored_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (call_id, question_turn)
);
COMMENT ON TABLE reply_candidates IS 'Script-library candidates (优秀话术): every customer question or objection of a call, the agent''s reply, what followed, and the reply''s score.';
COMMENT ON COLUMN reply_candidates.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN reply_candidates.caller_hash IS 'The caller (calls.caller_hash).';
COMMENT ON COLUMN reply_candidates.agent_id IS 'The agent who gave the reply (calls.agent_id).';
COMMENT ON COLUMN reply_candidates.started_at IS 'When the call started.';
COMMENT ON COLUMN reply_candidates.topic_id IS 'The call''s main topic (call_outcomes.topic_id when the step ran); NULL when unknown.';
COMMENT ON COLUMN reply_candidates.question_turn IS 'utterances.seq of the customer''s question or objection.';
COMMENT ON COLUMN reply_candidates.question IS 'The customer''s question or objection (masked).';
COMMENT ON COLUMN reply_candidates.objection IS 'Objection type (价格太贵, 网上更便宜, 再考虑一下, 等太久了, 手续麻烦, 质疑不信任: configs/reply_cues.toml); NULL for a plain question.';
COMMENT ON COLUMN reply_candidates.reply_turn IS 'utterances.seq of the agent''s reply.';
COMMENT ON COLUMN reply_candidates.reply IS 'The agent''s reply (masked).';
COMMENT ON COLUMN reply_candidates.reply_score IS 'Reply quality from the reply alone and the caller''s next turn ([call_reply] weights).';
COMMENT ON COLUMN reply_candidates.reasons IS 'The cues that moved reply_score, comma-separated.';
COMMENT ON COLUMN reply_candidates.followed IS 'The caller''s next turn: accepted, rejected or none.';
COMMENT ON COLUMN reply_candidates.next_text IS 'The caller''s next turn (masked).';
COMMENT ON COLUMN reply_candidates.is_best IS 'This is the call''s best reply (the pick scored by eval calls best_reply_top1).';
COMMENT ON COLUMN reply_candidates.call_label IS 'The call''s resolution label (call_outcomes.label) when the outcomes step ran.';
COMMENT ON COLUMN reply_candidates.repeat_followed IS 'The caller called again within the window (repeat_contacts.has_repeat); NULL when unknown.';
COMMENT ON COLUMN reply_candidates.score IS 'Library score: reply_score plus the call''s outcome (resolved +, a repeat call -).';
COMMENT ON COLUMN reply_candidates.script_group IS 'Near-identical replies (character-bigram Jaccard >= [replies].merge_similarity) share a group: the call_id:reply_turn of its best reply.';
COMMENT ON COLUMN reply_candidates.similar_replies IS 'How many replies the group holds (1 = no near-duplicate).';
COMMENT ON COLUMN reply_candidates.library_rank IS 'Rank of a group''s best reply within its topic and objection type, for the best [replies].per_group; NULL otherwise.';
COMMENT ON COLUMN reply_candidates.scored_at IS 'When the replies step wrote the row.';

CREATE OR REPLACE VIEW v_script_library AS
-- The best few replies per topic and objection type, near-duplicates merged, with their evidence and agent.
SELECT coalesce(t.label, CAST(r.topic_id AS VARCHAR), '(no topic)') AS topic,
    r.topic_id,
    coalesce(r.objection, '一般问题')                    AS objection,
    r.library_rank                                       AS rank,
    round(r.score, 3)                                    AS score,
    r.question, r.reply, r.followed, r.next_text,
    r.call_label, r.repeat_followed, r.reasons, r.similar_replies,
    r.agent_id, r.call_id, r.question_turn, r.reply_turn, r.started_at
FROM reply_candidates r
LEFT JOIN topics t ON t.topic_id = r.topic_id
WHERE r.library_rank IS NOT NULL
ORDER BY topic, objection, rank;
COMMENT ON VIEW v_script_library IS 'Script library (优秀话术) for QA leads: per topic and objection type the best-scored agent replies (near-identical replies merged, similar_replies counts them), with the question, what followed, the score and its reasons, the agent and the call.';

CREATE TABLE IF NOT EXISTS call_intent (
    call_id         VARCHAR PRIMARY KEY,
    caller_hash     VARCHAR,
    night           DATE NOT NULL,
    started_at      TIMESTAMPTZ NOT NULL,
    score           DOUBLE NOT NULL,
    band            VARCHAR NOT NULL,
    product         VARCHAR,
    excluded        BOOLEAN NOT NULL,
    exclude_reason  VARCHAR,
    cues            VARCHAR NOT NULL,
    evidence_turn   INTEGER,
    evidence        VARCHAR,
    scored_at       TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE call_intent IS 'Purchase intent per call (二次营销): score from the caller''s buying cues and objections (configs/intent_cues.toml), band, product of interest, evidence sentence.';
COMMENT ON COLUMN call_intent.call_id IS 'The call (calls.call_id).';
COMMENT ON COLUMN call_intent.caller_hash IS 'The caller (calls.caller_hash); NULL when withheld (never a lead).';
COMMENT ON COLUMN call_intent.night IS 'The call''s night.';
COMMENT ON COLUMN call_intent.started_at IS 'When the call started.';
COMMENT ON COLUMN call_intent.score IS '0..1, sigmoid of the cue weights that fired.';
COMMENT ON COLUMN call_intent.band IS 'high / medium / low ([score] high_at, medium_at in configs/intent_cues.toml).';
COMMENT ON COLUMN call_intent.product IS 'Product type of interest (重疾险, 医疗险, …); NULL without a buying cue.';
COMMENT ON COLUMN call_intent.excluded IS 'The caller complained or asked not to be called in this call: never a lead.';
COMMENT ON COLUMN call_intent.exclude_reason IS 'complaint or do_not_call.';
COMMENT ON COLUMN call_intent.cues IS 'The cues that fired as cue:phrase@turn, strongest first.';
COMMENT ON COLUMN call_intent.evidence_turn IS 'utterances.seq of the strongest buying cue.';
COMMENT ON COLUMN call_intent.evidence IS 'That utterance''s text (masked).';
COMMENT ON COLUMN call_intent.scored_at IS 'When the leads step wrote the row.';

CREATE TABLE IF NOT EXISTS marketing_opt_out (
    caller_hash     VARCHAR PRIMARY KEY,
    source          VARCHAR NOT NULL,
    added_at        TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE marketing_opt_out IS 'Callers who must not be contacted for marketing: loaded from [leads].opt_out (configs/marketing_opt_out.txt) by the leads step; rows may also be inserted by hand.';
COMMENT ON COLUMN marketing_opt_out.caller_hash IS 'calls.caller_hash of the caller.';
COMMENT ON COLUMN marketing_opt_out.source IS 'Where the row came from (the file''s path, or who added it).';
COMMENT ON COLUMN marketing_opt_out.added_at IS 'When it was added.';

CREATE TABLE IF NOT EXISTS lead_params (
    name            VARCHAR PRIMARY KEY,
    value           VARCHAR NOT NULL
);
COMMENT ON TABLE lead_params IS 'The [leads] settings the last leads step ran with (window_days); v_marketing_leads reads them here.';
COMMENT ON COLUMN lead_params.name IS 'Setting name.';
COMMENT ON COLUMN lead_params.value IS 'Its value, as text.';

CREATE OR REPLACE VIEW v_marketing_leads AS
-- Callers worth a sales call back, best first: their strongest call within lead_params.window_days of the newest
-- call, at least medium. Callers who ever complained or asked not to be called, callers in marketing_opt_out
-- and withheld numbers are left out. No phone number: the caller is known by caller_hash and last_call_id.
WITH p AS (
    SELECT CAST(value AS DOUBLE) AS window_days FROM lead_params WHERE name = 'window_days'
), recent AS (
    SELECT i.* FROM call_intent i CROSS JOIN p
    WHERE i.caller_hash IS NOT NULL
      AND i.started_at >= (SELECT max(started_at) FROM call_intent) - to_days(CAST(p.window_days AS INTEGER))
), blocked AS (
    SELECT caller_hash FROM call_intent WHERE excluded AND caller_hash IS NOT NULL
    UNION SELECT caller_hash FROM marketing_opt_out
), best AS (
    SELECT caller_hash,
        arg_max(call_id, score::VARCHAR || started_at::VARCHAR) AS best_call_id,
        max(score) AS score, count(*) AS calls_in_window,
        max(started_at) AS last_call_at, arg_max(call_id, started_at) AS last_call_id
    FROM recent GROUP BY caller_hash
)
SELECT row_number() OVER (ORDER BY b.score DESC, b.last_call_at DESC, b.caller_hash) AS rank,
    b.caller_hash, i.band, round(b.score, 3) AS score, i.product, i.evidence, i.cues,
    concat_ws('；', 'gender:' || pr.gender, 'age:' || pr.age, 'city:' || pr.city, 'occupation:' || pr.occupation,
              'marital:' || pr.marital_status, 'children:' || pr.children, 'policies:' || pr.existing_policies,
              'income:' || pr.income_band, 'health:' || pr.health_conditions, 'insured:' || pr.insured_person)
        AS profile_summary,
    pr.preferred_contact_time, b.calls_in_window, b.last_call_at, b.last_call_id, b.best_call_id
FROM best b
JOIN call_intent i ON i.call_id = b.best_call_id
LEFT JOIN v_customer_profiles pr ON pr.caller_key = b.caller_hash
WHERE i.band IN ('high', 'medium') AND b.caller_hash NOT IN (SELECT caller_hash FROM blocked)
ORDER BY rank;
COMMENT ON VIEW v_marketing_leads IS 'Purchase-intent leads (二次营销), ranked: per caller the strongest call within lead_params.window_days (high or medium), product of interest, evidence sentence, profile summary, preferred contact time, last call and its call_id. Complainers, do-not-call requests, marketing_opt_out and withheld numbers are excluded; no phone number is shown.';

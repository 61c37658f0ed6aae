CREATE OR REPLACE VIEW v_marketing_leads AS
-- Leads, with every sensitive profile field left out of profile_summary, and the
-- evidence sentence and cues withheld when they state a sensitive fact of the caller (我有高血压，能买吗).
WITH p AS (
    SELECT CAST(value AS DOUBLE) AS window_days FROM step_params WHERE step = 'leads' AND name = 'window_days'
), s AS (
    SELECT coalesce((SELECT list_filter(string_split(value, ','), lambda x: x <> '') FROM step_params
                     WHERE step = 'leads' AND name = 'sensitive_fields'), ['health_condition']) AS fields
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
), sensitive_values AS (
    SELECT DISTINCT f.caller_hash, f.value FROM profile_facts f CROSS JOIN s
    WHERE f.caller_hash IS NOT NULL AND list_contains(s.fields, f.field)
)
SELECT row_number() OVER (ORDER BY b.score DESC, b.last_call_at DESC, b.caller_hash) AS rank,
    b.caller_hash, i.band, round(b.score, 3) AS score, i.product,
    CASE WHEN EXISTS (SELECT 1 FROM sensitive_values v WHERE v.caller_hash = b.caller_hash
                      AND contains(i.evidence, v.value)) THEN NULL ELSE i.evidence END AS evidence,
    CASE WHEN EXISTS (SELECT 1 FROM sensitive_values v WHERE v.caller_hash = b.caller_hash
                      AND contains(i.cues, v.value)) THEN NULL ELSE i.cues END AS cues,
    concat_ws('；',
        CASE WHEN NOT list_contains(s.fields, 'gender') THEN 'gender:' || pr.gender END,
        CASE WHEN NOT list_contains(s.fields, 'age') THEN 'age:' || pr.age END,
        CASE WHEN NOT list_contains(s.fields, 'city') THEN 'city:' || pr.city END,
        CASE WHEN NOT list_contains(s.fields, 'occupation') THEN 'occupation:' || pr.occupation END,
        CASE WHEN NOT list_contains(s.fields, 'marital_status') THEN 'marital:' || pr.marital_status END,
        CASE WHEN NOT list_contains(s.fields, 'children') THEN 'children:' || pr.children END,
        CASE WHEN NOT list_contains(s.fields, 'existing_policies') THEN 'policies:' || pr.existing_policies END,
        CASE WHEN NOT list_contains(s.fields, 'policies_on_file') THEN 'on_file:' || pr.policies_on_file END,
        CASE WHEN NOT list_contains(s.fields, 'income_band') THEN 'income:' || pr.income_band END,
        CASE WHEN NOT list_contains(s.fields, 'health_condition') THEN 'health:' || pr.health_conditions END,
        CASE WHEN NOT list_contains(s.fields, 'insured_person') THEN 'insured:' || pr.insured_person END)
        AS profile_summary,
    CASE WHEN NOT list_contains(s.fields, 'preferred_contact_time') THEN pr.preferred_contact_time END
        AS preferred_contact_time,
    b.calls_in_window, b.last_call_at, b.last_call_id, b.best_call_id
FROM best b
CROSS JOIN s
JOIN call_intent i ON i.call_id = b.best_call_id
LEFT JOIN v_customer_profiles pr ON pr.caller_key = b.caller_hash
WHERE i.band IN ('high', 'medium') AND b.caller_hash NOT IN (SELECT caller_hash FROM blocked)
ORDER BY rank;
COMMENT ON VIEW v_marketing_leads IS 'Purchase-intent leads (二次营销), ranked: per caller the strongest call within step_params leads.window_days (high or medium), product of interest, evidence sentence, profile summary, preferred contact time, last call and its call_id. Complainers, do-not-call requests, marketing_opt_out and withheld numbers are excluded; no phone number is shown; no sensitive profile field (health conditions: [privacy] sensitive_profile_fields) appears, and an evidence sentence or cue list stating one is withheld (NULL).';
COMMENT ON COLUMN v_marketing_leads.score IS 'Purchase-intent score 0..1 of the best call (call_intent.score).';
COMMENT ON COLUMN v_marketing_leads.evidence IS 'The best call''s strongest buying sentence (masked); NULL when it states a sensitive fact of the caller.';

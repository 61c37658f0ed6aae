CREATE OR REPLACE VIEW v_customer_profiles AS
-- One row per caller (a withheld number: one row per call, caller_key 'call:<call_id>'). Per field the newest
-- call's value wins; a different value said in an older call is kept in `conflicts` with its call and sentence.
-- existing_policies, policies_on_file and health_condition list every item ever stated.
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
    WHERE f.value <> n.value AND f.field NOT IN ('existing_policies', 'health_condition', 'policies_on_file')
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
    max(CASE WHEN n.field = 'policies_on_file' THEN n.all_values END)   AS policies_on_file,
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
COMMENT ON VIEW v_customer_profiles IS 'Customer profiles, one row per caller (withheld numbers: per call): the newest stated value of each field, every existing policy (the caller''s words; those the agent read from the record apart) and health condition, and conflicts (older calls that said otherwise, with call_id and sentence).';
COMMENT ON COLUMN v_customer_profiles.health_conditions IS 'SENSITIVE (PIPL 敏感个人信息: health): every health condition the caller stated, for service only. Never shown in v_marketing_leads ([privacy] sensitive_profile_fields).';

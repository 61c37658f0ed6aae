CREATE OR REPLACE VIEW v_unresolved_calls AS
-- The evidence shown is the sentences that push towards unresolved (cue weight > 0), in call order,
-- each once; rows written before evidence carried weights fall back on the cue names. Built from
-- call_outcomes alone (not v_calls): only unresolved rows are joined, which halves its time at 100,000 calls.
WITH tz AS (SELECT max(value) AS tz FROM step_params WHERE step = 'outcomes' AND name = 'timezone'),
ev AS (
    SELECT o.call_id, o.night, o.started_at, o.agent_id, o.caller_hash, ct.topic_id, o.score, o.fcr_override,
        o.escalated, o.unanswered,
        from_json(o.evidence, '[{"cue":"VARCHAR","phrase":"VARCHAR","speaker":"VARCHAR","weight":"DOUBLE","text":"VARCHAR"}]') AS items
    FROM call_outcomes o LEFT JOIN call_topics ct USING (call_id) WHERE o.label = 'unresolved'
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
    left(r.caller_hash, 8) AS caller, r.topic_id, n.topic_name,
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
LEFT JOIN v_topic_names n ON n.topic_id = r.topic_id
ORDER BY r.night DESC, unresolved_score DESC, r.call_id;
COMMENT ON VIEW v_unresolved_calls IS 'Calls left unresolved, latest night first then most certain: the sentences that make them unresolved (speaker: what was said, masked), the cues behind them, the FCR override, and the caller''s next call when they came back.';
COMMENT ON COLUMN v_unresolved_calls.evidence IS 'The sentences that make the call unresolved (speaker: what was said, masked), in call order, or the repeat call behind an FCR failure.';

-- The script library from successful cases only (issue 22: 成功案例中的优秀话术): a reply enters the library when
-- its call was resolved in the call, did not fail first-contact resolution and the caller did not reject the
-- reply. The outcome columns are refreshed from call_outcomes on every replies run, so a row always shows its
-- call's current outcome (a later night's repeat call can turn a success into an FCR failure).

ALTER TABLE reply_candidates ADD COLUMN IF NOT EXISTS resolved_in_call BOOLEAN;
ALTER TABLE reply_candidates ADD COLUMN IF NOT EXISTS fcr_failed BOOLEAN;
ALTER TABLE reply_candidates ADD COLUMN IF NOT EXISTS worked BOOLEAN;
ALTER TABLE reply_candidates ADD COLUMN IF NOT EXISTS reasons_zh VARCHAR;

COMMENT ON COLUMN reply_candidates.call_label IS 'The call''s current resolution in the call (call_outcomes.label), refreshed on every replies run; NULL when the outcomes step has not run.';
COMMENT ON COLUMN reply_candidates.repeat_followed IS 'The caller called again within the window about anything (repeat_contacts.has_repeat), refreshed on every replies run; NULL when unknown. Not a failure by itself: see fcr_failed.';
COMMENT ON COLUMN reply_candidates.reply_score IS 'Reply quality within its call: the learned ranker''s score ([replies] ranker, nlp/reply_ranker.py) for an answer, -10 for a greeting, identity check, question back, read-back or closing; the hand-set [call_reply] weights when no ranker is set.';
COMMENT ON COLUMN reply_candidates.reasons IS 'What the reply does (answer, or the kind of turn that is never a script) and the ranker features that raised its score most, comma-separated.';
COMMENT ON COLUMN reply_candidates.score IS 'Library score: reply_score plus [call_reply] call_resolved when the call was resolved in the call; ranks the replies that worked.';
COMMENT ON COLUMN reply_candidates.library_rank IS 'Rank of a group''s best reply within its topic and objection type, for the best [replies].per_group groups of replies that worked; NULL otherwise (never for a reply from an unsuccessful call).';
COMMENT ON COLUMN reply_candidates.resolved_in_call IS 'The call was resolved in the call (call_outcomes.resolved_in_call), refreshed on every replies run.';
COMMENT ON COLUMN reply_candidates.fcr_failed IS 'The caller came back about the matter the call left unresolved (call_outcomes.fcr_failed), refreshed on every replies run.';
COMMENT ON COLUMN reply_candidates.reasons_zh IS 'reasons in words a QA lead reads (configs/reply_cues.toml [reason_names]), 、-joined.';
COMMENT ON COLUMN reply_candidates.worked IS 'The reply may enter the library: the call was resolved in the call, did not fail FCR, and the caller''s next turn did not reject the reply.';

CREATE OR REPLACE VIEW v_script_library AS
-- The best few replies that worked per topic and objection type, near-duplicates merged, with their evidence,
-- agent and the call's current outcome (read from call_outcomes, not copied).
SELECT coalesce(t.label, CAST(r.topic_id AS VARCHAR), '(no topic)') AS topic,
    r.topic_id,
    coalesce(r.objection, '一般问题')                    AS objection,
    r.library_rank                                       AS rank,
    round(r.score, 3)                                    AS score,
    r.question, r.reply, r.followed, r.next_text,
    coalesce(o.label, r.call_label)                      AS call_label,
    r.repeat_followed, r.reasons, r.similar_replies,
    r.agent_id, r.call_id, r.question_turn, r.reply_turn, r.started_at,
    coalesce(o.resolved_in_call, r.resolved_in_call)     AS resolved_in_call,
    coalesce(o.fcr_failed, r.fcr_failed)                 AS fcr_failed,
    r.reasons_zh
FROM reply_candidates r
LEFT JOIN topics t ON t.topic_id = r.topic_id
LEFT JOIN call_outcomes o ON o.call_id = r.call_id
WHERE r.library_rank IS NOT NULL
ORDER BY topic, objection, rank;
COMMENT ON VIEW v_script_library IS 'Script library (优秀话术) for QA leads: per topic and objection type the best replies from successful calls (resolved in the call, no FCR failure, not rejected by the caller; near-identical replies merged, similar_replies counts them), with the question, what followed, the score and its reasons, the agent, the call and its current outcome.';
COMMENT ON COLUMN v_script_library.call_label IS 'The call''s current resolution in the call (call_outcomes.label).';
COMMENT ON COLUMN v_script_library.resolved_in_call IS 'The call was resolved in the call (call_outcomes.resolved_in_call, current).';
COMMENT ON COLUMN v_script_library.reasons_zh IS 'Why the reply ranks, in words (reply_candidates.reasons_zh).';
COMMENT ON COLUMN v_script_library.fcr_failed IS 'The caller came back about the matter (call_outcomes.fcr_failed, current); false for every library row when the replies step last ran.';

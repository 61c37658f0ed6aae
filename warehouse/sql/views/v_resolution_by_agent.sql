CREATE OR REPLACE VIEW v_resolution_by_agent AS
-- Both rates per agent, each over its own base: resolved in the call over all calls; FCR over the calls whose
-- caller is known (fcr_status not unknown), pending calls counted as not failed (so the rate can still fall).
SELECT v.agent_id,
    count(*)                                                     AS agent_calls,
    count(*) FILTER (WHERE v.resolution = 'resolved')            AS resolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unresolved')          AS unresolved_calls,
    count(*) FILTER (WHERE v.resolution = 'unknown')             AS unknown_calls,
    round(count(*) FILTER (WHERE v.resolution = 'unresolved') / count(*), 3) AS unresolved_share,
    count(*) FILTER (WHERE v.escalated)                          AS escalated_calls,
    count(*) FILTER (WHERE v.has_repeat)                         AS callers_came_back,
    count(*) FILTER (WHERE o.fcr_status = 'failed')              AS fcr_failed_calls,
    count(*) FILTER (WHERE o.fcr_status = 'pending')             AS fcr_pending_calls,
    round(1 - count(*) FILTER (WHERE o.fcr_status = 'failed')
              / nullif(count(*) FILTER (WHERE o.fcr_status IN ('failed', 'achieved', 'pending')), 0), 3) AS fcr_share
FROM v_calls v LEFT JOIN call_outcomes o USING (call_id)
GROUP BY v.agent_id
ORDER BY agent_calls DESC, v.agent_id;
COMMENT ON VIEW v_resolution_by_agent IS 'Per agent, both meanings of resolution: calls resolved/unresolved/unknown in the call (the dialogue), escalations, calls after which the caller came back within the window (about anything), and FCR: calls that failed it (came back about a matter left open), calls still pending, and the FCR share (1 - failed / calls with a known caller).';
COMMENT ON COLUMN v_resolution_by_agent.fcr_failed_calls IS 'Calls whose caller came back within the window about the matter the call left open (call_outcomes.fcr_status = failed).';
COMMENT ON COLUMN v_resolution_by_agent.fcr_pending_calls IS 'Calls whose window is still open (the caller may yet come back): counted as not failed in fcr_share.';
COMMENT ON COLUMN v_resolution_by_agent.fcr_share IS 'First-contact resolution rate: 1 - fcr_failed_calls / calls with a known caller (withheld numbers left out). Not the resolved-in-call rate: resolved_calls / agent_calls is.';

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

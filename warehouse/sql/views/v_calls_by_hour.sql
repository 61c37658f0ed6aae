CREATE OR REPLACE VIEW v_calls_by_hour AS
SELECT night, local_hour, count(*) AS calls,
    count(*) FILTER (WHERE resolution = 'unresolved') AS unresolved_calls
FROM v_calls
GROUP BY night, local_hour
ORDER BY night, local_hour;
COMMENT ON VIEW v_calls_by_hour IS 'Calls per night and local hour of day (the hour the call started in [night].timezone), with the unresolved ones.';

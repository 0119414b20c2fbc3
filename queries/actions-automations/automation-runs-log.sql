-- Automation runs log: every automation run started in the current month (up
-- to the as-of date), latest first, with its outcome and duration in seconds
-- (empty while it is still running).
SELECT r.started_at,
    r.action_title,
    coalesce(o.organization_name, r.organization_id) AS organization_name,
    r.trigger,
    r.status,
    r.ended_at,
    date_diff('second', r.started_at, r.ended_at) AS duration_seconds,
    r.run_id
FROM action_runs AS r
LEFT JOIN organizations AS o USING (organization_id)
WHERE r.run_type = 'automation'
    AND r.started_at >= month_start() AND r.started_at < as_of_end()
ORDER BY r.started_at DESC, r.run_id

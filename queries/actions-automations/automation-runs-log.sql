-- Automation runs log: every automation run started in the current month (up
-- to the as-of date), latest first, as it stood on the as-of date (runs()):
-- a run that ended after it is still in progress, without an end or a
-- duration. The title is the automation's latest (action_titles()).
SELECT r.started_at,
    t.action_title,
    org_label(o.organization_name, r.organization_id) AS organization_name,
    r.trigger,
    r.status,
    r.ended_at,
    date_diff('second', r.started_at, r.ended_at) AS duration_seconds,
    r.run_id
FROM runs() AS r
LEFT JOIN action_titles() AS t ON t.action_identifier IS NOT DISTINCT FROM r.action_identifier
LEFT JOIN organization_names() AS o ON o.organization_id = r.organization_id
WHERE r.run_type = 'automation' AND r.started_at >= month_start()
ORDER BY r.started_at DESC, r.run_id

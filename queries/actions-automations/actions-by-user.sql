-- Action runs by user: all action runs up to the as-of date, per person and
-- organization (runs_by_person()), by outcome on the as-of date. Runs
-- without a user (e.g. started through the API with a machine token) are
-- "No user".
SELECT CASE WHEN r.user_id IS NULL THEN 'No user' ELSE coalesce(r.email, r.user_id) END AS "user",
    r.full_name,
    org_label(o.organization_name, r.organization_id) AS organization_name,
    count(*) AS runs,
    count(*) FILTER (WHERE r.status = 'success') AS successful,
    count(*) FILTER (WHERE r.status = 'failure') AS failed,
    count(*) FILTER (WHERE r.status = 'in_progress') AS in_progress,
    max(r.started_at) AS last_run_at
FROM runs_by_person() AS r
LEFT JOIN organization_names() AS o ON o.organization_id = r.organization_id
WHERE r.run_type = 'action'
GROUP BY r.user_id, r.email, r.full_name, r.organization_id, o.organization_name
ORDER BY runs DESC, "user", organization_name, r.user_id

-- Action runs by user: all action runs up to the as-of date, per user and
-- organization, by outcome. Runs without a user (e.g. started through the
-- API with a machine token) are grouped as "No user".
SELECT CASE
        WHEN nullif(trim(r.user_id), '') IS NULL THEN 'No user'
        ELSE coalesce(u.email, r.user_id)
    END AS "user",
    u.full_name,
    coalesce(o.organization_name, r.organization_id) AS organization_name,
    count(*) AS runs,
    count(*) FILTER (WHERE r.status = 'success') AS successful,
    count(*) FILTER (WHERE r.status = 'failure') AS failed,
    count(*) FILTER (WHERE r.status = 'in_progress') AS in_progress,
    max(r.started_at) AS last_run_at
FROM action_runs AS r
LEFT JOIN users AS u USING (user_id)
LEFT JOIN organizations AS o ON o.organization_id = r.organization_id
WHERE r.run_type = 'action' AND r.started_at < as_of_end()
GROUP BY 1, u.full_name, r.organization_id, o.organization_name
ORDER BY runs DESC, "user", organization_name

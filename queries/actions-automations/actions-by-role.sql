-- Action runs by role: all action runs up to the as-of date, per role of the
-- user who ran them (the run's own `role`, else the user's current role;
-- "No role" when neither is known), by outcome.
WITH runs AS (
    SELECT r.run_id, r.status,
        coalesce(nullif(trim(r.role), ''), nullif(trim(u.role), ''), 'No role') AS role
    FROM action_runs AS r
    LEFT JOIN users AS u USING (user_id)
    WHERE r.run_type = 'action' AND r.started_at < as_of_end()
)
SELECT role,
    count(*) AS runs,
    count(*) FILTER (WHERE status = 'success') AS successful,
    count(*) FILTER (WHERE status = 'failure') AS failed,
    count(*) FILTER (WHERE status = 'in_progress') AS in_progress
FROM runs
GROUP BY role
ORDER BY runs DESC, role

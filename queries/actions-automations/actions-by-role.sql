-- Action runs by role: all action runs up to the as-of date, per role (the
-- run's own `role`, else the user's role in the run's organization; "No
-- role" when neither is known: runs_by_person()), by outcome on the as-of
-- date.
SELECT coalesce(role, 'No role') AS role,
    count(*) AS runs,
    count(*) FILTER (WHERE status = 'success') AS successful,
    count(*) FILTER (WHERE status = 'failure') AS failed,
    count(*) FILTER (WHERE status = 'in_progress') AS in_progress
FROM runs_by_person()
WHERE run_type = 'action'
GROUP BY 1
ORDER BY runs DESC, role

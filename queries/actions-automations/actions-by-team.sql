-- Action runs by team: all action runs up to the as-of date, per team and
-- organization (the run's own `team`, else the user's current team; "No team"
-- when neither is known), by outcome.
WITH runs AS (
    SELECT r.run_id, r.status, r.organization_id,
        coalesce(nullif(trim(r.team), ''), nullif(trim(u.team), ''), 'No team') AS team
    FROM action_runs AS r
    LEFT JOIN users AS u USING (user_id)
    WHERE r.run_type = 'action' AND r.started_at < as_of_end()
)
SELECT r.team,
    coalesce(o.organization_name, r.organization_id) AS organization_name,
    count(*) AS runs,
    count(*) FILTER (WHERE r.status = 'success') AS successful,
    count(*) FILTER (WHERE r.status = 'failure') AS failed,
    count(*) FILTER (WHERE r.status = 'in_progress') AS in_progress
FROM runs AS r
LEFT JOIN organizations AS o USING (organization_id)
GROUP BY r.team, r.organization_id, o.organization_name
ORDER BY runs DESC, r.team, organization_name

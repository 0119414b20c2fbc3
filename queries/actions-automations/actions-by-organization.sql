-- Action runs by organization: all action runs up to the as-of date, per
-- organization (including organizations without runs), by outcome.
WITH runs AS (
    SELECT * FROM action_runs
    WHERE run_type = 'action' AND started_at < as_of_end()
),
orgs AS (
    SELECT organization_id FROM organizations
    UNION
    SELECT organization_id FROM runs
)
SELECT coalesce(o.organization_name, g.organization_id) AS organization_name,
    count(r.run_id) AS runs,
    count(r.run_id) FILTER (WHERE r.status = 'success') AS successful,
    count(r.run_id) FILTER (WHERE r.status = 'failure') AS failed,
    count(r.run_id) FILTER (WHERE r.status = 'in_progress') AS in_progress,
    max(r.started_at) AS last_run_at
FROM orgs AS g
LEFT JOIN organizations AS o USING (organization_id)
LEFT JOIN runs AS r USING (organization_id)
GROUP BY g.organization_id, o.organization_name
ORDER BY runs DESC, organization_name

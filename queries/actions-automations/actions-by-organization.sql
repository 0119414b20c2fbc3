-- Action runs by organization: all action runs up to the as-of date, per
-- organization (every organization, with or without runs; runs without one
-- as "(no organization)"), by outcome on the as-of date (runs()).
WITH action_runs_as_of AS (
    SELECT * FROM runs() WHERE run_type = 'action'
),
orgs AS (
    SELECT organization_id FROM organization_names()
    UNION
    SELECT organization_id FROM action_runs_as_of
)
SELECT org_label(o.organization_name, g.organization_id) AS organization_name,
    count(r.run_id) AS runs,
    count(r.run_id) FILTER (WHERE r.status = 'success') AS successful,
    count(r.run_id) FILTER (WHERE r.status = 'failure') AS failed,
    count(r.run_id) FILTER (WHERE r.status = 'in_progress') AS in_progress,
    max(r.started_at) AS last_run_at
FROM orgs AS g
LEFT JOIN organization_names() AS o ON o.organization_id = g.organization_id
LEFT JOIN action_runs_as_of AS r ON r.organization_id IS NOT DISTINCT FROM g.organization_id
GROUP BY g.organization_id, o.organization_name
ORDER BY runs DESC, organization_name, g.organization_id

-- Action runs by team: all action runs up to the as-of date, per team and
-- organization (the run's own `team`, else the user's team in the run's
-- organization; "No team" when neither is known: runs_by_person()), by
-- outcome on the as-of date.
SELECT coalesce(r.team, 'No team') AS team,
    org_label(o.organization_name, r.organization_id) AS organization_name,
    count(*) AS runs,
    count(*) FILTER (WHERE r.status = 'success') AS successful,
    count(*) FILTER (WHERE r.status = 'failure') AS failed,
    count(*) FILTER (WHERE r.status = 'in_progress') AS in_progress
FROM runs_by_person() AS r
LEFT JOIN organization_names() AS o ON o.organization_id = r.organization_id
WHERE r.run_type = 'action'
GROUP BY 1, r.organization_id, o.organization_name
ORDER BY runs DESC, team, organization_name, r.organization_id

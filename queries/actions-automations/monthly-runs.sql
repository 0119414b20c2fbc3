-- Total monthly runs by organization (params.run_type = 'action' or
-- 'automation'): runs of that type, one row per month and organization from
-- the first month of the run history to the as-of month (zero where nothing
-- ran), with the change against the organization's previous month and, for
-- the as-of month, its previous month over the same days
-- (monthly_flow_by_organization(), which also bounds the runs by the as-of
-- date). Runs without an organization are "(no organization)".
WITH typed_runs AS (
    SELECT started_at AS happened_at, organization_id
    FROM action_runs
    WHERE run_type = getvariable('run_type')
)
SELECT month,
    organization_name,
    events AS runs,
    change,
    previous_to_date
FROM monthly_flow_by_organization('typed_runs', (SELECT min(started_at) FROM action_runs))
ORDER BY month, organization_name, organization_id

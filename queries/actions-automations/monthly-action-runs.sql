-- Total monthly action runs, by organization: runs with run_type
-- `action`, one row per month and organization from the first month of the
-- run history to the as-of month (zero where nothing ran), with the change
-- against the organization's previous month.
WITH months AS (
    SELECT CAST(unnest(generate_series(first_month, month_start(), INTERVAL 1 MONTH)) AS DATE) AS month
    FROM (
        SELECT least(coalesce(CAST(date_trunc('month', min(started_at)) AS DATE), month_start()), month_start()) AS first_month
        FROM action_runs
    )
),
orgs AS (
    SELECT organization_id FROM organizations
    UNION
    SELECT organization_id FROM action_runs
),
runs AS (
    SELECT CAST(date_trunc('month', started_at) AS DATE) AS month, organization_id, count(*) AS runs
    FROM action_runs
    WHERE run_type = 'action' AND started_at < as_of_end()
    GROUP BY 1, organization_id
),
grid AS (
    SELECT m.month,
        g.organization_id,
        coalesce(o.organization_name, g.organization_id) AS organization_name,
        coalesce(r.runs, 0) AS runs
    FROM months AS m
    CROSS JOIN orgs AS g
    LEFT JOIN organizations AS o ON o.organization_id = g.organization_id
    LEFT JOIN runs AS r ON r.month = m.month AND r.organization_id = g.organization_id
)
SELECT month,
    organization_name,
    runs,
    runs - lag(runs) OVER (PARTITION BY organization_id ORDER BY month) AS change
FROM grid
ORDER BY month, organization_name

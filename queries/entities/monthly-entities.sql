-- Total monthly entities: one row per month from the first month of the
-- entity-count history to the as-of month. A month's value is each
-- organization's last snapshot in that month (up to the as-of date), summed
-- over organizations and blueprints; zero in a month without snapshots. The
-- change is against the previous month.
WITH snapshots AS (
    SELECT CAST(snapshot_date AS DATE) AS day, organization_id, blueprint, entity_count
    FROM entity_counts
    WHERE CAST(snapshot_date AS DATE) <= as_of()
),
last_snapshots AS (
    SELECT CAST(date_trunc('month', day) AS DATE) AS month, organization_id, max(day) AS day
    FROM snapshots
    GROUP BY 1, organization_id
),
totals AS (
    SELECT l.month, sum(s.entity_count) AS entities
    FROM last_snapshots AS l
    JOIN snapshots AS s USING (organization_id, day)
    GROUP BY l.month
),
months AS (
    SELECT CAST(unnest(generate_series(first_month, month_start(), INTERVAL 1 MONTH)) AS DATE) AS month
    FROM (
        SELECT least(coalesce(min(month), month_start()), month_start()) AS first_month
        FROM last_snapshots
    )
)
SELECT m.month,
    CAST(coalesce(t.entities, 0) AS BIGINT) AS entities,
    CAST(coalesce(t.entities, 0) - lag(coalesce(t.entities, 0)) OVER (ORDER BY m.month) AS BIGINT) AS change
FROM months AS m
LEFT JOIN totals AS t USING (month)
ORDER BY m.month

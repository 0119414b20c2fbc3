-- Entities log by organization: for every month in which an organization has
-- a snapshot (up to the as-of date), its last snapshot of that month: the
-- snapshot's date, its entities summed over blueprints, and the change
-- against the organization's previous logged month. Latest month first.
WITH snapshots AS (
    SELECT CAST(snapshot_date AS DATE) AS day, organization_id, entity_count
    FROM entity_counts
    WHERE CAST(snapshot_date AS DATE) <= as_of()
),
last_snapshots AS (
    SELECT CAST(date_trunc('month', day) AS DATE) AS month, organization_id, max(day) AS day
    FROM snapshots
    GROUP BY 1, organization_id
),
totals AS (
    SELECT l.month, l.organization_id, l.day, sum(s.entity_count) AS entities
    FROM last_snapshots AS l
    JOIN snapshots AS s USING (organization_id, day)
    GROUP BY l.month, l.organization_id, l.day
)
SELECT t.month,
    coalesce(o.organization_name, t.organization_id) AS organization_name,
    t.day AS snapshot_date,
    CAST(t.entities AS BIGINT) AS entities,
    CAST(t.entities - lag(t.entities) OVER (PARTITION BY t.organization_id ORDER BY t.month) AS BIGINT) AS change
FROM totals AS t
LEFT JOIN organizations AS o USING (organization_id)
ORDER BY t.month DESC, organization_name

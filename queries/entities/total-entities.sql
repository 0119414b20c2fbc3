-- Total amount of entities: each organization's latest snapshot on or before
-- the as-of date, summed over organizations and blueprints. The change is
-- against the same total at the end of the previous month (empty when there
-- was no snapshot before this month).
WITH snapshots AS (
    SELECT CAST(snapshot_date AS DATE) AS day, organization_id, entity_count
    FROM entity_counts
    WHERE CAST(snapshot_date AS DATE) <= as_of()
),
latest AS (
    SELECT organization_id, max(day) AS day FROM snapshots GROUP BY organization_id
),
previous AS (
    SELECT organization_id, max(day) AS day FROM snapshots WHERE day < month_start() GROUP BY organization_id
),
totals AS (
    SELECT
        (SELECT sum(entity_count) FROM snapshots JOIN latest USING (organization_id, day)) AS now,
        (SELECT sum(entity_count) FROM snapshots JOIN previous USING (organization_id, day)) AS before
)
SELECT CAST(coalesce(now, 0) AS BIGINT) AS entities,
    CAST(coalesce(now, 0) - before AS BIGINT) AS change
FROM totals

-- Entities by blueprint: each organization's latest snapshot on or before the
-- as-of date, summed per blueprint over organizations. Largest first.
WITH snapshots AS (
    SELECT CAST(snapshot_date AS DATE) AS day, organization_id, blueprint, entity_count
    FROM entity_counts
    WHERE CAST(snapshot_date AS DATE) <= as_of()
),
latest AS (
    SELECT organization_id, max(day) AS day FROM snapshots GROUP BY organization_id
)
SELECT s.blueprint,
    CAST(sum(s.entity_count) AS BIGINT) AS entities
FROM snapshots AS s
JOIN latest USING (organization_id, day)
GROUP BY s.blueprint
ORDER BY entities DESC, s.blueprint

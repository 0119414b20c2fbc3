-- Entities log by organization: every month from an organization's first
-- snapshot to the as-of month, with the snapshot its value comes from (its
-- last on or before the month's end, carried forward: entity_levels()), its
-- entities summed over blueprints, and the change against its previous
-- month. An organization's months sum to monthly-entities. Latest month
-- first.
WITH per_organization AS (
    SELECT month, organization_id, snapshot_date, sum(entity_count) AS entities
    FROM entity_levels()
    GROUP BY month, organization_id, snapshot_date
)
SELECT p.month,
    org_label(o.organization_name, p.organization_id) AS organization_name,
    p.snapshot_date,
    CAST(p.entities AS BIGINT) AS entities,
    CAST(p.entities - lag(p.entities) OVER (PARTITION BY p.organization_id ORDER BY p.month) AS BIGINT) AS change
FROM per_organization AS p
LEFT JOIN organization_names() AS o ON o.organization_id = p.organization_id
ORDER BY p.month DESC, organization_name, p.organization_id

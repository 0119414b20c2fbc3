-- Entities by blueprint: each organization's latest snapshot on or before the
-- as-of date (the as-of month of entity_levels()), summed per blueprint over
-- organizations; the blueprints sum to total-entities. Largest first.
SELECT blueprint,
    CAST(sum(entity_count) AS BIGINT) AS entities
FROM entity_levels()
WHERE month = month_start()
GROUP BY blueprint
ORDER BY entities DESC, blueprint

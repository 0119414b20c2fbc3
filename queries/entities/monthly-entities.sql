-- Total monthly entities: one row per month from the first month of the
-- entity-count history to the as-of month. Entity counts are a level: a
-- month's value is each organization's last snapshot on or before the
-- month's end (the as-of date, for the as-of month), carried forward through
-- months without a snapshot, summed over organizations and blueprints
-- (monthly_entities()). The change is against the previous month.
SELECT month, entities, change
FROM monthly_entities()
ORDER BY month

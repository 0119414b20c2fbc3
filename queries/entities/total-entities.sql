-- Total amount of entities: the as-of month of monthly-entities (each
-- organization's latest snapshot on or before the as-of date, summed over
-- organizations and blueprints), so the two never disagree. The change is
-- against the end of the previous month (empty when there was no snapshot
-- before this month).
SELECT entities, change
FROM monthly_entities()
WHERE month = month_start()

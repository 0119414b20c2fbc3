-- Data sources total amount: the as-of month of monthly-data-sources (the
-- data sources connected at the end of the as-of date), so the two never
-- disagree. The change is against the end of the previous month.
SELECT data_sources, change
FROM monthly_data_sources()
WHERE month = month_start()

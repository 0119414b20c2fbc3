-- Total monthly data sources: the data sources connected at the end of each
-- month (created before it ended and not deleted by then; the as-of month is
-- counted at the end of the as-of date, and a deletion after it has not
-- happened yet), one row per month from the first month a data source was
-- created to the as-of month (monthly_data_sources()). The change is against
-- the previous month.
SELECT month, data_sources, change
FROM monthly_data_sources()
ORDER BY month

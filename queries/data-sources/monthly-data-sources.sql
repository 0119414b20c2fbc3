-- Total monthly data sources: the data sources connected at the end of each
-- month (created before the month ended and not deleted by then), one row per
-- month from the first month a data source was created to the as-of month.
-- The as-of month is counted at the end of the as-of date; a deletion after
-- the as-of date has not happened yet. The change is against the previous
-- month.
WITH months AS (
    SELECT CAST(unnest(generate_series(first_month, month_start(), INTERVAL 1 MONTH)) AS DATE) AS month
    FROM (
        SELECT least(coalesce(CAST(date_trunc('month', min(created_at)) AS DATE), month_start()), month_start()) AS first_month
        FROM data_sources
    )
),
ends AS (
    SELECT month, least(month + INTERVAL 1 MONTH, as_of_end()) AS month_end
    FROM months
),
counts AS (
    SELECT e.month, count(d.data_source_id) AS data_sources
    FROM ends AS e
    LEFT JOIN data_sources AS d
        ON d.created_at < e.month_end
        AND (d.deleted_at IS NULL OR d.deleted_at >= e.month_end)
    GROUP BY e.month
)
SELECT month,
    data_sources,
    data_sources - lag(data_sources) OVER (ORDER BY month) AS change
FROM counts
ORDER BY month

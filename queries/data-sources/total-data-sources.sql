-- Data sources total amount: data sources connected at the end of the as-of
-- date (created by then and not deleted by then). The change is against the
-- count at the end of the previous month.
SELECT count(*) FILTER (
        WHERE created_at < as_of_end() AND (deleted_at IS NULL OR deleted_at >= as_of_end())
    ) AS data_sources,
    count(*) FILTER (
        WHERE created_at < as_of_end() AND (deleted_at IS NULL OR deleted_at >= as_of_end())
    ) - count(*) FILTER (
        WHERE created_at < month_start() AND (deleted_at IS NULL OR deleted_at >= month_start())
    ) AS change
FROM data_sources

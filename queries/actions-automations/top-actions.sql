-- Top actions: the 6 actions (by title, over all organizations) run most
-- often in the current month (up to the as-of date). Ties are broken by title.
SELECT action_title,
    count(*) AS runs
FROM action_runs
WHERE run_type = 'action'
    AND started_at >= month_start() AND started_at < as_of_end()
GROUP BY action_title
ORDER BY runs DESC, action_title
LIMIT 6

-- Actions triggered via API + automation triggers: runs in the current year
-- (from 1 January of the as-of year to the as-of date) that no one started
-- from the UI: runs with trigger `api` or `automation`, and every automation
-- run, with or without an organization. `this_month` is how many of them
-- started in the current month (a part of `runs`, not a change).
SELECT count(*) AS runs,
    count(*) FILTER (WHERE started_at >= month_start()) AS this_month
FROM action_runs
WHERE started_at >= year_start() AND started_at < as_of_end()
    AND (trigger IN ('api', 'automation') OR run_type = 'automation')

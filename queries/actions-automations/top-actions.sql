-- Top actions: the 6 actions run most often in the current month (up to the
-- as-of date), over all organizations. An action is its
-- `action_identifier`, shown with the latest title seen for it (runs()): a
-- renamed action is one row, two actions with the same title are two. Ties
-- are broken by title, then identifier.
SELECT action_title,
    count(*) AS runs,
    action_identifier
FROM runs()
WHERE run_type = 'action' AND started_at >= month_start()
GROUP BY action_identifier, action_title
ORDER BY runs DESC, action_title, action_identifier
LIMIT 6

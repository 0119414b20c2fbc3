-- Top actions: the 6 actions run most often in the current month (up to the
-- as-of date), over all organizations. An action is its
-- `action_identifier`, shown with the latest title seen for it
-- (action_titles()): a renamed action is one row, two actions with the same
-- title are two. Ties are broken by title, then identifier.
SELECT t.action_title,
    count(*) AS runs,
    r.action_identifier
FROM runs() AS r
LEFT JOIN action_titles() AS t ON t.action_identifier IS NOT DISTINCT FROM r.action_identifier
WHERE r.run_type = 'action' AND r.started_at >= month_start()
GROUP BY r.action_identifier, t.action_title
ORDER BY runs DESC, t.action_title, r.action_identifier
LIMIT 6

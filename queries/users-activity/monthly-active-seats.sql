-- Total monthly active seats: one row per month, from the month the
-- subscription term starts (or the login history, if that starts later) to
-- the as-of month, with the change against the previous month.
--
-- A person becomes an active seat at the login that completes their third
-- distinct ISO week with a login during the subscription term, counting
-- their logins in every organization, and counts from that month on, once
-- however many organizations list them (active_seats()). A disabled
-- membership counts in no month; a person whose memberships are all removed
-- counts only in months that end on or before the last removal.
SELECT m.month,
    count(s.user_id) AS active_seats,
    count(s.user_id) - lag(count(s.user_id)) OVER (ORDER BY m.month) AS change
FROM month_series((SELECT greatest(subscription_start(), min(logged_in_at)) FROM logins)) AS m
LEFT JOIN active_seats() AS s
    ON s.first_month <= m.month
    AND (s.removed_at IS NULL OR m.month + INTERVAL 1 MONTH <= s.removed_at)
GROUP BY m.month
ORDER BY m.month

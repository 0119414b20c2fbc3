-- Total monthly active seats: one row per month, from the month the
-- subscription term starts (or the login history, if that starts later) to
-- the as-of month.
--
-- A user becomes an active seat at the login that completes the third
-- distinct ISO week (Monday to Sunday, UTC) with a login during the
-- subscription term, and counts from that month on. A disabled user counts in
-- no month (the export only holds the current state). A removed user counts
-- only in months that end on or before `removed_at`; a removal after the
-- as-of date has not happened yet.
WITH login_weeks AS (
    -- the first login of each ISO week in which a user logged in
    SELECT user_id, min(logged_in_at) AS first_login
    FROM logins
    WHERE logged_in_at >= subscription_start() AND logged_in_at < as_of_end()
    GROUP BY user_id, date_trunc('week', logged_in_at)
),
activations AS (
    SELECT user_id, first_login AS activated_at
    FROM (
        SELECT user_id, first_login,
            row_number() OVER (PARTITION BY user_id ORDER BY first_login) AS week_number
        FROM login_weeks
    )
    WHERE week_number = 3
),
seats AS (
    SELECT a.user_id,
        CAST(date_trunc('month', a.activated_at) AS DATE) AS first_month,
        CASE WHEN u.removed_at < as_of_end() THEN u.removed_at END AS removed_at
    FROM activations AS a
    JOIN users AS u USING (user_id)
    WHERE u.user_type IS DISTINCT FROM 'disabled'
),
months AS (
    SELECT CAST(unnest(generate_series(first_month, month_start(), INTERVAL 1 MONTH)) AS DATE) AS month
    FROM (
        SELECT least(
            coalesce(CAST(date_trunc('month', greatest(subscription_start(), min(logged_in_at))) AS DATE), month_start()),
            month_start()) AS first_month
        FROM logins
    )
),
counts AS (
    SELECT m.month, count(s.user_id) AS active_seats
    FROM months AS m
    LEFT JOIN seats AS s
        ON s.first_month <= m.month
        AND (s.removed_at IS NULL OR m.month + INTERVAL 1 MONTH <= s.removed_at)
    GROUP BY m.month
)
SELECT month,
    active_seats,
    active_seats - lag(active_seats) OVER (ORDER BY month) AS change
FROM counts
ORDER BY month

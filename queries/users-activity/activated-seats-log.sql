-- Activated seats log: every user counted as an active seat in at least one
-- month, with the day they became one (the login that completed their third
-- distinct ISO week with a login during the subscription term). Disabled
-- users never count; a user removed before the end of the month they
-- activated in never counted. Most recent activation first.
WITH login_weeks AS (
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
    SELECT a.activated_at, u.*,
        CASE WHEN u.removed_at < as_of_end() THEN u.removed_at END AS removed_before_as_of
    FROM activations AS a
    JOIN users AS u USING (user_id)
    WHERE u.user_type IS DISTINCT FROM 'disabled'
)
SELECT CAST(s.activated_at AS DATE) AS activated_on,
    s.email,
    s.full_name,
    o.organization_name,
    nullif(trim(s.team), '') AS team,
    s.role,
    CAST(s.removed_before_as_of AS DATE) AS removed_on
FROM seats AS s
LEFT JOIN organizations AS o USING (organization_id)
WHERE s.removed_before_as_of IS NULL
    OR date_trunc('month', s.activated_at) + INTERVAL 1 MONTH <= s.removed_before_as_of
ORDER BY s.activated_at DESC, s.email

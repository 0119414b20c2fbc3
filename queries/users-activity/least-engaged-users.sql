-- Least engaged users: the 10 current users (not disabled, not removed by the
-- as-of date) with the fewest page visits in the current month, then the
-- fewest logins; with their last login ever (up to the as-of date).
WITH current_users AS (
    SELECT *
    FROM users
    WHERE user_type IS DISTINCT FROM 'disabled'
        AND (removed_at IS NULL OR removed_at >= as_of_end())
),
user_logins AS (
    SELECT user_id,
        count(*) FILTER (WHERE logged_in_at >= month_start()) AS logins,
        max(logged_in_at) AS last_login_at
    FROM logins
    WHERE logged_in_at < as_of_end()
    GROUP BY user_id
),
month_visits AS (
    SELECT user_id, count(*) AS page_visits
    FROM page_visits
    WHERE visited_at >= month_start() AND visited_at < as_of_end()
    GROUP BY user_id
)
SELECT cu.email,
    cu.full_name,
    o.organization_name,
    nullif(trim(cu.team), '') AS team,
    cu.role,
    coalesce(v.page_visits, 0) AS page_visits,
    coalesce(l.logins, 0) AS logins,
    l.last_login_at
FROM current_users AS cu
LEFT JOIN organizations AS o USING (organization_id)
LEFT JOIN user_logins AS l USING (user_id)
LEFT JOIN month_visits AS v USING (user_id)
ORDER BY page_visits, logins, cu.email
LIMIT 10

-- Least engaged teams: page visits per user in the current month (the
-- as-of date's month, up to the as-of date), for teams of current users (not
-- disabled, not removed by the as-of date). Users without a team are left
-- out. Ties are broken by total page visits, then by team name.
WITH current_users AS (
    SELECT user_id, organization_id, trim(team) AS team
    FROM users
    WHERE user_type IS DISTINCT FROM 'disabled'
        AND (removed_at IS NULL OR removed_at >= as_of_end())
        AND nullif(trim(team), '') IS NOT NULL
),
month_logins AS (
    SELECT user_id, count(*) AS logins
    FROM logins
    WHERE logged_in_at >= month_start() AND logged_in_at < as_of_end()
    GROUP BY user_id
),
month_visits AS (
    SELECT user_id, count(*) AS page_visits
    FROM page_visits
    WHERE visited_at >= month_start() AND visited_at < as_of_end()
    GROUP BY user_id
),
teams AS (
    SELECT cu.team,
        coalesce(o.organization_name, cu.organization_id) AS organization_name,
        count(*) AS users,
        CAST(coalesce(sum(l.logins), 0) AS BIGINT) AS logins,
        CAST(coalesce(sum(v.page_visits), 0) AS BIGINT) AS page_visits
    FROM current_users AS cu
    LEFT JOIN organizations AS o USING (organization_id)
    LEFT JOIN month_logins AS l USING (user_id)
    LEFT JOIN month_visits AS v USING (user_id)
    GROUP BY cu.team, cu.organization_id, o.organization_name
)
SELECT team,
    organization_name,
    users,
    logins,
    page_visits,
    round(page_visits / users, 1) AS visits_per_user
FROM teams
ORDER BY page_visits / users ASC, page_visits ASC, team, organization_name
LIMIT 5

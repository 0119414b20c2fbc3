-- Latest logins: every person who logged in during the last 7 days (the 7
-- days ending on the as-of date), per organization they logged in to, with
-- how many times and when they last did; the role is theirs in that
-- organization (none when it does not list them). Most recent first.
WITH recent AS (
    SELECT user_id, org_key(organization_id) AS organization_id, logged_in_at
    FROM logins
    WHERE logged_in_at >= week_start() AND logged_in_at < as_of_end()
)
SELECT coalesce(u.email, p.email, l.user_id) AS email,
    coalesce(u.full_name, p.full_name) AS full_name,
    org_label(o.organization_name, l.organization_id) AS organization_name,
    u.role,
    count(*) AS logins,
    max(l.logged_in_at) AS last_login_at
FROM recent AS l
LEFT JOIN memberships() AS u
    ON u.user_id = l.user_id AND u.organization_id IS NOT DISTINCT FROM l.organization_id
LEFT JOIN people() AS p ON p.user_id = l.user_id
LEFT JOIN organization_names() AS o ON o.organization_id = l.organization_id
GROUP BY l.user_id, l.organization_id, u.email, p.email, u.full_name, p.full_name, o.organization_name, u.role
ORDER BY last_login_at DESC, email, organization_name

-- Latest logins: every user who logged in during the last 7 days (the 7 days
-- ending on the as-of date), with how many times and when they last did.
-- Most recent first.
SELECT coalesce(u.email, l.user_id) AS email,
    u.full_name,
    coalesce(o.organization_name, l.organization_id) AS organization_name,
    u.role,
    count(*) AS logins,
    max(l.logged_in_at) AS last_login_at
FROM logins AS l
LEFT JOIN users AS u USING (user_id)
LEFT JOIN organizations AS o ON o.organization_id = l.organization_id
WHERE l.logged_in_at >= week_start() AND l.logged_in_at < as_of_end()
GROUP BY l.user_id, u.email, u.full_name, l.organization_id, o.organization_name, u.role
ORDER BY last_login_at DESC, email

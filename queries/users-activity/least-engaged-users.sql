-- Least engaged users: the 10 current members (not disabled, not removed by
-- the as-of date) with the fewest page visits in the current month, then the
-- fewest logins, with their last login up to the as-of date. A person in
-- several organizations has a row for each, with what they did in it
-- (member_activity()).
SELECT a.email,
    a.full_name,
    org_label(o.organization_name, a.organization_id) AS organization_name,
    a.team,
    a.role,
    a.page_visits,
    a.logins,
    a.last_login_at
FROM member_activity() AS a
LEFT JOIN organization_names() AS o USING (organization_id)
ORDER BY a.page_visits, a.logins, a.email, organization_name, a.user_id
LIMIT 10

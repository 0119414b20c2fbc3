-- Activated seats log: every person counted as an active seat in at least
-- one month (active_seats()), with the day they became one and, if their
-- seat ended by the as-of date, the day it did. Organization, team and role
-- are those of the organization of the login that made them a seat (their
-- first organization when that one does not list them). Most recent
-- activation first.
SELECT CAST(s.activated_at AS DATE) AS activated_on,
    coalesce(u.email, p.email) AS email,
    coalesce(u.full_name, p.full_name) AS full_name,
    org_label(o.organization_name, s.organization_id) AS organization_name,
    u.team,
    u.role,
    CAST(s.removed_at AS DATE) AS removed_on
FROM active_seats() AS s
JOIN people() AS p USING (user_id)
LEFT JOIN memberships() AS u
    ON u.user_id = s.user_id AND u.organization_id IS NOT DISTINCT FROM s.organization_id
LEFT JOIN organization_names() AS o ON o.organization_id = s.organization_id
ORDER BY s.activated_at DESC, email, s.user_id

-- Most or least engaged teams (params.rank = 'most' or 'least'): the 5 teams
-- with the most (or fewest) page visits per current member in the current
-- month (the as-of date's month, up to the as-of date). A team belongs to an
-- organization; a person counts in the team they have in each organization
-- that lists them (member_activity()). Members without a team are left out.
-- Ties are broken by total page visits, then by team and organization name.
WITH teams AS (
    SELECT team,
        organization_id,
        count(*) AS users,
        CAST(sum(logins) AS BIGINT) AS logins,
        CAST(sum(page_visits) AS BIGINT) AS page_visits
    FROM member_activity()
    WHERE team IS NOT NULL
    GROUP BY team, organization_id
),
ranked AS (
    SELECT t.*,
        org_label(o.organization_name, t.organization_id) AS organization_name,
        CASE getvariable('rank')
            WHEN 'most' THEN -1
            WHEN 'least' THEN 1
            ELSE error('params.rank must be ''most'' or ''least''')
        END AS direction
    FROM teams AS t
    LEFT JOIN organization_names() AS o USING (organization_id)
)
SELECT team,
    organization_name,
    users,
    logins,
    page_visits,
    round(page_visits / users, 1) AS visits_per_user
FROM ranked
ORDER BY direction * page_visits / users, direction * page_visits, team, organization_name, organization_id
LIMIT 5

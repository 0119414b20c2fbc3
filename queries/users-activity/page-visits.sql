-- Page visits by role during month (params.role = 'member' or 'admin'): page
-- visits by people with that role in the organization of the visit
-- (visits()), one row per month from the first month of the page-visit
-- history to the as-of month (zero where nothing happened), with the number
-- of different visitors, the change against the previous month and, for the
-- as-of month, the previous month over the same days (monthly_flow()).
WITH role_visits AS (
    SELECT visited_at AS happened_at, user_id
    FROM visits()
    WHERE role = getvariable('role')
)
SELECT month,
    events AS page_visits,
    users AS visitors,
    change,
    previous_to_date
FROM monthly_flow('role_visits', (SELECT min(visited_at) FROM page_visits))
ORDER BY month

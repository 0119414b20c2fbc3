-- Popular pages by role (params.role = 'member' or 'admin'): the 10 most
-- visited pages in the current month (up to the as-of date) by people with
-- that role in the organization of the visit (visits()), with how many
-- different people visited each.
SELECT page,
    count(*) AS visits,
    count(DISTINCT user_id) AS users
FROM visits()
WHERE role = getvariable('role') AND visited_at >= month_start()
GROUP BY page
ORDER BY visits DESC, page
LIMIT 10

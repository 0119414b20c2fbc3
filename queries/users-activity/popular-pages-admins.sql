-- Popular pages by admin users: the 10 most visited pages in the current
-- month (up to the as-of date) by users whose role is `admin`, with how
-- many different users visited each.
SELECT v.page,
    count(*) AS visits,
    count(DISTINCT v.user_id) AS users
FROM page_visits AS v
JOIN users AS u USING (user_id)
WHERE u.role = 'admin'
    AND v.visited_at >= month_start() AND v.visited_at < as_of_end()
GROUP BY v.page
ORDER BY visits DESC, v.page
LIMIT 10

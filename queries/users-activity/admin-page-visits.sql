-- Admin page visits during month: page visits by users whose role is
-- `admin`, one row per month from the first month of the page-visit
-- history to the as-of month (zero where nothing happened), with the number
-- of different users who visited and the change against the previous month.
WITH months AS (
    SELECT CAST(unnest(generate_series(first_month, month_start(), INTERVAL 1 MONTH)) AS DATE) AS month
    FROM (
        SELECT least(coalesce(CAST(date_trunc('month', min(visited_at)) AS DATE), month_start()), month_start()) AS first_month
        FROM page_visits
    )
),
visits AS (
    SELECT CAST(date_trunc('month', v.visited_at) AS DATE) AS month,
        count(*) AS page_visits,
        count(DISTINCT v.user_id) AS visitors
    FROM page_visits AS v
    JOIN users AS u USING (user_id)
    WHERE u.role = 'admin' AND v.visited_at < as_of_end()
    GROUP BY 1
)
SELECT m.month,
    coalesce(v.page_visits, 0) AS page_visits,
    coalesce(v.visitors, 0) AS visitors,
    coalesce(v.page_visits, 0) - lag(coalesce(v.page_visits, 0)) OVER (ORDER BY m.month) AS change
FROM months AS m
LEFT JOIN visits AS v USING (month)
ORDER BY m.month

-- Monthly MCP calls: invocations with interface `mcp`, one row per month
-- from the first month of the invocation history to the as-of month (zero
-- where there were none), with the change against the previous month.
WITH months AS (
    SELECT CAST(unnest(generate_series(first_month, month_start(), INTERVAL 1 MONTH)) AS DATE) AS month
    FROM (
        SELECT least(coalesce(CAST(date_trunc('month', min(invoked_at)) AS DATE), month_start()), month_start()) AS first_month
        FROM ai_invocations
    )
),
counts AS (
    SELECT CAST(date_trunc('month', invoked_at) AS DATE) AS month, count(*) AS n
    FROM ai_invocations
    WHERE interface = 'mcp' AND invoked_at < as_of_end()
    GROUP BY 1
)
SELECT m.month,
    coalesce(c.n, 0) AS mcp_calls,
    coalesce(c.n, 0) - lag(coalesce(c.n, 0)) OVER (ORDER BY m.month) AS change
FROM months AS m
LEFT JOIN counts AS c USING (month)
ORDER BY m.month

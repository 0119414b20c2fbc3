-- Monthly MCP calls: invocations with interface `mcp`, one row per month
-- from the first month of the invocation history to the as-of month (zero
-- where there were none), with the change against the previous month and,
-- for the as-of month, the previous month over the same days
-- (monthly_flow(); monthly-ai-interactions is the same with interface `ai`).
WITH mcp AS (
    SELECT invoked_at AS happened_at, user_id FROM ai_invocations WHERE interface = 'mcp'
)
SELECT month, events AS mcp_calls, change, previous_to_date
FROM monthly_flow('mcp', (SELECT min(invoked_at) FROM ai_invocations))
ORDER BY month

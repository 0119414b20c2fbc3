-- Monthly AI interactions: invocations with interface `ai`, one row per
-- month from the first month of the invocation history to the as-of month
-- (zero where there were none), with the change against the previous month
-- and, for the as-of month, the previous month over the same days
-- (monthly_flow(); monthly-mcp-calls is the same with interface `mcp`).
WITH ai AS (
    SELECT invoked_at AS happened_at, user_id FROM ai_invocations WHERE interface = 'ai'
)
SELECT month, events AS interactions, change, previous_to_date
FROM monthly_flow('ai', (SELECT min(invoked_at) FROM ai_invocations))
ORDER BY month

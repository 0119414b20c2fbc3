-- AI & MCP usage per user: all invocations up to the as-of date, per user and
-- organization: AI interactions (interface `ai`), MCP calls (interface `mcp`),
-- both together, and the last one. Invocations without a user are grouped as
-- "No user". Heaviest users first.
SELECT CASE
        WHEN nullif(trim(i.user_id), '') IS NULL THEN 'No user'
        ELSE coalesce(u.email, i.user_id)
    END AS "user",
    u.full_name,
    coalesce(o.organization_name, i.organization_id) AS organization_name,
    count(*) FILTER (WHERE i.interface = 'ai') AS ai_interactions,
    count(*) FILTER (WHERE i.interface = 'mcp') AS mcp_calls,
    count(*) AS total,
    max(i.invoked_at) AS last_used_at
FROM ai_invocations AS i
LEFT JOIN users AS u USING (user_id)
LEFT JOIN organizations AS o ON o.organization_id = i.organization_id
WHERE i.interface IN ('ai', 'mcp') AND i.invoked_at < as_of_end()
GROUP BY 1, u.full_name, i.organization_id, o.organization_name
ORDER BY total DESC, "user", organization_name

-- AI & MCP usage per user: all invocations up to the as-of date, per person
-- and organization: AI interactions (interface `ai`), MCP calls (interface
-- `mcp`), both together, and the last one; name and email from the users
-- export's row for that organization (else their first: people()).
-- Invocations without a user are "No user". Heaviest users first.
WITH invocations AS (
    SELECT nullif(user_id, '') AS user_id, org_key(organization_id) AS organization_id, interface, invoked_at
    FROM ai_invocations
    WHERE interface IN ('ai', 'mcp') AND invoked_at < as_of_end()
)
SELECT CASE WHEN i.user_id IS NULL THEN 'No user' ELSE coalesce(u.email, p.email, i.user_id) END AS "user",
    coalesce(u.full_name, p.full_name) AS full_name,
    org_label(o.organization_name, i.organization_id) AS organization_name,
    count(*) FILTER (WHERE i.interface = 'ai') AS ai_interactions,
    count(*) FILTER (WHERE i.interface = 'mcp') AS mcp_calls,
    count(*) AS total,
    max(i.invoked_at) AS last_used_at
FROM invocations AS i
LEFT JOIN memberships() AS u
    ON u.user_id = i.user_id AND u.organization_id IS NOT DISTINCT FROM i.organization_id
LEFT JOIN people() AS p ON p.user_id = i.user_id
LEFT JOIN organization_names() AS o ON o.organization_id = i.organization_id
GROUP BY i.user_id, u.email, p.email, u.full_name, p.full_name, i.organization_id, o.organization_name
ORDER BY total DESC, "user", organization_name, i.user_id

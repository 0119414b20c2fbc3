-- AI invocations by source: all AI invocations (interface `ai`) up to the
-- as-of date, per source; a missing, null or empty source counts as "Other".
-- Largest first.
SELECT coalesce(nullif(trim(source), ''), 'Other') AS source,
    count(*) AS invocations
FROM ai_invocations
WHERE interface = 'ai' AND invoked_at < as_of_end()
GROUP BY 1
ORDER BY invocations DESC, source

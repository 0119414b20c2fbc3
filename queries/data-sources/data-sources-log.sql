-- Data sources log: every data source created up to the as-of date, newest
-- first, with its type, organization, when it was created and, if it was
-- deleted by the as-of date, when.
SELECT d.type,
    d.name,
    coalesce(o.organization_name, d.organization_id) AS organization_name,
    d.created_at,
    CASE WHEN d.deleted_at < as_of_end() THEN d.deleted_at END AS deleted_at,
    CASE WHEN d.deleted_at < as_of_end() THEN 'deleted' ELSE 'connected' END AS status
FROM data_sources AS d
LEFT JOIN organizations AS o USING (organization_id)
WHERE d.created_at < as_of_end()
ORDER BY d.created_at DESC, d.name, d.data_source_id

-- Data sources log: every data source created up to the as-of date, newest
-- first, as it stood on the as-of date: its type, organization, when it was
-- created and, if it was deleted by then, when (a deletion after the as-of
-- date has not happened yet: the source is connected).
SELECT d.type,
    d.name,
    org_label(o.organization_name, d.organization_id) AS organization_name,
    d.created_at,
    CASE WHEN d.deleted_at < as_of_end() THEN d.deleted_at END AS deleted_at,
    CASE WHEN d.deleted_at < as_of_end() THEN 'deleted' ELSE 'connected' END AS status
FROM data_sources AS d
LEFT JOIN organization_names() AS o ON o.organization_id = org_key(d.organization_id)
WHERE d.created_at < as_of_end()
ORDER BY d.created_at DESC, d.name, d.data_source_id

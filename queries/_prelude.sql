-- The shared definitions of the default reports: every number that more
-- than one report shows is defined here once, as a DuckDB macro, and the
-- reports in `queries/<tab>/` use it. tally defines these macros on every
-- connection before it runs a report, after the parameter macros (as_of(),
-- as_of_end(), month_start(), year_start(), week_start(),
-- previous_month_start(), previous_to_date_end(), subscription_start()).
--
-- Rules for this file (tally checks them): every statement is a
-- `CREATE OR REPLACE TEMP MACRO`; a macro uses only macros defined above it;
-- tables are named without a schema (`users`, never `main.users`), so the
-- same macros work over a view's filtered tables. "View SQL" on a report's
-- card shows the macros it uses, with the comment above each.

-- Organizations --------------------------------------------------------------

-- A row's organization id, or NULL when it has none (missing, null or
-- empty). Ids are text whatever type the export gives them.
CREATE OR REPLACE TEMP MACRO org_key(organization_id) AS
    nullif(CAST(organization_id AS VARCHAR), '');

-- How an organization is named in a breakdown: its name, else its id; rows
-- without an organization (an API run with a service token, say) are
-- "(no organization)".
CREATE OR REPLACE TEMP MACRO org_label(organization_name, organization_id) AS
    coalesce(nullif(trim(organization_name), ''), org_key(organization_id), '(no organization)');

-- One name per organization id (an export that lists an organization twice
-- must not double the rows joined to it).
CREATE OR REPLACE TEMP MACRO organization_names() AS TABLE
    SELECT org_key(organization_id) AS organization_id,
        max(organization_name) AS organization_name
    FROM organizations
    WHERE org_key(organization_id) IS NOT NULL
    GROUP BY 1;

-- Users ----------------------------------------------------------------------

-- One row per person and organization: the users export lists a person once
-- per organization they belong to, with that organization's role and team.
-- Events that carry an organization join here on (user_id, organization_id),
-- so a person in two organizations is never counted twice. The state is the
-- one at the as-of date: a removal after it has not happened yet.
CREATE OR REPLACE TEMP MACRO memberships() AS TABLE
    SELECT DISTINCT ON (user_id, org_key(organization_id))
        user_id,
        org_key(organization_id) AS organization_id,
        email,
        full_name,
        nullif(trim(role), '') AS role,
        nullif(trim(team), '') AS team,
        coalesce(user_type = 'disabled', false) AS disabled,
        CASE WHEN removed_at < as_of_end() THEN removed_at END AS removed_at
    FROM users
    WHERE nullif(user_id, '') IS NOT NULL
    ORDER BY user_id, org_key(organization_id), created_at DESC NULLS LAST, email;

-- One row per person (user_id), with the email and name of their first
-- membership by organization id: for an event in an organization that does
-- not list them (a login without an organization, say).
CREATE OR REPLACE TEMP MACRO people() AS TABLE
    SELECT user_id,
        arg_min(email, coalesce(organization_id, '')) AS email,
        arg_min(full_name, coalesce(organization_id, '')) AS full_name,
        min(organization_id) AS first_organization_id
    FROM memberships()
    GROUP BY user_id;

-- Active seats ---------------------------------------------------------------

-- The login that made each person an active seat: the first login of the
-- third distinct ISO week (Monday to Sunday, UTC) with a login during the
-- subscription term. A person's logins count in every organization they log
-- in to; `organization_id` is the organization of that login.
CREATE OR REPLACE TEMP MACRO seat_activations() AS TABLE
    WITH weeks AS (
        -- the first login of each ISO week in which a person logged in
        SELECT user_id, date_trunc('week', logged_in_at) AS week, min(logged_in_at) AS first_login
        FROM logins
        WHERE logged_in_at >= subscription_start() AND logged_in_at < as_of_end()
            AND nullif(user_id, '') IS NOT NULL
        GROUP BY 1, 2
    ),
    third_weeks AS (
        SELECT user_id, first_login
        FROM (SELECT *, row_number() OVER (PARTITION BY user_id ORDER BY week) AS week_number FROM weeks)
        WHERE week_number = 3
    )
    SELECT t.user_id,
        t.first_login AS activated_at,
        -- two logins at the same instant: the first organization by id
        min(org_key(l.organization_id)) AS organization_id
    FROM third_weeks AS t
    JOIN logins AS l ON l.user_id = t.user_id AND l.logged_in_at = t.first_login
    GROUP BY t.user_id, t.first_login;

-- Every person counted as an active seat in at least one month, with the
-- month they count from and, if their seat ended by the as-of date, when.
-- A person is one seat however many organizations list them, and holds it
-- while one of their memberships is neither disabled nor removed: a disabled
-- membership counts in no month (the export holds only the current state),
-- and a person whose memberships are all removed stops counting with the
-- month that ends after the last removal. `organization_id` is the
-- organization of the login that made them a seat, or their first one when
-- that organization does not list them.
CREATE OR REPLACE TEMP MACRO active_seats() AS TABLE
    WITH holders AS (
        SELECT user_id,
            bool_or(removed_at IS NULL) AS still_member,
            max(removed_at) AS last_removed_at
        FROM memberships()
        WHERE NOT disabled
        GROUP BY user_id
    ),
    seats AS (
        SELECT a.user_id,
            a.activated_at,
            CASE WHEN m.user_id IS NOT NULL THEN a.organization_id ELSE p.first_organization_id END
                AS organization_id,
            CAST(date_trunc('month', a.activated_at) AS DATE) AS first_month,
            CASE WHEN NOT h.still_member THEN h.last_removed_at END AS removed_at
        FROM seat_activations() AS a
        JOIN holders AS h USING (user_id)
        JOIN people() AS p USING (user_id)
        LEFT JOIN memberships() AS m
            ON m.user_id = a.user_id AND m.organization_id IS NOT DISTINCT FROM a.organization_id
    )
    SELECT * FROM seats
    WHERE removed_at IS NULL OR first_month + INTERVAL 1 MONTH <= removed_at;

-- Months ---------------------------------------------------------------------

-- One row per month (its first day), from the month of `first_at` to the
-- as-of month; only the as-of month when `first_at` is NULL (no history).
CREATE OR REPLACE TEMP MACRO month_series(first_at) AS TABLE
    SELECT CAST(unnest(generate_series(
        least(coalesce(CAST(date_trunc('month', CAST(first_at AS TIMESTAMP)) AS DATE), month_start()), month_start()),
        month_start(),
        INTERVAL 1 MONTH)) AS DATE) AS month;

-- A flow (runs, visits, invocations) per month. `event_table` names a table
-- or a CTE of the calling query with columns `happened_at` (TIMESTAMP) and
-- `user_id`; `first_at` is where the series starts (the history start of
-- the export the events come from). One row per month of
-- month_series(first_at): `events`, its rows counted (zero in a month without
-- any), `users` (different user_id values), `change` against the previous
-- month, and, on the as-of month only, `previous_to_date`: the previous
-- month's events over the same days (1 to the as-of day), the like-for-like
-- comparison for a month that is not over yet.
CREATE OR REPLACE TEMP MACRO monthly_flow(event_table, first_at) AS TABLE
    WITH counts AS (
        -- `to_date`: the month's events up to the same day as the as-of
        -- date; what the as-of month compares with, on its previous month
        SELECT CAST(date_trunc('month', happened_at) AS DATE) AS month,
            count(*) AS events,
            count(DISTINCT user_id) AS users,
            count(*) FILTER (WHERE happened_at < previous_to_date_end()) AS to_date
        FROM query_table(event_table)
        WHERE happened_at < as_of_end()
        GROUP BY 1
    ),
    series AS (
        SELECT m.month,
            coalesce(c.events, 0) AS events,
            coalesce(c.users, 0) AS users,
            lag(coalesce(c.events, 0)) OVER (ORDER BY m.month) AS previous,
            lag(coalesce(c.to_date, 0)) OVER (ORDER BY m.month) AS previous_to_date
        FROM month_series(first_at) AS m
        LEFT JOIN counts AS c USING (month)
    )
    SELECT month, events, users, events - previous AS change,
        CASE WHEN month = month_start() THEN previous_to_date END AS previous_to_date
    FROM series;

-- monthly_flow, one series per organization: every organization of the
-- organizations export (zero where it had no events) and every other
-- organization id the events carry, with events without an organization as
-- "(no organization)". `event_table` has columns `happened_at` and
-- `organization_id`.
CREATE OR REPLACE TEMP MACRO monthly_flow_by_organization(event_table, first_at) AS TABLE
    WITH counts AS (
        SELECT CAST(date_trunc('month', happened_at) AS DATE) AS month,
            org_key(organization_id) AS organization_id,
            count(*) AS events,
            count(*) FILTER (WHERE happened_at < previous_to_date_end()) AS to_date
        FROM query_table(event_table)
        WHERE happened_at < as_of_end()
        GROUP BY 1, 2
    ),
    orgs AS (
        SELECT organization_id FROM organization_names()
        UNION
        SELECT organization_id FROM counts
    ),
    series AS (
        SELECT m.month, g.organization_id,
            coalesce(c.events, 0) AS events,
            lag(coalesce(c.events, 0)) OVER (PARTITION BY g.organization_id ORDER BY m.month) AS previous,
            lag(coalesce(c.to_date, 0)) OVER (PARTITION BY g.organization_id ORDER BY m.month) AS previous_to_date
        FROM month_series(first_at) AS m
        CROSS JOIN orgs AS g
        LEFT JOIN counts AS c ON c.month = m.month AND c.organization_id IS NOT DISTINCT FROM g.organization_id
    )
    SELECT s.month,
        s.organization_id,
        org_label(o.organization_name, s.organization_id) AS organization_name,
        s.events,
        s.events - s.previous AS change,
        CASE WHEN s.month = month_start() THEN s.previous_to_date END AS previous_to_date
    FROM series AS s
    LEFT JOIN organization_names() AS o ON o.organization_id = s.organization_id;

-- Page visits ----------------------------------------------------------------

-- Page visits up to the as-of date, with the role and team the visitor has
-- in the organization of the visit (NULL when the users export does not
-- list them there).
CREATE OR REPLACE TEMP MACRO visits() AS TABLE
    SELECT v.visited_at, org_key(v.organization_id) AS organization_id, v.user_id, v.page, u.role, u.team
    FROM page_visits AS v
    LEFT JOIN memberships() AS u
        ON u.user_id = v.user_id AND u.organization_id IS NOT DISTINCT FROM org_key(v.organization_id)
    WHERE v.visited_at < as_of_end();

-- Every current member (not disabled, not removed by the as-of date), one
-- row per person and organization, with what they did there: logins and
-- page visits in the current month, and their last login there up to the
-- as-of date.
CREATE OR REPLACE TEMP MACRO member_activity() AS TABLE
    WITH login_counts AS (
        SELECT user_id, org_key(organization_id) AS organization_id,
            count(*) FILTER (WHERE logged_in_at >= month_start()) AS logins,
            max(logged_in_at) AS last_login_at
        FROM logins
        WHERE logged_in_at < as_of_end()
        GROUP BY 1, 2
    ),
    visit_counts AS (
        SELECT user_id, org_key(organization_id) AS organization_id, count(*) AS page_visits
        FROM page_visits
        WHERE visited_at >= month_start() AND visited_at < as_of_end()
        GROUP BY 1, 2
    )
    SELECT m.user_id, m.organization_id, m.email, m.full_name, m.role, m.team,
        coalesce(l.logins, 0) AS logins,
        coalesce(v.page_visits, 0) AS page_visits,
        l.last_login_at
    FROM memberships() AS m
    LEFT JOIN login_counts AS l
        ON l.user_id = m.user_id AND l.organization_id IS NOT DISTINCT FROM m.organization_id
    LEFT JOIN visit_counts AS v
        ON v.user_id = m.user_id AND v.organization_id IS NOT DISTINCT FROM m.organization_id
    WHERE NOT m.disabled AND m.removed_at IS NULL;

-- Actions and automations ----------------------------------------------------

-- Action and automation runs started up to the as-of date, as they stood on
-- it: a run that ended after the as-of date is `in_progress`, without
-- `ended_at`. `role` and `team` are the run's own (empty when it has none).
CREATE OR REPLACE TEMP MACRO runs() AS TABLE
    SELECT run_id,
        org_key(organization_id) AS organization_id,
        run_type,
        action_identifier,
        trigger,
        CASE WHEN ended_at >= as_of_end() THEN 'in_progress' ELSE status END AS status,
        started_at,
        CASE WHEN ended_at < as_of_end() THEN ended_at END AS ended_at,
        nullif(user_id, '') AS user_id,
        nullif(role, '') AS role,
        nullif(team, '') AS team
    FROM action_runs
    WHERE started_at < as_of_end();

-- An action is identified by `action_identifier` and named by the latest
-- title seen for it up to the as-of date (a renamed action is one action;
-- two actions with the same title are two).
CREATE OR REPLACE TEMP MACRO action_titles() AS TABLE
    SELECT action_identifier, arg_max(action_title, (started_at, run_id)) AS action_title
    FROM action_runs
    WHERE started_at < as_of_end()
    GROUP BY action_identifier;

-- runs() with the person who started each: the role and team are the run's
-- own, else the user's in the run's organization; the email and name the
-- user's there, else their first (people()).
CREATE OR REPLACE TEMP MACRO runs_by_person() AS TABLE
    SELECT r.* REPLACE (
            coalesce(r.role, u.role) AS role,
            coalesce(r.team, u.team) AS team
        ),
        coalesce(u.email, p.email) AS email,
        coalesce(u.full_name, p.full_name) AS full_name
    FROM runs() AS r
    LEFT JOIN memberships() AS u
        ON u.user_id = r.user_id AND u.organization_id IS NOT DISTINCT FROM r.organization_id
    LEFT JOIN people() AS p ON p.user_id = r.user_id;

-- Entities -------------------------------------------------------------------

-- Entity counts are a level: for every month from the first snapshot to the
-- as-of month, each organization's last snapshot on or before the month's
-- end (the as-of date, for the as-of month), one row per blueprint of that
-- snapshot. A month without a snapshot carries the previous one forward;
-- before an organization's first snapshot it has no rows (no value, not
-- zero).
CREATE OR REPLACE TEMP MACRO entity_levels() AS TABLE
    WITH snapshots AS (
        SELECT CAST(snapshot_date AS DATE) AS day,
            org_key(organization_id) AS organization_id,
            blueprint,
            entity_count
        FROM entity_counts
        WHERE CAST(snapshot_date AS DATE) <= as_of()
    ),
    days AS (
        SELECT DISTINCT organization_id, day FROM snapshots
    ),
    latest AS (
        SELECT m.month, d.organization_id, max(d.day) AS day
        FROM month_series((SELECT min(day) FROM snapshots)) AS m
        JOIN days AS d ON d.day < m.month + INTERVAL 1 MONTH
        GROUP BY m.month, d.organization_id
    )
    SELECT l.month, l.organization_id, l.day AS snapshot_date, s.blueprint, s.entity_count
    FROM latest AS l
    JOIN snapshots AS s ON s.day = l.day AND s.organization_id IS NOT DISTINCT FROM l.organization_id;

-- Entities per month, summed over organizations and blueprints, with the
-- change against the previous month. NULL (no value) in a month before any
-- snapshot.
CREATE OR REPLACE TEMP MACRO monthly_entities() AS TABLE
    WITH totals AS (
        SELECT m.month, CAST(sum(l.entity_count) AS BIGINT) AS entities
        FROM month_series((SELECT min(snapshot_date) FROM entity_counts WHERE CAST(snapshot_date AS DATE) <= as_of())) AS m
        LEFT JOIN entity_levels() AS l USING (month)
        GROUP BY m.month
    )
    SELECT month, entities, entities - lag(entities) OVER (ORDER BY month) AS change
    FROM totals;

-- Data sources ---------------------------------------------------------------

-- Data sources are a level: those connected at the end of each month (the
-- end of the as-of date, for the as-of month), from the month the first was
-- created; a deletion after that moment has not happened yet. With the
-- change against the previous month.
CREATE OR REPLACE TEMP MACRO monthly_data_sources() AS TABLE
    WITH ends AS (
        SELECT month, least(month + INTERVAL 1 MONTH, as_of_end()) AS month_end
        FROM month_series((SELECT min(created_at) FROM data_sources WHERE created_at < as_of_end()))
    ),
    counts AS (
        SELECT e.month, count(d.created_at) AS data_sources
        FROM ends AS e
        LEFT JOIN data_sources AS d
            ON d.created_at < e.month_end AND (d.deleted_at IS NULL OR d.deleted_at >= e.month_end)
        GROUP BY e.month
    )
    SELECT month, data_sources, data_sources - lag(data_sources) OVER (ORDER BY month) AS change
    FROM counts;

#!/usr/bin/env python3
"""DuckDB alone doing tally's data work: the floor a whole-site build is
measured against (bench/views.sh).

    python3 bench/floor.py SITE_TOML DATA_DIR BUILT_SITE [--views]

Loads every export of DATA_DIR into an in-memory DuckDB the way tally does
(one table per file or folder, the types site.toml pins, timestamps as UTC
TIMESTAMP, rows after the as-of date dropped), then runs every query of the
built site's `<tab>/queries.sql` (the parameter and prelude macros, the
report's variables, its query) and writes each result to a CSV. Prints the
seconds it took. Needs the `duckdb` Python package (pip install duckdb).

With `--views`, it then does the data work of the built site's views (the
views its `api/index.json` lists), the way DESIGN.md section 8 asks and
tally does it, and prints the seconds of both: per organization, a schema
of its rows (`organization_id` where a table has it); per team, a schema
cut from its organization's (a `team` column, else the users export);
every report's query there with `search_path`, to a CSV. A team view runs
only the reports whose files the built team view does not share with its
organization's (the reports that read no table a team narrows). One worker
per core, each on its own connection running one query at a time on one
thread, the organizations shared out in order: tally's own scheme. An
organization's rows are cut from copies of the tables sorted by
organization id, which DuckDB reads only the row groups of (tally copies
batches of about √n organizations instead, which the profile puts at a few
percent of its time). Files, charts and PDFs are not made: this is the
floor of the queries alone.
"""
import glob
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import tomllib

import duckdb

EXTENSIONS = [(".csv.gz", "csv"), (".csv", "csv"), (".tsv", "tsv"), (".jsonl", "jsonl"),
              (".ndjson", "jsonl"), (".json", "json"), (".parquet", "parquet")]


def kind(path):
    for ext, k in EXTENSIONS:
        if path.endswith(ext):
            return k, os.path.basename(path)[: -len(ext)]
    return None, None


def sources(data_dir):
    tables = {}
    for entry in sorted(os.listdir(data_dir)):
        path = os.path.join(data_dir, entry)
        if entry.startswith("."):
            continue
        if os.path.isdir(path):
            files = sorted(f for f in glob.glob(os.path.join(path, "*")) if kind(f)[0])
            if files:
                tables[entry] = (kind(files[0])[0], files)
        else:
            k, stem = kind(path)
            if k:
                tables[stem] = (k, [path])
    return tables


def statements(built):
    """Per tab: the built `queries.sql`'s statements, as (report, sql);
    report is None for a macro or a variable."""
    tabs = []
    for script in sorted(glob.glob(os.path.join(built, "*", "queries.sql"))):
        tab = os.path.basename(os.path.dirname(script))
        out = []
        report = None  # the last `-- Report` header read, which names the next query
        for statement in duckdb.extract_statements(open(script).read()):
            lines = statement.query.strip().splitlines()
            # A statement's text runs on to the comments before the next one.
            trailing = []
            while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("--")):
                trailing.insert(0, lines.pop())
            # Some DuckDB versions keep the comments before a statement.
            while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
                report = header(lines.pop(0)) or report
            sql = "\n".join(lines).strip().rstrip(";")
            is_query = not sql.upper().startswith(("CREATE", "SET", "RESET"))
            out.append((report if is_query else None, sql))
            for line in trailing:
                report = header(line) or report
        tabs.append((tab, out))
    return tabs


def header(line):
    """The report a `-- Report `id`: …` comment line names, if it is one."""
    return line.split("`")[1] if line.startswith("-- Report `") else None


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def literal(text):
    return "'" + text.replace("'", "''") + "'"


def key(column):
    return f"nullif(trim(CAST({ident(column)} AS VARCHAR)), '')"


# The schema of the tables sorted by organization (`views_floor`).
SORTED = "floor_sorted"


def view_schemas(columns, view, source, schema):
    """The statements that copy `source`'s tables (`columns`: their column
    names by table), filtered to `view`, into `schema` (tally's
    `filter_statements`)."""
    users_have_teams = {"user_id", "team", "organization_id"} <= columns.get("users", set())
    org = f"{key('organization_id')} = {literal(view['organization'])}"
    team = view["value"][len(view["organization"]) + 1:] if view["filter"] == "team" else None
    out = [f"CREATE SCHEMA {schema}"]
    for table, cols in columns.items():
        target, origin = f"{schema}.{ident(table)}", f"{source}.{ident(table)}"
        narrows = "team" in cols or ("user_id" in cols and users_have_teams)
        if "organization_id" not in cols or (team is not None and not narrows):
            # not narrowed here: read where it is (main, or the organization's copy)
            out.append(f"CREATE VIEW {target} AS SELECT * FROM {origin}")
            continue
        if team is None and source == "main":
            # an organization's rows, from the copy sorted by organization
            out.append(f"CREATE TABLE {target} AS SELECT * EXCLUDE (floor_key) FROM {SORTED}.{ident(table)} "
                       f"WHERE floor_key = {literal(view['organization'])}")
            continue
        condition = org
        if team is not None:
            users = f"SELECT user_id FROM {source}.users WHERE {org} AND {key('team')} = {literal(team)}"
            own = f"{key('team')} = {literal(team)}" if "team" in cols else None
            via = None
            if "user_id" in cols and users_have_teams:
                via = (f"{key('team')} IS NULL AND " if "team" in cols else "") + f"user_id IN ({users})"
            either = f"({own} OR ({via}))" if own and via and table != "users" else (own or via)
            condition = f"{org} AND {either}"
        out.append(f"CREATE TABLE {target} AS SELECT * FROM {origin} WHERE {condition}")
    return out


def views_floor(con, built, tabs, out):
    """The views' data work (see the module's doc); returns the seconds."""
    views = json.load(open(os.path.join(built, "api", "index.json")))["views"]
    orgs = {v["organization"]: v for v in views if v["filter"] == "organization"}
    groups = {}
    for v in views:
        groups.setdefault(v["organization"], []).append(v)

    def shared(view, tab, report):
        # a team view's report file that is its organization's file (a hard link)
        org = orgs.get(view["organization"])
        if view["filter"] != "team" or org is None:
            return False
        mine, theirs = (os.path.join(built, v["path"], tab, f"{report}.csv") for v in (view, org))
        return os.path.exists(theirs) and os.path.samefile(mine, theirs)

    columns = {t: {c for (c, *_) in con.execute(f"DESCRIBE main.{ident(t)}").fetchall()}
               for (t,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'").fetchall()}
    start = time.perf_counter()
    con.execute(f"CREATE SCHEMA {SORTED}")
    for table, cols in columns.items():
        if "organization_id" in cols:
            con.execute(f"CREATE TABLE {SORTED}.{ident(table)} AS SELECT *, {key('organization_id')} AS floor_key "
                        f"FROM main.{ident(table)} ORDER BY floor_key")
    todo = list(groups.values())
    lock = threading.Lock()
    cores = os.cpu_count() or 1

    def worker(w):
        cur = con.cursor()
        cur.execute("SET threads = 1")
        for _, tab in tabs:
            for report, sql in tab:
                if report is None and sql.upper().startswith("CREATE"):
                    cur.execute(sql)
        while True:
            with lock:
                if not todo:
                    return
                group = todo.pop(0)
            org_schema = None
            for n, view in enumerate(group):
                schema = f"floor_{w}_{n}"
                source = org_schema if view["filter"] == "team" and org_schema else "main"
                for statement in view_schemas(columns, view, source, schema):
                    cur.execute(statement)
                if view["filter"] == "organization":
                    org_schema = schema
                cur.execute(f"SET search_path = '{schema},main'")
                for tab, tab_statements in tabs:
                    for report, sql in tab_statements:
                        if report is None:
                            if not sql.upper().startswith("CREATE"):
                                cur.execute(sql)
                        elif not shared(view, tab, report):
                            name = view["path"].strip("/").replace("/", "-")
                            cur.execute(f"COPY ({sql}) TO '{out}/{name}--{report}.csv' (HEADER)")
                cur.execute("RESET search_path")
            for n in reversed(range(len(group))):
                cur.execute(f"DROP SCHEMA floor_{w}_{n} CASCADE")

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(cores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start


def main():
    site_toml, data_dir, built = sys.argv[1:4]
    with_views = "--views" in sys.argv[4:]
    config = tomllib.load(open(site_toml, "rb"))
    as_of = json.load(open(os.path.join(built, "api", "index.json")))["as_of"]
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET autoinstall_known_extensions = false; SET autoload_known_extensions = false")
    for name, (k, files) in sources(data_dir).items():
        listed = "[" + ", ".join(f"'{f}'" for f in files) + "]"
        reader = {
            "csv": f"read_csv({listed}, header = true, union_by_name = true, delim = ',', quote = '\"', escape = '\"')",
            "tsv": f"read_csv({listed}, header = true, union_by_name = true, delim = '\\t')",
            "json": f"read_json({listed}, format = 'array', union_by_name = true)",
            "jsonl": f"read_json({listed}, format = 'newline_delimited', union_by_name = true)",
            "parquet": f"read_parquet({listed}, union_by_name = true)",
        }[k]
        table = config.get("tables", {}).get(name, {})
        pinned = {**table.get("columns", {}), **table.get("optional_columns", {})}
        described = con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
        casts = []
        for column, ty, *_ in described:
            target = pinned.get(column)
            if target and target.upper().startswith("TIMESTAMP"):
                target = "TIMESTAMP"
            if target is None and ty.startswith("TIMESTAMP") and ty != "TIMESTAMP":
                target = "TIMESTAMP"
            if target:
                casts.append(f'CAST("{column}" AS {target}) AS "{column}"')
        select = f"SELECT * REPLACE ({', '.join(casts)}) FROM {reader}" if casts else f"SELECT * FROM {reader}"
        con.execute(f'CREATE TABLE "{name}" AS {select}')
        column = table.get("time_column")
        if column:
            con.execute(f'DELETE FROM "{name}" WHERE "{column}" >= DATE \'{as_of}\' + INTERVAL 1 DAY')
    out = tempfile.mkdtemp(prefix="tally-floor-")
    tabs = statements(built)
    n = 0
    for _, tab in tabs:
        for report, sql in tab:
            if report is None:
                con.execute(sql)
            else:
                n += 1
                con.execute(f"COPY ({sql}) TO '{out}/{n}.csv' (HEADER)")
    whole = time.perf_counter() - start
    if with_views:
        print(f"{whole:.2f} {n} {views_floor(con, built, tabs, out):.2f}")
    else:
        print(f"{whole:.2f} {n}")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()

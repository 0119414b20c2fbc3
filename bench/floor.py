#!/usr/bin/env python3
"""DuckDB alone doing tally's data work: the floor a whole-site build is
measured against (bench/views.sh).

    python3 bench/floor.py SITE_TOML DATA_DIR BUILT_SITE

Loads every export of DATA_DIR into an in-memory DuckDB the way tally does
(one table per file or folder, the types site.toml pins, timestamps as UTC
TIMESTAMP, rows after the as-of date dropped), then runs every query of the
built site's `<tab>/queries.sql` (the parameter and prelude macros, the
report's variables, its query) and writes each result to a CSV. Prints the
seconds it took. Needs the `duckdb` Python package (pip install duckdb).
"""
import glob
import json
import os
import sys
import tempfile
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


def main():
    site_toml, data_dir, built = sys.argv[1:4]
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
    n = 0
    for script in sorted(glob.glob(os.path.join(built, "*", "queries.sql"))):
        for statement in duckdb.extract_statements(open(script).read()):
            lines = statement.query.strip().splitlines()
            # A statement's text runs on to the comments before the next one.
            while lines and (not lines[-1].strip() or lines[-1].lstrip().startswith("--")):
                lines.pop()
            # Some DuckDB versions keep the comments before a statement.
            while lines and (not lines[0].strip() or lines[0].lstrip().startswith("--")):
                lines.pop(0)
            sql = "\n".join(lines).strip().rstrip(";")
            if sql.upper().startswith(("CREATE", "SET", "RESET")):
                con.execute(sql)
            else:
                n += 1
                con.execute(f"COPY ({sql}) TO '{out}/{n}.csv' (HEADER)")
    print(f"{time.perf_counter() - start:.2f} {n}")


if __name__ == "__main__":
    main()

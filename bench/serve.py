#!/usr/bin/env python3
"""Time `tally serve` from saving a file to the served page showing it.

    bench/serve.sh [SCALE...]          # builds tally, then runs this
    bench/serve.py --tally PATH [--edits N] [SCALE...]

Per scale (default 1 and 10): a temp copy of the default site (site.toml,
queries/, the tab template as a site override under templates/) over the
committed sample exports (scale 1) or `tally sample --scale N`, served by
`tally serve --port 0`. Then, N times each (default 10), one edit is saved
and the Data sources tab is fetched over HTTP every 10 ms until it shows
the edit:

  sql       the query of `total-data-sources` (a comment and a literal
            added to its number): the card's number is the new one
  title     that report's title in site.toml: the card's heading
  template  templates/tab.html (an attribute on the page's <h1>)
  data      a row appended to the data sources export: the card's number

Prints a table of the median and max seconds per change, with the median
of serve's own `rebuilt in` line and of each of its phases.
"""
import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from urllib.parse import urlparse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAB = "/data-sources/"
REPORT = "total-data-sources"
TITLE = 'title = "Data sources total amount"'
SQL = "queries/data-sources/total-data-sources.sql"
SELECT = "SELECT data_sources, change"
TARGETS = {1: {"sql": 1.0, "title": 0.3, "template": 0.3}, 10: {"sql": 3.0, "title": 0.3, "template": 0.3}}
POLL = 0.01
TIMEOUT = 120


class Server:
    """`tally serve` on a free port, its output read line by line."""

    def __init__(self, tally, site, data):
        self.process = subprocess.Popen(
            [tally, "serve", "-c", os.path.join(site, "site.toml"), "--data-dir", data, "--port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.lines = []
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        line = self.wait_line(lambda l: " at http://" in l)
        url = urlparse(re.search(r"at (http://\S+)", line).group(1))
        self.host, self.port = url.hostname, url.port

    def _read(self):
        for line in self.process.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append(None)
            self.cond.notify_all()

    def wait_line(self, matches, start=0):
        """The first line from index `start` on that `matches`."""
        deadline = time.monotonic() + TIMEOUT * 3
        with self.cond:
            while True:
                for line in self.lines[start:]:
                    if line is None:
                        sys.exit("tally serve stopped:\n" + "\n".join(l for l in self.lines if l))
                    if matches(line):
                        return line
                if not self.cond.wait(timeout=deadline - time.monotonic()):
                    sys.exit("tally serve said nothing for too long:\n" + "\n".join(self.lines))

    def mark(self):
        with self.cond:
            return len(self.lines)

    def get(self, path):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", "replace")
        finally:
            connection.close()

    def stop(self):
        self.process.send_signal(2)  # Ctrl-C: serve removes its folder
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def card_number(page):
    match = re.search(r'id="%s".*?number__value">([^<]*)<' % REPORT, page, re.S)
    return int(re.sub(r"\D", "", match.group(1))) if match else None


def card_title(page):
    match = re.search(r'id="%s-title">([^<]*)<' % REPORT, page)
    return match.group(1) if match else None


def rewrite(path, text):
    with open(path, "w") as f:
        f.write(text)


def seconds(line):
    return float(re.search(r"rebuilt in ([\d.]+) s", line).group(1))


def phases(line):
    """`config 0.02 s, data kept 0.04 s, …` of a `rebuilt in` line."""
    inside = line.rsplit("(", 1)[-1]
    return {name: float(s) for name, s in re.findall(r"([a-z][a-z ]*?) ([\d.]+) s", inside)}


def measure(server, edits, save, shows):
    """Saves edit i (1..edits) with `save(i)` and polls the page until
    `shows(page, i)`; returns (seconds to the page, serve's `rebuilt in`
    lines)."""
    times, lines = [], []
    for i in range(1, edits + 1):
        mark = server.mark()
        start = time.perf_counter()
        save(i)
        while True:
            status, page = server.get(TAB)
            if status == 200 and shows(page, i):
                break
            if time.perf_counter() - start > TIMEOUT:
                sys.exit(f"edit {i}: the page did not change in {TIMEOUT} s:\n"
                         + "\n".join(l for l in server.lines[mark:] if l))
            time.sleep(POLL)
        times.append(time.perf_counter() - start)
        lines.append(server.wait_line(lambda l: l.startswith("rebuilt in"), mark))
        # Let the machine settle before the next edit.
        time.sleep(0.3)
    return times, lines


def bench_scale(tally, scale, edits, work):
    site = os.path.join(work, f"site-{scale}")
    data = os.path.join(site, "data")
    os.makedirs(os.path.join(site, "templates"))
    for name in ("site.toml", "queries"):
        (shutil.copytree if os.path.isdir(os.path.join(ROOT, name)) else shutil.copy)(
            os.path.join(ROOT, name), os.path.join(site, name))
    shutil.copy(os.path.join(ROOT, "templates", "tab.html"), os.path.join(site, "templates", "tab.html"))
    if scale == 1:
        shutil.copytree(os.path.join(ROOT, "sample-data"), data)
    else:
        subprocess.run([tally, "sample", "--out", data, "--scale", str(scale)], check=True,
                       stdout=subprocess.DEVNULL)

    start = time.perf_counter()
    server = Server(tally, site, data)
    first = server.wait_line(lambda l: l.startswith("rebuilt in") or l.startswith("Error"))
    if not first.startswith("rebuilt in"):
        sys.exit("the first build failed:\n" + "\n".join(l for l in server.lines if l))
    cold = time.perf_counter() - start
    rows = []
    try:
        status, page = server.get(TAB)
        base = card_number(page)
        if status != 200 or base is None:
            sys.exit(f"no number in card `{REPORT}` of {TAB} (HTTP {status})")

        sql_path = os.path.join(site, SQL)
        sql = open(sql_path).read()
        assert SELECT in sql, f"{SQL} no longer has `{SELECT}`"

        def save_sql(i):
            rewrite(sql_path, sql.replace(
                SELECT, f"-- bench edit {i}\nSELECT data_sources + {100 + i} AS data_sources, change"))

        rows.append(("sql", *measure(server, edits, save_sql, lambda p, i: card_number(p) == base + 100 + i)))
        mark = server.mark()
        rewrite(sql_path, sql)
        server.wait_line(lambda l: l.startswith("rebuilt in"), mark)

        config_path = os.path.join(site, "site.toml")
        config = open(config_path).read()
        assert TITLE in config, f"site.toml no longer has `{TITLE}`"

        def save_title(i):
            rewrite(config_path, config.replace(TITLE, TITLE[:-1] + f' (edit {i})"'))

        rows.append(("title", *measure(
            server, edits, save_title, lambda p, i: card_title(p) == f"Data sources total amount (edit {i})")))

        template_path = os.path.join(site, "templates", "tab.html")
        template = open(template_path).read()
        assert "<h1>" in template

        def save_template(i):
            rewrite(template_path, template.replace("<h1>", f'<h1 data-bench="{i}">', 1))

        rows.append(("template", *measure(
            server, edits, save_template, lambda p, i: f'<h1 data-bench="{i}">' in p)))

        export = os.path.join(data, "data_sources.csv")
        lines = open(export).read().splitlines()
        first_row = lines[1].split(",")
        header = lines[0].split(",")
        organization = first_row[header.index("organization_id")]
        created = first_row[header.index("created_at")]

        def save_data(i):
            with open(export, "a") as f:
                f.write(f"ds-bench-{i},{organization},github,Bench {i},{created},\n")

        rows.append(("data", *measure(server, edits, save_data, lambda p, i: card_number(p) == base + i)))
    finally:
        server.stop()
    left = os.path.exists(os.path.join(site, ".tally-cache", "serve"))
    return cold, rows, left


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tally", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "tally"))
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("scales", nargs="*", type=int)
    args = parser.parse_args()
    scales = args.scales or [1, 10]
    print(f"{os.cpu_count()} cores; load average before: {os.getloadavg()[0]:.2f}; {args.edits} edits per change")
    print()
    print("| scale | first build (s) | change | median (s) | max (s) | target (s) | serve's `rebuilt in`, median (s) | phases, median (s) |")
    print("|---:|---:|---|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory(prefix="tally-serve-bench.") as work:
        for scale in scales:
            cold, rows, left = bench_scale(args.tally, scale, args.edits, work)
            for name, times, lines in rows:
                target = TARGETS.get(scale, {}).get(name)
                mark = "" if target is None else f"< {target:g}" + ("" if statistics.median(times) < target else " MISSED")
                names = list(phases(lines[0]))
                med = ", ".join(f"{n} {statistics.median(phases(l).get(n, 0) for l in lines):.2f}" for n in names)
                print(f"| {scale} | {cold:.1f} | {name} | {statistics.median(times):.2f} | {max(times):.2f} | {mark} "
                      f"| {statistics.median(seconds(l) for l in lines):.2f} | {med} |", flush=True)
            if left:
                print(f"warning: scale {scale}: `.tally-cache/serve` was left behind after Ctrl-C")
    print()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Time `tally mcp` answering get_report_rows for the largest report of a site.

    tally sample --out /tmp/s10 --scale 10
    tally build --data-dir /tmp/s10 -o /tmp/s10-site
    bench/mcp.py /tmp/s10-site [path/to/tally]

Starts the server on the site, performs the MCP handshake, then times each
kind of call several times and prints the median wall time per call as the
client sees it (request written to answer read).
"""
import json
import os
import statistics
import subprocess
import sys
import time


def main():
    site = sys.argv[1]
    tally = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "release", "tally")
    with open(os.path.join(site, "api", "index.json")) as f:
        manifest = json.load(f)
    tab, report = max(
        ((t, r) for t in manifest["tabs"] for r in t["reports"]),
        key=lambda tr: tr[1].get("rows") or 0)
    rows = report["rows"]
    size = os.path.getsize(os.path.join(site, tab["id"], report["id"] + ".json"))
    print(f"largest report: {tab['id']}/{report['id']}, {rows} rows, JSON {size / 1e6:.1f} MB")

    server = subprocess.Popen([tally, "mcp", "--site", site], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    next_id = [0]

    def request(method, params):
        next_id[0] += 1
        server.stdin.write(json.dumps({"jsonrpc": "2.0", "id": next_id[0], "method": method,
                                       "params": params}) + "\n")
        server.stdin.flush()
        while True:
            message = json.loads(server.stdout.readline())
            if message.get("id") == next_id[0]:
                return message

    request("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                           "clientInfo": {"name": "bench", "version": "1"}})
    server.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}) + "\n")

    base = {"tab": tab["id"], "report": report["id"]}
    dated = next((c["name"] for c in report["columns"] if c["type"] in ("date", "timestamp")), None)
    cases = [
        ("first 100 rows", base),
        ("1000 rows at the end", {**base, "limit": 1000, "offset": max(rows - 1000, 0)}),
    ]
    if dated:
        month = manifest["as_of"][:7]
        cases.append((f"month range on `{dated}` ({month})", {**base, "from_month": month, "to_month": month}))
    for name, args in cases:
        times = []
        for _ in range(7):
            start = time.perf_counter()
            answer = request("tools/call", {"name": "get_report_rows", "arguments": args})
            times.append(time.perf_counter() - start)
            assert not answer["result"].get("isError"), answer
        print(f"{name}: median {statistics.median(times) * 1000:.0f} ms "
              f"(min {min(times) * 1000:.0f}, max {max(times) * 1000:.0f})")
    server.stdin.close()
    server.wait(timeout=30)


if __name__ == "__main__":
    main()

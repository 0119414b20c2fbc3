#!/usr/bin/env bash
# Views benchmark: per scale, the default site over the sample exports,
#   - DuckDB alone doing the same data work (bench/floor.py: load the same
#     exports, run the same queries to CSV), the floor;
#   - tally with views off (the whole-company build), from empty caches;
#   - tally with every view (the default `[views]`), from empty caches, then
#     again with nothing changed (the rebuild);
#   - DuckDB alone doing the same data work for the whole company and every
#     view (bench/floor.py --views: the views' filtered copies and queries,
#     on both cores), the views' floor;
# and prints a table (wall seconds, the median of RUNS runs below scale
# 100; peak RSS, the highest, from /usr/bin/time -v).
#
#   bench/views.sh            # scales 1 10
#   bench/views.sh 1 10 100   # these scales
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/target-dir
cargo build --release --quiet
tally="$(realpath "${CARGO_TARGET_DIR:-target}")/release/tally"
scales=("$@")
notes=()
[ ${#scales[@]} -eq 0 ] && scales=(1 10)
work="$(mktemp -d "${TMPDIR:-/tmp}/tally-views.XXXXXX")"
trap 'rm -rf "$work"' EXIT

seconds() { awk '/Elapsed \(wall clock\)/ {n = split($NF, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$1"; }
rss_mb() { awk '/Maximum resident/ {print int($NF / 1024)}' "$1"; }
# A fresh copy of the site (empty caches), with extra config appended.
site_copy() { rm -rf "$1"; mkdir -p "$1"; cp -r site.toml queries "$1/"; printf '%s\n' "$2" >> "$1/site.toml"; }

printf '| scale | organizations | teams | views | DuckDB alone (s) | tally, no views (s) | ratio | DuckDB alone, every view (s) | tally, every view, cold (s) | ratio | rebuild (s) | peak RSS (MB) | view files | views on disk |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
# This VM's speed drifts by a third within an hour: below scale 100 each
# timing is the median of RUNS runs (default 3), the floor and tally taking
# turns so that both see the same machine.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for scale in "${scales[@]}"; do
  runs=${RUNS:-3}
  [ "$scale" -ge 100 ] && runs=1
  data="$work/data-$scale"
  "$tally" sample --out "$data" --scale "$scale" >/dev/null
  site_copy "$work/plain" $'[views]\norganization = false\nteam = false'
  plains=(); floors=(); colds=(); vfloors=(); warms=(); rss=0
  for _ in $(seq "$runs"); do
    rm -rf "$work/plain/.tally-cache"
    /usr/bin/time -v "$tally" build -q -c "$work/plain/site.toml" --data-dir "$data" -o "$work/out-plain" --force 2>"$work/t.txt"
    plains+=("$(seconds "$work/t.txt")")
    floors+=("$(python3 bench/floor.py "$work/plain/site.toml" "$data" "$work/out-plain" | cut -d' ' -f1)")
  done
  for _ in $(seq "$runs"); do
    site_copy "$work/views" ""
    /usr/bin/time -v "$tally" build -c "$work/views/site.toml" --data-dir "$data" -o "$work/out" --force >"$work/log.txt" 2>"$work/t.txt"
    colds+=("$(seconds "$work/t.txt")")
    r=$(rss_mb "$work/t.txt"); [ "$r" -gt "$rss" ] && rss=$r
    vfloors+=("$(python3 bench/floor.py "$work/views/site.toml" "$data" "$work/out" --views | awk '{ print $1 + $3 }')")
    /usr/bin/time -v "$tally" build -q -c "$work/views/site.toml" --data-dir "$data" -o "$work/out" --force 2>"$work/t.txt"
    warms+=("$(seconds "$work/t.txt")")
  done
  plain=$(median "${plains[@]}"); floor=$(median "${floors[@]}")
  cold=$(median "${colds[@]}"); warm=$(median "${warms[@]}"); vfloor=$(median "${vfloors[@]}")
  notes+=("scale $scale: $(grep '^Views:' "$work/log.txt")")
  read -r orgs teams views < <(python3 -c "
import json; v = json.load(open('$work/out/api/index.json'))['views']
o = sum(x['filter'] == 'organization' for x in v); print(o, len(v) - o, len(v))")
  files=$(find "$work/out/views" -type f | wc -l)
  size=$(du -sh "$work/out/views" | cut -f1)
  ratio=$(awk -v a="$plain" -v b="$floor" 'BEGIN { printf "%.2f", a / b }')
  vratio=$(awk -v a="$cold" -v b="$vfloor" 'BEGIN { printf "%.2f", a / b }')
  printf '| %s | %s | %s | %s | %.2f | %.2f | %s | %.2f | %.2f | %s | %.2f | %s | %s | %s |\n' \
    "$scale" "$orgs" "$teams" "$views" "$floor" "$plain" "$ratio" "$vfloor" "$cold" "$vratio" "$warm" "$rss" "$files" "$size"
done
# Where the cold builds' view time went (tally's own summary line).
printf '\n'
printf '%s\n' "${notes[@]}"


#!/usr/bin/env bash
# Build-time benchmark: generates the sample exports at several scales and
# builds the default site over each with the release binary, printing wall
# time and peak memory (from /usr/bin/time -v) as a table. This is the
# whole-company site (views off); bench/views.sh measures the views.
#
#   bench/build.sh            # scales 1 10 100
#   bench/build.sh 1 10       # only these scales
set -euo pipefail
cd "$(dirname "$0")/.."
# The same build as the README's commands and .ci/run (see .ci/target-dir).
. .ci/target-dir
cargo build --release --quiet
tally="$(realpath "${CARGO_TARGET_DIR:-target}")/release/tally"
scales=("$@")
[ ${#scales[@]} -eq 0 ] && scales=(1 10 100)
work="$(mktemp -d "${TMPDIR:-/tmp}/tally-bench.XXXXXX")"
trap 'rm -rf "$work"' EXIT

printf '| scale | page visits | export size | sample write (s) | build wall (s) | build peak RSS (MB) | rebuild wall (s) |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for scale in "${scales[@]}"; do
  data="$work/data-$scale"
  start=$(date +%s%N)
  "$tally" sample --out "$data" --scale "$scale" >/dev/null
  sample_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  visits=$(( $(cat "$data"/page_visits/*.csv | wc -l) - $(ls "$data"/page_visits/*.csv | wc -l) ))
  size=$(du -sh "$data" | cut -f1)
  # A fresh copy of the site per scale, so the first build starts with empty
  # chart and PDF caches (they live beside site.toml) and the second reuses them.
  site="$work/config-$scale"
  mkdir -p "$site" && cp -r site.toml queries "$site/"
  printf '[views]\norganization = false\nteam = false\n' >> "$site/site.toml"
  measure() {
    /usr/bin/time -v "$tally" build -c "$site/site.toml" --data-dir "$data" -o "$work/site-$scale" --force >/dev/null 2>"$work/time.txt"
    wall=$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}' | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(grep 'Maximum resident' "$work/time.txt" | awk '{print int($NF/1024)}')
  }
  measure; cold_wall=$wall; cold_rss=$rss
  measure; warm_wall=$wall
  printf '| %s | %s | %s | %.2f | %.2f | %s | %.2f |\n' "$scale" "$visits" "$size" "$(echo "$sample_ms" | awk '{print $1/1000}')" "$cold_wall" "$cold_rss" "$warm_wall"
done

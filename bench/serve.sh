#!/usr/bin/env bash
# `tally serve` benchmark: from saving a file to the served page showing
# the change, median and max of ten edits each of a report's SQL, a report
# title in site.toml, a site template and a data file, per scale. The
# measuring is bench/serve.py; this builds tally the way the other bench
# scripts do (.ci/target-dir: one shared build).
#
#   bench/serve.sh            # scales 1 10
#   bench/serve.sh 1          # only these scales
#   EDITS=20 bench/serve.sh   # more edits per change
set -euo pipefail
cd "$(dirname "$0")/.."
. .ci/target-dir
cargo build --release --quiet
tally="$(realpath "${CARGO_TARGET_DIR:-target}")/release/tally"
exec python3 bench/serve.py --tally "$tally" --edits "${EDITS:-10}" "$@"

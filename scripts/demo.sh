#!/usr/bin/env bash
# The main job: set up the environment if needed, simulate the example data if it is missing,
# fit configs/example.yaml (prints the ROI table) and write the HTML report.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
cd "$ROOT"
MMM=.venv/bin/mmm
if [ ! -f data/example.csv ]; then
  "$MMM" simulate --output data/example.csv --seed 1
fi
"$MMM" fit configs/example.yaml
if "$MMM" report --help >/dev/null 2>&1; then
  mkdir -p reports
  "$MMM" report models/example --output reports/example.html
fi

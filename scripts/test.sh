#!/usr/bin/env bash
# Set up the environment if needed, then run the whole test suite (statistical checks included).
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -m "not slow"` for the quick subset.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/bootstrap.sh"
bash "$ROOT/scripts/setup-browser.sh"
cd "$ROOT"
set +e
.venv/bin/python -m pytest "$@"
code=$?
set -e
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: treating that as a failure (check the path or -k/-m filter)" >&2
  exit 1
fi
exit "$code"

#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment in .venv with a Python >= 3.12.
# Sourced by scripts/demo.sh and scripts/test.sh; safe to run again (it skips work already done).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.mmm-setup-stamp"
MIN_MINOR=12

python_ok() {  # $1: interpreter; true when it is CPython >= 3.12 with venv
  "$1" -c "import sys, venv; sys.exit(0 if sys.version_info >= (3, $MIN_MINOR) else 1)" \
    >/dev/null 2>&1
}

find_python() {
  local cand
  for cand in "${MMM_PYTHON:-}" python3.14 python3.13 python3.12 python3 python; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 && python_ok "$(command -v "$cand")"; then
      command -v "$cand"; return 0
    fi
  done
  # pyenv keeps interpreters that are not on PATH unless selected.
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  if command -v pyenv >/dev/null 2>&1; then root="$(pyenv root)"; fi
  for cand in $(ls -d "$root"/versions/3.* 2>/dev/null | sort -V -r); do
    if [ -x "$cand/bin/python" ] && python_ok "$cand/bin/python"; then
      echo "$cand/bin/python"; return 0
    fi
  done
  for cand in /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9]; do
    if [ -x "$cand" ] && python_ok "$cand"; then echo "$cand"; return 0; fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ] || ! python_ok "$VENV/bin/python"; then
  if ! PY="$(find_python)"; then
    cat >&2 <<MSG
mmm needs Python >= 3.$MIN_MINOR (with the venv module), and none was found on PATH, in pyenv
or in /usr/bin. Install one, for example:
  pyenv install 3.12        # or: apt-get install python3.12 python3.12-venv
  uv python install 3.12
or point MMM_PYTHON at an interpreter: MMM_PYTHON=/path/to/python3.12 bash $0
MSG
    exit 1
  fi
  echo "mmm setup: creating .venv with $PY ($("$PY" --version))"
  rm -rf "$VENV"
  "$PY" -m venv "$VENV"
fi

want="$(cat "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$want" ]; then
  echo "mmm setup: installing mmm and its dependencies into .venv (first run takes a few minutes)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -e "$ROOT[dev]"
  echo "$want" > "$STAMP"
fi

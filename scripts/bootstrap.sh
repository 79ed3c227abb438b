#!/usr/bin/env bash
# Create (or refresh) the project's virtual environment .venv from uv.lock, exactly.
# Run by scripts/demo.sh and scripts/test.sh; safe to run again (it skips work already done).
#  1. find a Python >= 3.12 (PATH, pyenv's versions, /usr/bin; MMM_PYTHON to choose one);
#  2. get the pinned uv: the one on PATH when it is that version, else pip-install it from PyPI
#     into a small venv of its own, .venv-tools/;
#  3. `uv sync --locked --extra dev` into .venv with that interpreter, never downloading one.
# A stamp in .venv holds the hash of uv.lock and pyproject.toml: when they are unchanged, a
# re-run returns at once. Without uv: `pip install -e '.[dev]'` (unlocked, see README.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
TOOLS="$ROOT/.venv-tools"
STAMP="$VENV/.mmm-setup-stamp"
MIN_MINOR=12
UV_VERSION=0.13.9  # the uv that wrote uv.lock; bump it when you re-lock with a newer uv

version_ok() {  # $1: interpreter; true when it is Python >= 3.12
  "$1" -c "import sys; sys.exit(0 if sys.version_info >= (3, $MIN_MINOR) else 1)" \
    >/dev/null 2>&1
}

python_ok() {  # $1: interpreter; true when it is Python >= 3.12 that can make a venv with pip
  "$1" -c "import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, $MIN_MINOR) else 1)" \
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

sha256() {  # stdin -> hex digest (sha256sum on Linux, shasum on macOS)
  if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi | cut -d' ' -f1
}

want="$(cat "$ROOT/uv.lock" "$ROOT/pyproject.toml" | sha256)-uv$UV_VERSION"
if [ -x "$VENV/bin/python" ] && version_ok "$VENV/bin/python" && [ -f "$STAMP" ] \
   && [ "$(cat "$STAMP")" = "$want" ]; then
  exit 0  # .venv already holds exactly this lock
fi

if [ -x "$VENV/bin/python" ] && version_ok "$VENV/bin/python"; then
  PY="$VENV/bin/python"  # keep the interpreter of the existing .venv
  PY_ARGS=()
else
  if ! PY="$(find_python)"; then
    cat >&2 <<MSG
mmm needs Python >= 3.$MIN_MINOR (with the venv and ensurepip modules), and none was found on
PATH, in pyenv or in /usr/bin. Install one, for example:
  pyenv install 3.12        # or: apt-get install python3.12 python3.12-venv
  uv python install 3.12
or point MMM_PYTHON at an interpreter: MMM_PYTHON=/path/to/python3.12 bash $0
MSG
    exit 1
  fi
  echo "mmm setup: creating .venv with $PY ($("$PY" --version))"
  rm -rf "$VENV"
  PY_ARGS=(--python "$PY")
fi

uv_version() {  # $1: a uv binary; prints its version
  "$1" --version 2>/dev/null | cut -d' ' -f2
}

UV="$TOOLS/bin/uv"
if [ ! -x "$UV" ] || [ "$(uv_version "$UV")" != "$UV_VERSION" ]; then
  if command -v uv >/dev/null 2>&1 && [ "$(uv_version "$(command -v uv)")" = "$UV_VERSION" ]; then
    UV="$(command -v uv)"  # the pinned uv is already installed
  else
    echo "mmm setup: installing uv $UV_VERSION into .venv-tools"
    rm -rf "$TOOLS"
    if ! "$PY" -m venv "$TOOLS"; then
      echo "mmm setup: $PY cannot create a virtual environment (on Debian/Ubuntu:" \
        "apt-get install python3.1X-venv for your version), or install uv $UV_VERSION" \
        "yourself and put it on PATH" >&2
      exit 1
    fi
    if ! "$TOOLS/bin/python" -m pip install --quiet --disable-pip-version-check \
         "uv==$UV_VERSION"; then
      echo "mmm setup: could not install uv $UV_VERSION from PyPI (see above); without uv," \
        "install unlocked: python3 -m venv .venv && .venv/bin/pip install -e '.[dev]'" >&2
      exit 1
    fi
  fi
fi

echo "mmm setup: installing the locked dependencies (uv.lock) into .venv"
# Never let uv download an interpreter: the one found above (or .venv's) is the one used.
export UV_PYTHON_DOWNLOADS=never
export UV_PROJECT_ENVIRONMENT="$VENV"
# Byte-compile at install time: with PYTHONDONTWRITEBYTECODE set (as on CI machines) Python
# would otherwise recompile every module of pandas, SciPy, PyMC... in every process (mmm --help
# took 5-6 s instead of about 1 s).
"$UV" sync --locked --extra dev --compile-bytecode --quiet --project "$ROOT" \
  ${PY_ARGS[@]+"${PY_ARGS[@]}"}  # bash 3.2-safe
echo "$want" > "$STAMP"

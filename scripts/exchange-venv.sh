#!/usr/bin/env bash
# Sourced by check-onnx.sh and .ci/run: makes sure .venv-exchange/ (at the repository root,
# ignored by git) holds what opens this project's exports without PyTorch: Keras 3 with JAX's
# CPU build as its backend (KERAS_BACKEND=jax), h5py, onnx and onnxruntime (about 800 MB installed),
# installing them with pip on first use, and sets $EXCHANGE_PYTHON to its interpreter.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-exchange"
# Keras picks its backend on import; TensorFlow, its default, is not installed.
export KERAS_BACKEND="${KERAS_BACKEND:-jax}"
if ! "$venv/bin/python" -c 'import numpy, jax, keras, h5py, onnx, onnxruntime' 2>/dev/null; then
  echo "installing numpy, jax, keras, h5py, onnx and onnxruntime into $venv (first run only)" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" \
    || { echo "FATAL: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet numpy jax keras h5py onnx onnxruntime
fi
EXCHANGE_PYTHON="$venv/bin/python"
export EXCHANGE_PYTHON

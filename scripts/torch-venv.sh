#!/usr/bin/env bash
# Sourced by the PyTorch and Keras scripts: makes sure .venv-torch/ (at the repository root,
# ignored by git) holds PyTorch, numpy and safetensors, plus the packages given as arguments
# (`source scripts/torch-venv.sh keras h5py`), installing them with pip on first use, and
# sets $PYTHON to its interpreter.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-torch"
packages=(torch numpy safetensors "$@")
modules="$(IFS=,; echo "${packages[*]}")"
if ! "$venv/bin/python" -c "import $modules" 2>/dev/null; then
  echo "installing ${packages[*]} into $venv (first run only; PyTorch is about 3 GB)" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv" \
    || { echo "FATAL: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet "${packages[@]}"
fi
PYTHON="$venv/bin/python"
export PYTHON

#!/usr/bin/env bash
# Sourced by the PyTorch scripts: makes sure .venv-torch/ (at the repository root, ignored
# by git) holds PyTorch, numpy and safetensors, installing them with pip on first use, and
# sets $PYTHON to its interpreter.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv-torch"
if ! "$venv/bin/python" -c 'import torch, numpy, safetensors' 2>/dev/null; then
  echo "installing PyTorch into $venv (first run only; about 3 GB)" >&2
  python3 -m venv "$venv" || { echo "FATAL: python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install --quiet --upgrade pip
  "$venv/bin/pip" install --quiet torch numpy safetensors
fi
PYTHON="$venv/bin/python"
export PYTHON

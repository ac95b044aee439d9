#!/usr/bin/env bash
# Proof that model.onnx is the model: `onnx.checker` (full check) passes, and onnxruntime on
# the 10 000 MNIST test images gives the classes `infer --test` gives, with logits within
# 1e-4. Usage: scripts/check-onnx.sh [RUN_DIR]   (default artifacts/mlp-256-128; trained
# with configs/mlp-256-128.toml when missing). Exits non-zero when they disagree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/exchange-venv.sh
run="${1:-artifacts/mlp-256-128}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin train --bin infer --bin mnist-fetch
target/release/mnist-fetch >/dev/null
if [ ! -f "$run/model.onnx" ]; then
  echo "== no model.onnx in $run: training configs/mlp-256-128.toml"
  target/release/train --config configs/mlp-256-128.toml --out "$run" --force
fi
target/release/infer --model "$run" --test --logits "$work/burn.csv" | head -1
"$EXCHANGE_PYTHON" scripts/foreign_logits.py onnx "$run/model.onnx" --out "$work/onnx.csv"
"$EXCHANGE_PYTHON" scripts/compare_logits.py "$work/burn.csv" "$work/onnx.csv" onnxruntime
echo "OK: onnxruntime runs model.onnx as Burn runs the model"

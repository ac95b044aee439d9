#!/usr/bin/env bash
# One-command proof that weights move between this project and PyTorch unchanged:
#  1. Burn -> PyTorch: the default run's model.safetensors is loaded by the seed's PyTorch
#     model; logits on the 10 000 test images are compared with Burn's (max |diff|, classes).
#  2. PyTorch -> Burn: a model trained briefly in PyTorch is saved as a state_dict (.pt) and
#     evaluated by `infer --test`; both test accuracies are printed side by side.
# Usage: scripts/check-pytorch-exchange.sh [RUN_DIR]   (default artifacts/mlp-256-128; trained
# with configs/mlp-256-128.toml when missing). Exits non-zero when they disagree.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/torch-venv.sh
run="${1:-artifacts/mlp-256-128}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin train --bin infer --bin mnist-fetch
target/release/mnist-fetch >/dev/null
if [ ! -f "$run/model.safetensors" ]; then
  echo "== no model in $run: training configs/mlp-256-128.toml"
  target/release/train --config configs/mlp-256-128.toml --out "$run" --force
fi

echo "== Burn -> PyTorch ($run/model.safetensors)"
target/release/infer --model "$run" --test --logits "$work/burn.csv" | head -1
"$PYTHON" scripts/pytorch_mlp.py logits "$run/model.safetensors" --out "$work/torch.csv"
"$PYTHON" scripts/compare_logits.py "$work/burn.csv" "$work/torch.csv" PyTorch

echo "== PyTorch -> Burn (state_dict .pt)"
"$PYTHON" scripts/pytorch_mlp.py train --epochs 2 --out "$work/state_dict.pt" | tail -1 | tee "$work/torch.txt"
target/release/infer --model "$work/state_dict.pt" --test | head -1 | tee "$work/burn.txt"
torch_acc="$(grep -o '[0-9.]*%' "$work/torch.txt" | head -1)"
burn_acc="$(grep -o '[0-9.]*%' "$work/burn.txt" | head -1)"
echo "test accuracy: PyTorch $torch_acc, Burn infer on the imported state_dict $burn_acc"
[ "$torch_acc" = "$burn_acc" ] || { echo "MISMATCH" >&2; exit 1; }
echo "OK: weights agree in both directions"

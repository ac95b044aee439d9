#!/usr/bin/env bash
# One-command proof that weights move between this project and Keras unchanged:
#  1. Keras -> Burn: the reference Keras program (scripts/keras_mlp.py: 784-128-10, Adam,
#     pixels / 255) trains 2 epochs and saves .weights.h5, .keras and legacy .h5;
#     `infer --test` on each must print Keras's own test accuracy.
#  2. Burn -> Keras: `keras.saving.load_model` opens the run's model.keras with no code of
#     ours; its test accuracy and logits must match `infer --test` (max |diff| <= 1e-4).
#  3. Fine-tuning as the reference program does: `train --init-from model.weights.h5
#     --epochs 5` must keep or improve the accuracy.
#  4. Raw pixels: a Keras model trained on 0-255 pixels is read correctly with
#     `infer --input-scale 255`.
# Usage: scripts/check-keras-exchange.sh [RUN_DIR]   (default artifacts/mlp-256-128; trained
# with configs/mlp-256-128.toml when missing). Exits non-zero on any disagreement.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# Keras picks its backend on import (also in torch-venv.sh's check); TensorFlow, its
# default, is not installed.
export KERAS_BACKEND=torch
source scripts/torch-venv.sh keras h5py
run="${1:-artifacts/mlp-256-128}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "MISMATCH: $*" >&2; exit 1; }
percent() { grep -o '[0-9.]*%' "$1" | head -1; }

cargo build --release --quiet --bin train --bin infer --bin mnist-fetch
target/release/mnist-fetch >/dev/null
if [ ! -f "$run/model.keras" ]; then
  echo "== no model.keras in $run: training configs/mlp-256-128.toml"
  target/release/train --config configs/mlp-256-128.toml --out "$run" --force
fi

echo "== Keras -> Burn (reference program, 2 epochs)"
"$PYTHON" scripts/keras_mlp.py train --epochs 2 --out "$work/keras" | tail -1 | tee "$work/keras.txt"
keras_acc="$(percent "$work/keras.txt")"
for file in model.weights.h5 model.keras model.h5; do
  target/release/infer --model "$work/keras/$file" --test | head -1 | tee "$work/burn.txt"
  [ "$(percent "$work/burn.txt")" = "$keras_acc" ] || fail "$file: Keras $keras_acc"
done

echo "== Burn -> Keras ($run/model.keras, keras.saving.load_model)"
target/release/infer --model "$run" --test --logits "$work/burn.csv" | head -1 | tee "$work/burn.txt"
"$PYTHON" scripts/foreign_logits.py keras "$run/model.keras" --out "$work/keras.csv" \
  | tee "$work/keras-load.txt"
[ "$(percent "$work/burn.txt")" = "$(percent "$work/keras-load.txt")" ] || fail "test accuracy"
"$PYTHON" scripts/compare_logits.py "$work/burn.csv" "$work/keras.csv" Keras

echo "== fine-tuning from the Keras weights (train --init-from model.weights.h5 --epochs 5)"
target/release/train --config configs/mlp-128.toml --init-from "$work/keras/model.weights.h5" \
  --epochs 5 --out "$work/finetuned" | grep '^test accuracy' | tee "$work/tuned.txt"
tuned_acc="$(grep -o 'test accuracy [0-9.]*%' "$work/tuned.txt" | grep -o '[0-9.]*%')"
echo "test accuracy: Keras after 2 epochs $keras_acc, fine-tuned here for 5 more $tuned_acc"
awk -v a="${keras_acc%\%}" -v b="${tuned_acc%\%}" 'BEGIN { exit !(b + 0.05 >= a) }' \
  || fail "fine-tuning lost accuracy"

echo "== raw 0-255 pixels (keras_mlp.py --raw; infer --input-scale 255)"
"$PYTHON" scripts/keras_mlp.py train --raw --epochs 1 --out "$work/raw" | tail -1 | tee "$work/raw.txt"
target/release/infer --model "$work/raw/model.keras" --input-scale 255 --test | head -1 \
  | tee "$work/burn.txt"
[ "$(percent "$work/burn.txt")" = "$(percent "$work/raw.txt")" ] || fail "--input-scale 255"
echo "OK: weights agree in both directions"

#!/usr/bin/env bash
# Times this project's `train` (on each CPU backend) and the equivalent PyTorch loop
# (scripts/pytorch_mlp.py bench) alternately on the same machine: 784-256-128-10, Adam 1e-3
# at a constant rate, cross-entropy, real MNIST (55 000 training images, the last 5 000 held
# out as in the configs), 2 threads each (flex: a rayon pool of 2; ndarray: 2 matmul threads,
# its element-wise ops on one rayon thread, see crates/mnist-train/src/threads.rs).
# Prints the median seconds per epoch (first epoch of each run dropped as warm-up) and the
# ratio train / PyTorch for each batch size and backend.
# Usage: scripts/bench-vs-pytorch.sh [REPETITIONS=3] [EPOCHS=4] [BATCH SIZES="128 512"] [BACKENDS="flex ndarray"]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source scripts/torch-venv.sh
reps="${1:-3}"
epochs="${2:-4}"
batches="${3:-128 512}"
backends="${4:-flex ndarray}"
threads=2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The PyTorch loop's recipe; batch size, epochs and seed come from the command line.
cat >"$work/bench.toml" <<'TOML'
epochs = 4
[model]
hidden = [256, 128]
[optimizer]
kind = "adam"
lr = 1e-3
epsilon = 1e-8
[schedule]
kind = "constant"
TOML

cargo build --release --quiet --bin train --bin mnist-fetch
target/release/mnist-fetch >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)'), $threads threads each; $reps repetitions x $epochs epochs"

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

epoch_times() { "$PYTHON" -c 'import json,sys; print(" ".join(map(str, json.load(open(sys.argv[1]))["epoch_seconds"][1:])))' "$1"; }

for batch in $batches; do
  declare -A burn_times=()
  torch_times=""
  for rep in $(seq "$reps"); do
    for backend in $backends; do
      if [ "$backend" = ndarray ]; then
        env MATMUL_NUM_THREADS=$threads target/release/train --config "$work/bench.toml" --backend ndarray \
          --batch-size "$batch" --epochs "$epochs" --seed "$rep" --out "$work/run" --force >/dev/null
      else
        env RAYON_NUM_THREADS=$threads target/release/train --config "$work/bench.toml" --backend "$backend" \
          --batch-size "$batch" --epochs "$epochs" --seed "$rep" --out "$work/run" --force >/dev/null
      fi
      burn_times[$backend]+=" $(epoch_times "$work/run/summary.json")"
    done
    torch_times+=" $(OMP_NUM_THREADS=$threads "$PYTHON" scripts/pytorch_mlp.py bench --threads $threads \
      --batch-size "$batch" --epochs "$epochs" --seed "$rep" | cut -d' ' -f2-)"
  done
  torch="$(echo "$torch_times" | median)"
  for backend in $backends; do
    burn="$(echo "${burn_times[$backend]}" | median)"
    ratio="$(awk -v b="$burn" -v t="$torch" 'BEGIN {printf "%.2f", b / t}')"
    printf 'batch %4s: train (%s) %.3f s/epoch, PyTorch %.3f s/epoch, ratio %s\n' "$batch" "$backend" "$burn" "$torch" "$ratio"
  done
  unset burn_times
done

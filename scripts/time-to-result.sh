#!/usr/bin/env bash
# Time to a result: trains the default config (configs/mlp-256-128.toml) with `train` and the
# same recipe in PyTorch (scripts/pytorch_mlp.py recipe: same model, Adam 3e-3, batch 256, one
# warm-up epoch then cosine, label smoothing 0.1, 8 epochs, 2 threads), alternately, for each
# seed; prints every run's seconds of training and test accuracy, then the means. Training time
# excludes data loading, validation and the test pass on both sides. Seeded accuracies are
# identical run to run on one CPU but differ between CPUs (AVX2 vs AVX-512 kernels).
# Last, the unit issue 31 sets its goal in: `train`'s mean time to the result, training alone
# and the whole run (`total_seconds`: start-up, data, validation, test pass and saving
# included), in PyTorch epochs at batch 128 (scripts/pytorch_mlp.py bench, measured between
# the seeds: the faster of epochs 2 and 3 of each run, then the median over runs).
# Usage: scripts/time-to-result.sh [SEEDS=3]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seeds="${1:-3}"
# Sourced with no arguments, or it would take this script's as packages to install.
set --
source scripts/torch-venv.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet --bin train
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p')"
echo "SIMD flags: $(lscpu | sed -n 's/^Flags: *//p' | tr ' ' '\n' | grep -E '^(avx2|fma|avx512f|avx512bw|avx512vl|avx512_bf16|amx[a-z_0-9]*)$' | tr '\n' ' ')"
field() { "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$2" "$1"; }
rust="" torch="" totals="" epochs128=""
for seed in $(seq 1 "$seeds"); do
  RAYON_NUM_THREADS=2 target/release/train --config configs/mlp-256-128.toml --seed "$seed" \
    --out "$work/run" --force >/dev/null
  secs="$(field train_seconds "$work/run/summary.json")"
  acc="$(field test_accuracy "$work/run/summary.json")"
  printf 'train   seed %d: %.2f s of training, test accuracy %.2f%%\n' "$seed" "$secs" "$acc"
  rust+="$secs $acc"$'\n'
  totals+=" $(field total_seconds "$work/run/summary.json")"
  line="$(OMP_NUM_THREADS=2 "$PYTHON" scripts/pytorch_mlp.py recipe --threads 2 --seed "$seed")"
  echo "$line" | sed 's/^pytorch recipe: /PyTorch /'
  torch+="$(echo "$line" | sed -E 's/.*, ([0-9.]+) s of training, test accuracy ([0-9.]+)%/\1 \2/')"$'\n'
  epochs128+=" $(OMP_NUM_THREADS=2 "$PYTHON" scripts/pytorch_mlp.py bench --threads 2 --batch-size 128 \
    --epochs 3 --seed "$seed" | tr ' ' '\n' | tail -n +2 | sort -g | head -1)"
done
summary() { awk -v who="$1" '{ s += $1; a += $2 } END { printf "%s: mean %.2f s of training, mean test accuracy %.2f%% over %d seeds\n", who, s / NR, a / NR, NR }'; }
printf '%s' "$rust" | summary "train  "
printf '%s' "$torch" | summary "PyTorch"
epoch128="$(echo "$epochs128" | tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')"
printf '%s' "$rust" | awk -v e="$epoch128" -v totals="$totals" '{ s += $1 } END {
  n = split(totals, t, " "); for (i = 1; i <= n; i++) w += t[i];
  printf "PyTorch epoch at batch 128: %.3f s (median of %d runs); train to its result: %.2f PyTorch epochs of training, %.2f of whole-run wall time\n", e, n, s / NR / e, w / n / e
}'

#!/usr/bin/env bash
# Times this project's `train` (on each CPU backend) and the equivalent PyTorch loop
# (scripts/pytorch_mlp.py bench) alternately on the same machine: 784-256-128-10, Adam 1e-3
# at a constant rate, cross-entropy, real MNIST (55 000 training images, the last 5 000 held
# out as in the configs), 2 threads each (flex: a rayon pool of 2; ndarray: 2 matmul threads,
# its element-wise ops on one rayon thread, see crates/mnist-train/src/threads.rs).
# Prints, for each batch size: every run's seconds per epoch (the median of its epochs, the
# first dropped as warm-up) for each program in the order they ran, then the median over runs
# with the spread (min-max) and the ratio of medians train / PyTorch, with the median and
# spread of the per-repetition ratios (each repetition runs the programs back to back, so a
# slow spell of the host moves both). The CPU model and its SIMD flags head the output: kernels
# differ between AVX2 and AVX-512 hosts, so figures compare only within one machine.
# Usage: scripts/bench-vs-pytorch.sh [REPETITIONS=5] [EPOCHS=4] [BATCH SIZES="128 512"] [BACKENDS="flex ndarray"]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
reps="${1:-5}"
epochs="${2:-4}"
batches="${3:-128 512}"
backends="${4:-flex ndarray}"
threads=2
# Sourced with no arguments, or it would take this script's as packages to install.
set --
source scripts/torch-venv.sh
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
cpu_model="$(lscpu | sed -n 's/^Model name: *//p')"
simd_flags="$(lscpu | sed -n 's/^Flags: *//p' | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|f16c|avx512[a-z_0-9]*|amx[a-z_0-9]*)$' | tr '\n' ' ')"
echo "machine: $(nproc) cores, $cpu_model"
echo "SIMD flags: $simd_flags"
echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)'), $threads threads each; $reps repetitions x $epochs epochs"

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
spread() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk 'NR==1 {lo=$1} {hi=$1} END {printf "%.3f-%.3f", lo, hi}'; }
fmt3() { tr ' ' '\n' | sed '/^$/d' | awk '{printf "%s%.3f", (NR>1 ? " " : ""), $1}'; }

# Seconds per epoch of one run: the median of its epochs after the first.
epoch_times() { "$PYTHON" -c 'import json,sys,statistics; print(statistics.median(json.load(open(sys.argv[1]))["epoch_seconds"][1:]))' "$1"; }

for batch in $batches; do
  declare -A burn_runs=()
  declare -A ratios=()
  torch_runs=""
  for rep in $(seq "$reps"); do
    for backend in $backends; do
      if [ "$backend" = ndarray ]; then
        env MATMUL_NUM_THREADS=$threads target/release/train --config "$work/bench.toml" --backend ndarray \
          --batch-size "$batch" --epochs "$epochs" --seed "$rep" --out "$work/run" --force >/dev/null
      else
        env RAYON_NUM_THREADS=$threads target/release/train --config "$work/bench.toml" --backend "$backend" \
          --batch-size "$batch" --epochs "$epochs" --seed "$rep" --out "$work/run" --force >/dev/null
      fi
      burn_runs[$backend]+=" $(epoch_times "$work/run/summary.json")"
    done
    torch_run="$(OMP_NUM_THREADS=$threads "$PYTHON" scripts/pytorch_mlp.py bench --threads $threads \
      --batch-size "$batch" --epochs "$epochs" --seed "$rep" | cut -d' ' -f2- | median)"
    torch_runs+=" $torch_run"
    for backend in $backends; do
      last="$(echo "${burn_runs[$backend]}" | awk '{print $NF}')"
      ratios[$backend]+=" $(awk -v b="$last" -v t="$torch_run" 'BEGIN {print b / t}')"
    done
  done
  torch="$(echo "$torch_runs" | median)"
  printf 'batch %4s: PyTorch runs %s s/epoch, median %.3f (%s)\n' "$batch" "$(echo "$torch_runs" | fmt3)" "$torch" "$(echo "$torch_runs" | spread)"
  for backend in $backends; do
    burn="$(echo "${burn_runs[$backend]}" | median)"
    printf 'batch %4s: train (%s) runs %s s/epoch, median %.3f (%s)\n' "$batch" "$backend" \
      "$(echo "${burn_runs[$backend]}" | fmt3)" "$burn" "$(echo "${burn_runs[$backend]}" | spread)"
    printf 'batch %4s: ratio train (%s) / PyTorch: %.2f (medians); per repetition %s, median %.2f, spread %s\n' \
      "$batch" "$backend" "$(awk -v b="$burn" -v t="$torch" 'BEGIN {print b / t}')" \
      "$(echo "${ratios[$backend]}" | fmt3)" "$(echo "${ratios[$backend]}" | median)" "$(echo "${ratios[$backend]}" | spread)"
  done
  unset burn_runs ratios
done

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
#
# Then, per batch size, what each training step asks of the kernel, for both programs: minor
# page faults and voluntary and involuntary context switches, counted by each program inside
# its process over the training steps of epochs 2 and 3 (getrusage, all threads: train's
# summary.json `steady_state`, pytorch_mlp.py --counters), and instructions (`perf stat`,
# where the machine exposes the counter) as the difference between a 3-epoch and a 1-epoch
# run divided by the steps in between. These counts travel between hosts where seconds do not.
# Usage: scripts/bench-vs-pytorch.sh [REPETITIONS=5] [EPOCHS=4] [BATCH SIZES="32 128 512"] [BACKENDS="flex"]
# (BACKENDS may add ndarray: `train` is then built with `--features ndarray`.)
# TORCH_FLUSH_DENORMAL=1 runs PyTorch with torch.set_flush_denormal(True), the floating-point
# mode of train's threads (crates/mnist-train/src/float_mode.rs); by default PyTorch runs as
# its users run it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
reps="${1:-5}"
epochs="${2:-4}"
batches="${3:-32 128 512}"
backends="${4:-flex}"
threads=2
torch_flags=()
torch_mode="as installed"
if [ "${TORCH_FLUSH_DENORMAL:-0}" = 1 ]; then
  torch_flags=(--flush-denormal)
  torch_mode="with torch.set_flush_denormal(True)"
fi
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

features=""
case " $backends " in *" ndarray "*) features="--features mnist-train/ndarray" ;; esac
# shellcheck disable=SC2086 # $features is one flag and its value, or nothing
cargo build --release --quiet --bin train --bin mnist-fetch $features
target/release/mnist-fetch >/dev/null
cpu_model="$(lscpu | sed -n 's/^Model name: *//p')"
simd_flags="$(lscpu | sed -n 's/^Flags: *//p' | tr ' ' '\n' | grep -E '^(sse4_2|avx|avx2|fma|f16c|avx512[a-z_0-9]*|amx[a-z_0-9]*)$' | tr '\n' ' ')"
echo "machine: $(nproc) cores, $cpu_model"
echo "SIMD flags: $simd_flags"
echo "torch $("$PYTHON" -c 'import torch; print(torch.__version__)') ($torch_mode), $threads threads each; $reps repetitions x $epochs epochs"

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
      "${torch_flags[@]}" --batch-size "$batch" --epochs "$epochs" --seed "$rep" | cut -d' ' -f2- | median)"
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

# Per-step counters. `perf stat -e instructions` says "<not supported>" in VMs that hide the
# PMU; the column then reads n/a.
train_set=55000
counters() { # command...: prints "minor-faults voluntary involuntary instructions"
  local out
  out="$(mktemp)"
  if perf stat -x, -e instructions -o "$out.perf" true 2>/dev/null \
    && ! grep -q 'not supported' "$out.perf"; then
    /usr/bin/time -f '%R %w %c' -o "$out" perf stat -x, -e instructions -o "$out.perf" "$@" >/dev/null
    instructions="$(awk -F, '$3 ~ /^instructions/ {print $1}' "$out.perf")"
  else
    /usr/bin/time -f '%R %w %c' -o "$out" "$@" >/dev/null
    instructions=n/a
  fi
  echo "$(tail -1 "$out") $instructions"
  rm -f "$out" "$out.perf"
}
per_step() { # counts of the short run, of the long run, steps in between
  awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN {
    split(a, x, " "); split(b, y, " ");
    for (i = 1; i <= 4; i++) {
      if (x[i] == "n/a") printf "%14s", "n/a"; else printf "%14.3f", (y[i] - x[i]) / n
    }
    printf "\n"
  }'
}
for batch in $batches; do
  steps=$(( 2 * ((train_set + batch - 1) / batch) ))
  echo
  echo "per training step, batch $batch (epochs 2-3 counted in each process, $steps steps):"
  printf '%-16s%14s%14s%14s%14s\n' program minor-faults voluntary-cs involunt.-cs instructions
  for backend in $backends; do
    short="$(counters env RAYON_NUM_THREADS=$threads MATMUL_NUM_THREADS=$threads target/release/train \
      --config "$work/bench.toml" --backend "$backend" --batch-size "$batch" --epochs 1 --seed 1 --out "$work/run" --force)"
    long="$(counters env RAYON_NUM_THREADS=$threads MATMUL_NUM_THREADS=$threads target/release/train \
      --config "$work/bench.toml" --backend "$backend" --batch-size "$batch" --epochs 3 --seed 1 --out "$work/run" --force)"
    # Faults and switches as train counts them inside the process (summary.json's
    # steady_state: the training passes of epochs 2 and 3, validation and checkpoints left
    # out), as PyTorch's below; instructions from the whole runs.
    inside="$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["steady_state"]
print(s["minor_faults"], s["voluntary_switches"], s["involuntary_switches"])' "$work/run/summary.json")"
    read -r faults voluntary involuntary <<<"$inside"
    instructions="$(per_step "$short" "$long" "$steps" | awk '{print $4}')"
    printf '%-16s%14.3f%14.3f%14.3f%14s\n' "train ($backend)" "$faults" "$voluntary" "$involuntary" "$instructions"
  done
  # PyTorch's faults and switches come from inside the process (end of epoch 1 to end of
  # epoch 3, scripts/pytorch_mlp.py --counters): its start-up varies by tens of thousands of
  # page faults from run to run. Its instructions, where perf counts them, as for train.
  torch_bench=(env OMP_NUM_THREADS=$threads "$PYTHON" scripts/pytorch_mlp.py bench --threads $threads
    "${torch_flags[@]}" --batch-size "$batch" --seed 1)
  inside="$("${torch_bench[@]}" --epochs 3 --counters 2>&1 >/dev/null | sed -n 's/^per step: //p' \
    | sed -E 's/[a-z ]+ ([0-9.]+),?/\1 /g')"
  read -r faults voluntary involuntary <<<"$inside"
  instructions=n/a
  if [ "$(echo "$long" | awk '{print $4}')" != n/a ]; then
    # Two more runs only where perf counts instructions (train's long run did).
    short="$(counters "${torch_bench[@]}" --epochs 1)"
    long="$(counters "${torch_bench[@]}" --epochs 3)"
    instructions="$(per_step "$short" "$long" "$steps" | awk '{print $4}')"
  fi
  printf '%-16s%14.3f%14.3f%14.3f%14s\n' "PyTorch" "$faults" "$voluntary" "$involuntary" "$instructions"
done

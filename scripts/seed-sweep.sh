#!/usr/bin/env bash
# Trains one config with several seeds and prints each run's test accuracy and wall time,
# then the mean ± sample standard deviation.
# Usage: scripts/seed-sweep.sh CONFIG [SEEDS=3] [extra train flags...]
#   e.g. scripts/seed-sweep.sh configs/mlp-256-128-best.toml 3
# Runs go to artifacts/sweep/<config name>/seed-<n>/ (kept, so every number can be checked).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
config="${1:?usage: scripts/seed-sweep.sh CONFIG [SEEDS=3] [extra train flags...]}"
seeds="${2:-3}"
shift $(( $# >= 2 ? 2 : 1 ))
name="$(basename "$config" .toml)"
out="artifacts/sweep/$name"

mkdir -p "$out"
cargo build --release --quiet --bin train
field() { sed -n "s/^  \"$1\": \\([-0-9.eE+]*\\),\\{0,1\\}\$/\\1/p" "$2"; }

results=""
for seed in $(seq 1 "$seeds"); do
  run="$out/seed-$seed"
  target/release/train --config "$config" --seed "$seed" --out "$run" --force "$@" >"$run.log" 2>&1 \
    || { echo "seed $seed failed; see $run.log" >&2; tail -5 "$run.log" >&2; exit 1; }
  acc="$(field test_accuracy "$run/summary.json")"
  secs="$(field total_seconds "$run/summary.json")"
  epochs="$(field epochs "$run/summary.json")"
  best="$(field final_epoch "$run/summary.json")"
  printf '%s seed %d: test accuracy %.2f %%  (%s epochs, model from epoch %s, %.0f s)\n' \
    "$name" "$seed" "$acc" "$epochs" "$best" "$secs"
  results+="$acc $secs"$'\n'
done
printf '%s' "$results" | awk -v name="$name" -v n="$seeds" '
  { a[NR] = $1; sum += $1; t += $2 }
  END {
    mean = sum / NR; ss = 0
    for (i = 1; i <= NR; i++) ss += (a[i] - mean) ^ 2
    std = NR > 1 ? sqrt(ss / (NR - 1)) : 0
    printf "%s: mean test accuracy %.2f %% ± %.2f over %d seeds, %.0f s per run\n", name, mean, std, NR, t / NR
  }'

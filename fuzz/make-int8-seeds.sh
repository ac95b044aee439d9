#!/usr/bin/env bash
# Writes the seed corpus of the `int8_read` target into fuzz/corpus/int8_read/: tiny int8
# models quantized from seeded random weights and the bad files the reader must refuse
# (crates/mnist-int8/examples/fuzz_seeds.rs lists them). Deterministic: rerunning it gives
# the same bytes, so the committed seeds can be checked with `git diff`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
rm -rf fuzz/corpus/int8_read
cargo run --release --quiet -p mnist-int8 --features std --example fuzz_seeds -- fuzz/corpus/int8_read

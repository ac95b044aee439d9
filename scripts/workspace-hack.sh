#!/usr/bin/env bash
# Regenerates crates/mnist-workspace-hack: one crate every workspace member depends on, listing
# the union of the features its dependencies are built with across `cargo run --bin …`,
# `cargo test`, `cargo bench` and `cargo build --examples`. Cargo resolves features per command
# (dev-dependencies and other members only count when they are built), so without it each of
# those commands saw a different feature set for libc, syn, serde_json, … and rebuilt Burn on top
# of them (BENCHMARKS.md, "Builds"). Needs `cargo install cargo-hakari`; run it after changing
# any crate's dependencies or features and commit the result.
#
# hakari always unifies "all features" too, which would switch the GPU backends on for every
# build: their features are stripped afterwards, so CPU builds stay CPU-only and
# `--features wgpu` remains a separate build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo hakari generate
cargo hakari manage-deps --yes
toml=crates/mnist-workspace-hack/Cargo.toml
sed -i -E \
  -e 's/"(cuda|wgpu|cubecl-cuda|cubecl-wgpu)", //g' \
  -e 's/, "(cuda|wgpu|cubecl-cuda|cubecl-wgpu)"//g' \
  "$toml"
if grep -nE '"(cuda|wgpu|cubecl-cuda|cubecl-wgpu)"' "$toml"; then
  echo "workspace-hack.sh: a GPU feature is left in $toml" >&2
  exit 1
fi
echo "updated $toml"

#!/usr/bin/env bash
# Regenerates crates/mnist-workspace-hack: one crate every workspace member depends on, listing
# the union of the features its dependencies are built with across `cargo run --bin …`,
# `cargo test`, `cargo bench` and `cargo build --examples`. Cargo resolves features per command
# (dev-dependencies and other members only count when they are built), so without it each of
# those commands saw a different feature set for libc, syn, serde_json, … and rebuilt Burn on top
# of them (BENCHMARKS.md, "Builds"). Needs `cargo install cargo-hakari`; run it after changing
# any crate's dependencies or features and commit the result.
#
# hakari always unifies "all features" too, which would switch the GPU backends and ndarray on
# for every build: their features are stripped afterwards, so the default build compiles Flex
# alone and `--features ndarray,wgpu` remains a separate build.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo hakari generate
cargo hakari manage-deps --yes
toml=crates/mnist-workspace-hack/Cargo.toml
sed -i -E \
  -e 's/"(cuda|wgpu|cubecl-cuda|cubecl-wgpu|ndarray)", //g' \
  -e 's/, "(cuda|wgpu|cubecl-cuda|cubecl-wgpu|ndarray)"//g' \
  -e '/^(burn-ndarray|ndarray|matrixmultiply) = /d' \
  "$toml"
if grep -nE '"(cuda|wgpu|cubecl-cuda|cubecl-wgpu|ndarray)"' "$toml"; then
  echo "workspace-hack.sh: a GPU or ndarray feature is left in $toml" >&2
  exit 1
fi
echo "updated $toml"

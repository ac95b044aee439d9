#!/usr/bin/env bash
# Writes a self-contained static folder that reads digits in any browser, with no server of
# ours: index.html, its JS and CSS (the studio's drawing, upload and reading modules), the
# reader compiled to WebAssembly from this workspace (crates/mnist-web: the model code and
# image pipeline `infer` runs), and a run's weights. Serve OUT_DIR with any static file
# server (python3 -m http.server, GitHub Pages); the page requests only its own files.
#
# Usage: scripts/build-web.sh RUN_DIR OUT_DIR
#   RUN_DIR   a run directory written by `train` (its model.safetensors is shipped), or a
#             model file the page reads: model.safetensors, model-int8.safetensors, PyTorch
#             .safetensors, Keras .keras/.h5
#   OUT_DIR   the folder to write (created; files of an earlier build are replaced)
# Needs: rustup target add wasm32-unknown-unknown; cargo install wasm-bindgen-cli --version 0.2.130
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
usage() { sed -n '8,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[[ $# -eq 2 ]] || usage
source_path="$(realpath -m "$1")"
out="$(realpath -m "$2")"

if [[ -d "$source_path" ]]; then
  model="$source_path/model.safetensors"
  [[ -f "$model" ]] || { echo "build-web.sh: $source_path has no model.safetensors (is it a run directory written by train?)" >&2; exit 1; }
elif [[ -f "$source_path" ]]; then
  model="$source_path"
else
  echo "build-web.sh: no run directory or model file at $source_path" >&2
  exit 1
fi

# wasm-bindgen's generated JS must come from the CLI of the very version the crate links.
bindgen_version="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' "$root/crates/mnist-web/Cargo.toml")"
if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  echo "build-web.sh: the wasm32 target is missing: rustup target add wasm32-unknown-unknown" >&2
  exit 1
fi
if ! found="$(wasm-bindgen --version 2>/dev/null)" || [[ "$found" != "wasm-bindgen $bindgen_version" ]]; then
  echo "build-web.sh: wasm-bindgen $bindgen_version is needed (found: ${found:-none}):" >&2
  echo "  cargo install wasm-bindgen-cli --version $bindgen_version" >&2
  exit 1
fi

cd "$root"
# Cargo writes where CARGO_TARGET_DIR says, when it is set.
wasm="${CARGO_TARGET_DIR:-$root/target}/wasm32-unknown-unknown/release/mnist_web.wasm"
# Another build of the crate for wasm32 (a plain `cargo build --target wasm32-unknown-unknown`)
# writes the same file, and cargo would then take this build's as fresh: a wasm this script
# did not make is removed so that it is made again.
stamp="$wasm.build-web.sha256"
if [[ -f "$wasm" ]] && ! sha256sum --status -c "$stamp" 2>/dev/null; then
  rm -f "$wasm" "$(dirname "$wasm")/deps/mnist_web.wasm"
fi
# For the wasm32 target only: whole-program LTO and opt-level z shrink the page from 1.7 to
# about 0.8 MB gzip, the image pipeline keeps opt-level 3 (Cargo.toml's package overrides) and
# WebAssembly SIMD (every current browser has it) makes a drawing's reading 4× faster. Host
# artifacts (build scripts, proc macros) take no LTO, their own opt-level and no target
# flags, so none of this rebuilds the native builds that share target/. `cargo rustc` builds
# the cdylib alone: cargo runs no LTO for a crate that is an rlib too (the native tests').
CARGO_PROFILE_RELEASE_LTO=true CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
  cargo rustc --release --locked -p mnist-web --lib --crate-type cdylib --target wasm32-unknown-unknown
sha256sum "$wasm" > "$stamp"

mkdir -p "$out/model"
rm -f "$out"/*.js "$out"/*.wasm "$out"/*.css "$out"/index.html "$out"/model/*
wasm-bindgen --target web --no-typescript --remove-name-section --remove-producers-section \
  --out-dir "$out" "$wasm"
cp crates/mnist-web/page/{index.html,page.js,page.css} "$out/"
# The studio's own files, unchanged: one error line, drawing pad and reading display for both pages.
for module in style.css errors.js charts.js reading.js draw.js upload.js; do
  cp "crates/mnist-serve/assets/$module" "$out/"
done
model_name="$(basename "$model")"
cp "$model" "$out/model/$model_name"
printf '{"file": "%s"}\n' "$model_name" > "$out/model/manifest.json"

# Sizes as a visitor downloads them: the code apart from the weights, raw and gzip'd.
size_of() { local raw=0 gz=0; for f in "$@"; do raw=$((raw + $(stat -c %s "$f"))); gz=$((gz + $(gzip -9c "$f" | wc -c))); done; echo "$raw $gz"; }
read -r code_raw code_gz < <(size_of "$out"/*.html "$out"/*.js "$out"/*.css "$out"/*.wasm)
read -r weights_raw weights_gz < <(size_of "$out/model/$model_name")
kib() { awk -v b="$1" 'BEGIN { printf "%.0f KiB", b / 1024 }'; }
echo "wrote $out"
echo "  code (wasm + JS + HTML + CSS): $(kib "$code_raw"), $(kib "$code_gz") gzip"
echo "  weights ($model_name): $(kib "$weights_raw"), $(kib "$weights_gz") gzip"
echo "serve it with: python3 -m http.server --directory $out 8000   (then open http://localhost:8000/)"

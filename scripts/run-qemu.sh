#!/usr/bin/env bash
# Builds the Cortex-M firmware (firmware/) around an int8 model and MNIST test images, boots it
# in QEMU and prints what it reports: each misclassified image, the accuracy, the instructions
# per image, the stack used; then the ELF's flash and RAM sizes. Fails (non-zero) when the
# build fails, QEMU hangs past the timeout, or the firmware exits with failure (logits that
# differ from the host's, or accuracy below MNIST_MIN_ACCURACY).
#
# Usage: scripts/run-qemu.sh [INT8_MODEL]
#   INT8_MODEL           default artifacts/mlp-128/model-int8.safetensors, the int8 copy
#                        `train --config configs/mlp-128.toml` leaves in its run directory
#                        (any f32 model.safetensors can be quantized with the mnist-int8
#                        example quantize_safetensors, see firmware/README.md)
# Environment:
#   MNIST_DIR            folder with t10k-images-idx3-ubyte / t10k-labels-idx1-ubyte (raw or .gz);
#                        default: the project's cache, $MNIST_CACHE_DIR/mnist or
#                        ${XDG_CACHE_HOME:-~/.cache}/mnist-burn/mnist (crates/mnist-data/src/cache.rs)
#   MNIST_IMAGE_COUNT    test images to embed (default 200; 784 bytes of flash each)
#   MNIST_MIN_ACCURACY   percentage below which the firmware fails (default 0)
#   FIRMWARE_TARGET      thumbv7m-none-eabi (default, mps2-an385, Cortex-M3) or
#                        thumbv7em-none-eabihf (mps2-an386, Cortex-M4F)
#   QEMU_TIMEOUT         seconds before a hung run is killed (default 300)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

model="$(realpath -m "${1:-artifacts/mlp-128/model-int8.safetensors}")"
if [[ ! -f "$model" ]]; then
  echo "run-qemu.sh: no int8 model at $model (see the usage at the top of this script)" >&2
  exit 2
fi

# The same cache folder mnist-data uses, so a dataset `train` fetched once serves here too.
cache_root="${MNIST_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mnist-burn}"
mnist_dir="${MNIST_DIR:-$cache_root/mnist}"
# Raw or gzip'd, as mnist-data accepts them; build.rs detects gzip by its magic bytes.
find_file() {
  local name="$1"
  for candidate in "$mnist_dir/$name" "$mnist_dir/$name.gz"; do
    if [[ -f "$candidate" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  echo "run-qemu.sh: no $name(.gz) in $mnist_dir (set MNIST_DIR, or fetch it: train --fetch-only)" >&2
  return 1
}
images="$(find_file t10k-images-idx3-ubyte)"
labels="$(find_file t10k-labels-idx1-ubyte)"

target="${FIRMWARE_TARGET:-thumbv7m-none-eabi}"
case "$target" in
  thumbv7m-none-eabi) machine=mps2-an385 cpu=cortex-m3 ;;
  thumbv7em-none-eabihf) machine=mps2-an386 cpu=cortex-m4 ;;
  *) echo "run-qemu.sh: FIRMWARE_TARGET=$target is neither thumbv7m-none-eabi nor thumbv7em-none-eabihf" >&2; exit 2 ;;
esac
command -v qemu-system-arm >/dev/null || {
  echo "run-qemu.sh: qemu-system-arm is not installed (Debian: apt-get install qemu-system-arm)" >&2
  exit 2
}

# Built in firmware/ so its own rust-toolchain.toml, .cargo/config.toml and Cargo.lock apply
# (it is not a workspace member: the workspace's std dependencies cannot build for a board).
export MNIST_INT8_MODEL="$model" MNIST_TEST_IMAGES="$images" MNIST_TEST_LABELS="$labels"
(cd firmware && cargo build --release --target "$target")
elf="firmware/target/$target/release/mnist-firmware"

# -icount shift=0: one instruction = 1 ns of virtual time, so SysTick counts instructions
# (firmware/README.md). Semihosting carries the output and the exit status; no serial, no monitor.
# timeout: a firmware that never reaches its semihosting exit must not hang CI.
status=0
timeout "${QEMU_TIMEOUT:-300}" qemu-system-arm -machine "$machine" -cpu "$cpu" -nographic \
  -monitor none -serial none -semihosting-config enable=on,target=native -icount shift=0 \
  -kernel "$elf" || status=$?
if [[ $status -eq 124 ]]; then
  echo "run-qemu.sh: QEMU was still running after ${QEMU_TIMEOUT:-300} s" >&2
fi

# Flash = .vector_table + .text + .rodata (+ .data's initial values); RAM = .data + .bss + stack.
size_tool="$(ls "$(rustc --print sysroot)"/lib/rustlib/*/bin/llvm-size 2>/dev/null | head -n1 || true)"
if [[ -n "$size_tool" ]]; then
  "$size_tool" "$elf"
  "$size_tool" -A "$elf" | grep -E '^(section|\.vector_table|\.text|\.rodata|\.data|\.bss|\.uninit) '
else
  echo "run-qemu.sh: no llvm-size (rustup component add llvm-tools) to report sizes" >&2
fi
exit "$status"

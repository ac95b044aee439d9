"""MNIST as the Rust tools read it, for the Python helpers (numpy only).

The files come from the same place the Rust tools use: $MNIST_DIR, else $MNIST_CACHE_DIR,
else ~/.cache/mnist-burn/mnist (run `cargo run --release --bin mnist-fetch` first). Pixels
are divided by 255 and flattened row-major, exactly as in the Rust crates.
"""

import os
import struct
import sys
from pathlib import Path

import numpy as np


def mnist_dir() -> Path:
    for env in ("MNIST_DIR", "MNIST_CACHE_DIR"):
        if os.environ.get(env):
            return Path(os.environ[env])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "mnist-burn" / "mnist"


def read_idx(path: Path) -> np.ndarray:
    data = path.read_bytes()
    _zero, dtype, rank = struct.unpack(">HBB", data[:4])
    if dtype != 0x08:
        sys.exit(f"{path}: not a u8 IDX file")
    dims = struct.unpack(">" + "I" * rank, data[4 : 4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_split(prefix: str, scale: float = 255.0):
    """(`[N, 784]` float32 pixels / `scale`, `[N]` int64 labels) of `train` or `t10k`."""
    root = mnist_dir()
    try:
        images = read_idx(root / f"{prefix}-images-idx3-ubyte")
        labels = read_idx(root / f"{prefix}-labels-idx1-ubyte")
    except FileNotFoundError as e:
        sys.exit(f"{e.filename}: missing; run `cargo run --release --bin mnist-fetch` first")
    return images.reshape(-1, 784).astype(np.float32) / scale, labels.astype(np.int64)

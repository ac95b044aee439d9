//! The real `train` binary: the CLI as users run it (`train_cli`) and crash safety
//! (`crash_safety`). The wgpu test is `cargo test --release -p mnist-train --features wgpu
//! --test train wgpu`.
//!
//! One test binary rather than one per file: each binary links all of Burn.

mod support;

mod crash_safety;
mod train_cli;

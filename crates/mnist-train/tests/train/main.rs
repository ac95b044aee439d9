//! The real `train` binary: the CLI as users run it (`train_cli`) and crash safety
//! (`crash_safety`). The wgpu test is `cargo test --release -p mnist-train --features wgpu
//! --test train wgpu`.
//!
//! One test binary rather than one per file: each test binary compiles and links its own copy
//! of the Burn code it calls.

mod support;

mod crash_safety;
mod train_cli;

//! No code: this crate exists for its `Cargo.toml`, which lists the union of the features the
//! workspace's builds give their dependencies, so every build resolves them alike and Burn is
//! compiled once (see `scripts/workspace-hack.sh`).

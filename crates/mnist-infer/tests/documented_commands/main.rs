//! The commands in README.md and docs/*.md, checked against the code, so that a guide whose
//! commands have rotted fails CI (docs/testing.md, "Commands in the guide", is the user's
//! side of this file).
//!
//! Every fenced block that shows commands is one of:
//!
//! - ```` ```console ````: each `$ ` line is run against the real binary and its output
//!   (stdout, then stderr) compared with the lines under it; `...` alone on a line stands for
//!   any lines, `[..]` for any text within a line, a last line `? N` for the exit code;
//! - a `sh` block after `<!-- run-by: FILE -->`: FILE (a script CI runs, such as `.ci/run`)
//!   runs each of the block's commands;
//! - a `sh` block after `<!-- illustrative -->`: too slow or too machine-bound to run here.
//!
//! Blocks that are not run are still checked: each binary they start exists, each of its
//! flags is in that binary's `--help`, each package, feature, test, bench and example that
//! `cargo` is asked for exists, and each repository path they name is there. The examples
//! at the end of every binary's `--help` get the same checks, and `--help` must fit a screen.
//!
//! The binaries of the other packages are taken from the directory cargo built this test's
//! own `infer` into (`target/release`); `cargo test --release --workspace` builds them all
//! before any test runs. A binary older than its sources fails the test rather than check a
//! stale `--help`.
//!
//! This is a test binary of its own, against the one-binary-a-crate rule of `tests/infer/`:
//! it uses no crate of the workspace, so it links none of Burn and builds in seconds. It
//! reads `console` blocks as trycmd's markdown mode does, without trycmd: that crate's
//! dependencies would join every workspace test build (and the workspace-hack's features),
//! and it has no notion of the blocks that must not run.

mod bins;
mod console;
mod documents;
mod help;
mod links;
mod markers;
mod prose;
mod shell;
mod workspace;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::bins::bins;

/// The screen's width: clap's own default. The binaries wrap their help to the terminal, or
/// to `COLUMNS` where there is none (clap's `wrap_help`), so every run here sets it and the
/// documents quote help as a terminal of this width shows it (a narrower one wraps it more).
const SCREEN_COLUMNS: &str = "100";
/// Where a path in a command must exist; `artifacts/` and the like are made by the commands.
const REPO_DIRS: [&str; 7] = [
    "configs/",
    "scripts/",
    "crates/",
    "docs/",
    "fuzz/",
    "firmware/",
    ".ci/",
];

fn repo() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .expect("the repository root")
    })
}

fn bin_dir() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_infer"))
        .parent()
        .expect("the binaries' directory")
}

/// Every check below reads the binaries: a missing or stale one is reported once, first.
fn require_binaries() {
    let missing: Vec<&String> = bins()
        .values()
        .filter_map(|bin| bin.as_ref().err())
        .collect();
    assert!(
        missing.is_empty(),
        "the binaries this test reads are not built from these sources:\n{}",
        missing
            .iter()
            .map(|e| format!("  {e}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

fn fail_on(problems: Vec<String>, what: &str) {
    assert!(
        problems.is_empty(),
        "{what} ({} problems; docs/testing.md, \"Commands in the guide\", says how to mark a \
         block):\n\n{}",
        problems.len(),
        problems.join("\n\n")
    );
}

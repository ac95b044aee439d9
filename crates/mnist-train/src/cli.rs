//! Command-line arguments of `train`.

use std::path::PathBuf;

use clap::Parser;

use crate::overrides::Overrides;

/// Shown after the options: a newcomer copies an example before reading the list. The
/// configs and flags named here are checked by mnist-infer's `documented_commands` test.
const EXAMPLES: &str = "\
Examples:
  train --config configs/mlp-256-128.toml      the default run
  train --config configs/mlp-256-128.toml --epochs 2 --out /tmp/quick
  train --resume --out artifacts/mlp-256-128   go on after Ctrl-C or kill -9

Guide: docs/training-and-configs.md";

/// Train an MNIST MLP from a TOML config into a run directory, then score it on the test set.
// One paragraph only: a second one would switch clap's --help to its three-lines-an-option
// layout, which does not fit a screen with this many options.
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES)]
pub struct Args {
    /// Training config (TOML); optional with --resume --out.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run directory [default: <output.dir>/<config name>].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run from its last complete epoch.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Delete a previous run in the run directory and start over.
    #[arg(long)]
    pub force: bool,
    /// Only obtain and verify the dataset, then exit.
    #[arg(long)]
    pub fetch_only: bool,
    /// Values that replace the config's.
    #[command(flatten)]
    pub overrides: Overrides,
}

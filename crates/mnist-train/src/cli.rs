//! Command-line arguments of `train`.

use std::path::PathBuf;

use clap::Parser;

use crate::overrides::Overrides;

/// Train an MNIST MLP from a TOML config with Burn, then evaluate it on the test set.
///
/// Leaves a run directory with the resolved config, the final model (model.bpk +
/// model.json), per-epoch checkpoints, metrics.csv, curves.png and summary.json.
#[derive(Debug, Parser)]
#[command(version, about, long_about)]
pub struct Args {
    /// Training config (TOML), e.g. configs/mlp-256-128.toml. Optional with --resume --out.
    #[arg(long, short, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Run directory [default: <output.dir>/<config name>, e.g. artifacts/mlp-256-128].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Continue the run in the run directory from its last complete epoch. Takes --epochs,
    /// --lr, --backend and --data-dir, which become the run's config.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Delete a previous run in the run directory and start over.
    #[arg(long)]
    pub force: bool,
    /// Only obtain and verify MNIST (from --data-dir, the config's data.dir, the cache or the
    /// network), then exit.
    #[arg(long)]
    pub fetch_only: bool,
    /// Values that replace the config's.
    #[command(flatten)]
    pub overrides: Overrides,
}

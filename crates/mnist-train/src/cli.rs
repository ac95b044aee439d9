//! Command-line arguments of `train`.

use std::path::PathBuf;

use clap::Parser;

use crate::config::Overrides;

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
    /// Continue the run in the run directory from its last complete epoch.
    #[arg(long, conflicts_with = "force")]
    pub resume: bool,
    /// Delete a previous run in the run directory and start over.
    #[arg(long)]
    pub force: bool,
    /// Only obtain and verify MNIST, then exit.
    #[arg(long)]
    pub fetch_only: bool,
    /// Number of epochs (overrides `epochs`).
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,
    /// Images per batch (overrides `data.batch_size`).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    /// Peak learning rate (overrides `optimizer.lr`).
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Seed (overrides `seed`).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Directory with the MNIST files (overrides `data.dir`; also MNIST_DIR).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Backend: ndarray, flex, wgpu or cuda, among those compiled in (overrides `backend`).
    #[arg(long, value_name = "NAME")]
    pub backend: Option<String>,
    /// Start from these weights: a run directory, a .bpk model, or PyTorch weights
    /// (.safetensors, .pt, .pth) of the config's architecture (overrides `init_from`).
    #[arg(long, value_name = "PATH")]
    pub init_from: Option<PathBuf>,
    /// Train on the first N training images only (quick checks).
    #[arg(long, value_name = "N")]
    pub train_limit: Option<usize>,
}

impl Args {
    /// The values that override the config.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            epochs: self.epochs,
            batch_size: self.batch_size,
            lr: self.lr,
            seed: self.seed,
            data_dir: self.data_dir.clone(),
            backend: self.backend.clone(),
            train_limit: self.train_limit,
            init_from: self.init_from.clone(),
        }
    }
}

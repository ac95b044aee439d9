//! `serve`'s command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// A local web studio for the models `train` saves: draw a digit or upload a photo and see
/// what a run's model reads, browse every run's curves, confusion matrix and mistakes, and
/// call the same JSON API from scripts (`/api/…`, see the README).
#[derive(Debug, Parser)]
#[command(version)]
pub struct Args {
    /// Folder searched for runs (directories holding `model.json`, as `train` writes them),
    /// at any depth; a run is named by its path relative to this folder.
    #[arg(long, default_value = "artifacts", value_name = "DIR")]
    pub runs: PathBuf,

    /// Address to listen on. The default answers this machine only; another address lets
    /// anyone who can reach it use the studio.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub bind: SocketAddr,

    /// Backend the models run on (flex, ndarray, wgpu, cuda; those compiled in). Default:
    /// the fastest compiled CPU backend.
    #[arg(long)]
    pub backend: Option<String>,

    /// Folder with the datasets' IDX files, for the runs pages' test-set evaluations;
    /// default: the cache and the usual sources, as for `train`.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Largest request body accepted, in MiB (larger uploads get 413).
    #[arg(long, default_value_t = 16, value_name = "MIB", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_body_mib: u32,

    /// Longest a request may take, in seconds, waiting included (longer ones get 503).
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Predictions computed at once; further requests wait their turn. Default: twice
    /// the CPU cores.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: Option<u32>,
}

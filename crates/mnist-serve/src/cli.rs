//! `serve`'s command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

/// Shown after the options: a newcomer copies an example before reading the list. The
/// flags named here are checked by mnist-infer's `documented_commands` test.
const EXAMPLES: &str = "\
Examples:
  serve                                  every run under artifacts/, port 8080
  serve --runs artifacts/sweep --bind 127.0.0.1:9000
  curl -s --data-binary @seven.jpg '127.0.0.1:8080/api/predict?run=mlp-256-128'

Guide: docs/studio.md (the pages and the JSON API)";

/// A local web studio for `train`'s runs: draw or upload digits, browse runs, call its JSON API.
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES)]
pub struct Args {
    /// Folder searched at any depth for runs (folders with a model.json).
    #[arg(long, default_value = "artifacts", value_name = "DIR")]
    pub runs: PathBuf,

    /// Address to listen on (another than 127.0.0.1 opens it to others).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub bind: SocketAddr,

    /// flex, ndarray, wgpu or cuda, among those compiled in [default: fastest CPU one].
    #[arg(long)]
    pub backend: Option<String>,

    /// Folder with the datasets' files, for the runs' test-set pages.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Largest request body, in MiB (larger ones get 413).
    #[arg(long, default_value_t = 16, value_name = "MIB", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_body_mib: u32,

    /// Longest a request may take in seconds, waiting included (then 503).
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    /// Predictions at once; more requests wait [default: twice the CPU cores].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub concurrency: Option<u32>,
}

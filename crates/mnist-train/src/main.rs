//! `train`: trains an MNIST MLP from a TOML config with Burn's learner, evaluates it on the
//! test set and leaves a run directory that `infer` can load.

mod checkpoint;
mod classifier;
mod cli;
mod config;
mod epoch_log;
mod plot;
mod quiet_renderer;
mod report;
mod run_dir;
mod schedule;
mod threads;
mod trainer;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use burn::train::Interrupter;
use clap::Parser;
use mnist_data::{FetchOptions, Mnist, MnistSplits};
use mnist_model::{Backend, load_model, save_model};

use crate::cli::Args;
use crate::config::{FinalModel, TrainConfig};
use crate::epoch_log::{CSV_HEADER, DIVERGED, EpochLog, EpochRecord, read_records};
use crate::run_dir::{
    CHECKPOINT_DIR, CONFIG_FILE, CURVES_FILE, METRICS_FILE, RunDir, SUMMARY_FILE,
};

/// Training allocates and frees tensors of 0.1–1 MB every step. glibc's malloc serves those
/// with fresh mmap'd pages (page faults and zeroing each time): mimalloc reuses them, which
/// made an epoch 30–40 % faster on the reference machine (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status after Ctrl-C / SIGTERM (128 + SIGINT), as shells expect.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let overrides = args.overrides();

    if args.fetch_only {
        let mnist = load_mnist(args.data_dir.clone())?;
        println!(
            "MNIST ready: {} training and {} test images",
            mnist.train.len(),
            mnist.test.len()
        );
        return Ok(ExitCode::SUCCESS);
    }

    // The run directory and the config: a resumed run continues with its own saved config.
    let (config, run_path) = match (&args.config, &args.out, args.resume) {
        (_, Some(out), true) => (
            TrainConfig::load(&out.join(CONFIG_FILE), &overrides)?,
            out.clone(),
        ),
        (Some(path), out, _) => {
            let config = TrainConfig::load(path, &overrides)?;
            let run = out
                .clone()
                .unwrap_or_else(|| config.output.dir.join(&config.name));
            if args.resume {
                (TrainConfig::load(&run.join(CONFIG_FILE), &overrides)?, run)
            } else {
                (config, run)
            }
        }
        (None, _, _) => {
            bail!("no config: pass --config FILE (or --resume --out RUN_DIR to continue a run)")
        }
    };
    let backend = Backend::select(config.backend.as_deref())?;
    threads::configure(backend);
    let device = backend.device()?;
    if let Some(path) = &config.init_from {
        let (_, architecture) = load_model(path, &device).context("init_from")?;
        if architecture.hidden != config.model.hidden {
            bail!(
                "init_from: {} holds a {} model but model.hidden describes {}",
                path.display(),
                architecture.name(),
                config.model.name()
            );
        }
    }
    // Every input is checked and the data is loaded before the run directory is touched, so
    // a bad data directory never leaves a half-made run that blocks the corrected retry.
    let mnist = load_mnist(config.data.dir.clone())?;
    let splits = MnistSplits::new(&mnist, config.data.validation).context("data.validation")?;
    let (run, resume_epoch) = RunDir::prepare(&run_path, args.resume, args.force)?;
    // Burn's learner panics on a checkpoint it cannot load: check the files first.
    let resume_epoch = match resume_epoch {
        Some(_) => Some(
            checkpoint::resumable_epoch(&run.file(CHECKPOINT_DIR), &config, &device)
                .map_err(anyhow::Error::msg)?,
        ),
        None => None,
    };

    println!(
        "run {}: model {} ({} parameters), backend {backend}, seed {}",
        run.path.display(),
        config.model.name(),
        config.model.num_params(),
        config.seed
    );
    if let Some(epoch) = resume_epoch {
        println!("resuming after epoch {epoch} of {}", config.epochs);
    } else {
        let toml = toml::to_string_pretty(&config).context("serialising the config")?;
        mnist_model::write_atomic(&run.file(CONFIG_FILE), toml.as_bytes())
            .with_context(|| format!("writing {}", run.file(CONFIG_FILE).display()))?;
    }

    // metrics.csv keeps the rows of the epochs that a resumed run does not redo.
    let metrics = run.file(METRICS_FILE);
    let previous = resume_epoch
        .map(|e| read_records(&metrics, e))
        .unwrap_or_default();
    let mut csv = format!("{CSV_HEADER}\n");
    for record in &previous {
        csv.push_str(&record.csv_row());
        csv.push('\n');
    }
    mnist_model::write_atomic(&metrics, csv.as_bytes())
        .with_context(|| format!("writing {}", metrics.display()))?;

    let plain = std::env::var_os("CI").is_some() || !std::io::stdout().is_terminal();
    let interrupter = Interrupter::new();
    let epoch_log = EpochLog::new(metrics, config.epochs, plain, previous, interrupter.clone());
    {
        let interrupter = interrupter.clone();
        // SIGINT and SIGTERM stop at the end of the current batch; the checkpoint of the last
        // complete epoch stays on disk for --resume.
        ctrlc::set_handler(move || interrupter.stop(Some("interrupted by signal")))
            .context("installing the Ctrl-C handler")?;
    }

    let monitor = trainer::Monitor {
        plain_output: plain,
        epoch_log: epoch_log.clone(),
        interrupter,
    };
    let trained = trainer::train(&config, &run, &splits, &device, resume_epoch, monitor)?;
    if let Some(error) = trained.error {
        bail!("training failed: {error}");
    }
    let records = epoch_log.records();
    if let Some(reason) = trained.interrupted {
        let done = run.last_checkpoint().unwrap_or(0);
        if reason.starts_with(DIVERGED) {
            bail!(
                "training {reason}; stopped before saving that epoch. Checkpoints up to epoch {done} \
                 are intact in {}. Lower optimizer.lr (now {}) and start again, or continue from \
                 epoch {done} with: train --resume --out {} --lr <smaller>",
                run.file(CHECKPOINT_DIR).display(),
                config.optimizer.lr,
                run.path.display()
            );
        }
        eprintln!(
            "interrupted: {done} of {} epochs are checkpointed in {}.\nresume with: train --resume --out {}",
            config.epochs,
            run.path.display(),
            run.path.display()
        );
        return Ok(ExitCode::from(EXIT_INTERRUPTED));
    }

    let (model, final_epoch) = final_model(&config, &run, &records, trained.model, &device)?;
    let model_path = save_model(&model, &config.model, &run.path)?;
    // The test set is touched once, here, after model selection on validation.
    let test = report::evaluate(&model, &splits.test, &device);
    println!("{test}");
    let summary = report::summary(
        &config,
        backend,
        &records,
        &test,
        final_epoch,
        started.elapsed().as_secs_f64(),
    );
    report::write_summary(&summary, &run.file(SUMMARY_FILE)).context("writing summary.json")?;
    if let Err(e) = plot::draw_curves(&records, &run.file(CURVES_FILE)) {
        eprintln!("warning: {CURVES_FILE} not drawn: {e}");
    }
    println!(
        "saved {} ({} epochs, {:.1} s of training, {:.2} s per epoch)",
        model_path.display(),
        records.len(),
        summary.train_seconds,
        summary.train_seconds / records.len().max(1) as f64
    );
    Ok(ExitCode::SUCCESS)
}

/// The weights saved as the run's model: the last epoch's, or with `final_model = "best"` the
/// checkpoint with the lowest validation loss. Returns them with their epoch.
fn final_model(
    config: &TrainConfig,
    run: &RunDir,
    records: &[EpochRecord],
    last: mnist_model::Mlp,
    device: &burn::prelude::Device,
) -> anyhow::Result<(mnist_model::Mlp, usize)> {
    let last_epoch = records.last().map_or(config.epochs, |r| r.epoch);
    if config.checkpoint.final_model == FinalModel::Last {
        return Ok((last, last_epoch));
    }
    let checkpoints = run.file(CHECKPOINT_DIR);
    let kept = checkpoint::complete_epochs(&checkpoints);
    let best = records
        .iter()
        .filter(|r| r.valid_loss.is_finite() && kept.contains(&r.epoch))
        .min_by(|a, b| a.valid_loss.total_cmp(&b.valid_loss));
    let Some(best) = best else {
        return Ok((last, last_epoch));
    };
    let model = checkpoint::load_model(&checkpoints, best.epoch, config, device)
        .map_err(anyhow::Error::msg)
        .context("loading the best checkpoint")?;
    println!(
        "final model: epoch {} (lowest validation loss {:.4}, accuracy {:.2}%)",
        best.epoch, best.valid_loss, best.valid_acc
    );
    Ok((model, best.epoch))
}

fn load_mnist(data_dir: Option<PathBuf>) -> anyhow::Result<Mnist> {
    Ok(Mnist::load(
        &FetchOptions::default().with_data_dir(data_dir),
    )?)
}

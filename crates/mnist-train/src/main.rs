//! `train`: trains an MNIST MLP from a TOML config with Burn's learner, evaluates it on the
//! test set and leaves a run directory that `infer` can load.
//!
//! A run's life in three steps: [`plan::resolve`] (config, data, locked run directory, resume
//! point), [`trainer::train`] (the training loop) and [`finish::finish`] (final model, test
//! score, summary, curves), the last two on the training threads ([`threads`]).

mod allocator;
mod checkpoint;
mod classifier;
mod cli;
mod config;
mod divergence;
mod epoch_log;
mod finish;
mod float_mode;
mod host;
mod int8;
mod interrupt;
mod kernel_counts;
mod lock;
mod metrics;
mod overrides;
mod plan;
mod plot;
mod progress;
mod report;
mod run_dir;
mod schedule;
mod threads;
mod trainer;

use std::process::ExitCode;
use std::time::Instant;

use anyhow::bail;
use clap::Parser;

use crate::cli::Args;
use crate::host::Host;
use crate::progress::say;
use crate::run_dir::CHECKPOINT_DIR;
use crate::trainer::Outcome;

/// Exit status after Ctrl-C / SIGTERM (128 + SIGINT), as shells expect.
const EXIT_INTERRUPTED: u8 = 130;

fn main() -> ExitCode {
    allocator::keep_freed_memory();
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
    if args.fetch_only {
        let mnist = plan::fetch_only(args)?;
        say!(
            "{} ready: {} training and {} test images",
            mnist.dataset.title,
            mnist.train.len(),
            mnist.test.len()
        );
        return Ok(ExitCode::SUCCESS);
    }

    let plan = plan::resolve(args)?;
    let config = &plan.config;
    let threads = threads::TrainingThreads::for_backend(plan.backend)?;
    let host = Host::detect(threads.count(), threads.run(float_mode::flushes_denormals));
    say!(
        "run {}: {}, model {} ({} parameters), backend {}, seed {}\non {host}",
        plan.run.path.display(),
        config.data.dataset.title,
        config.model.name(),
        config.model.num_params(),
        plan.backend,
        config.seed
    );
    if let Some(epoch) = plan.resume_epoch {
        say!("resuming after epoch {epoch} of {}", config.epochs);
    }

    let run = plan.run.path.display();
    let done = plan.run.last_checkpoint().unwrap_or(0);
    match threads.run(|| trainer::train(&plan))? {
        Outcome::Completed {
            model,
            records,
            steady_state,
        } => {
            let ran = finish::Ran {
                records: &records,
                steady_state,
                started,
                host,
            };
            threads.run(|| finish::finish(&plan, *model, ran))?;
            Ok(ExitCode::SUCCESS)
        }
        Outcome::Interrupted => {
            let done = plan.run.last_checkpoint().unwrap_or(done);
            eprintln!(
                "interrupted: {done} of {} epochs are checkpointed in {run}.\nresume with: train --resume --out {run}",
                config.epochs
            );
            Ok(ExitCode::from(EXIT_INTERRUPTED))
        }
        Outcome::Diverged(divergence) => {
            let done = plan.run.last_checkpoint().unwrap_or(done);
            bail!(
                "training diverged: {divergence}; stopped before saving that epoch. Checkpoints \
                 up to epoch {done} are intact in {}. Lower optimizer.lr (now {}) and start \
                 again, or continue from epoch {done} with: train --resume --out {run} --lr <smaller>",
                plan.run.file(CHECKPOINT_DIR).display(),
                config.optimizer.lr,
            )
        }
        Outcome::Failed(error) => match plan.run.last_checkpoint() {
            Some(done) => bail!(
                "training failed: {error}\ncheckpoints up to epoch {done} are intact; once the \
                 cause is fixed, continue with: train --resume --out {run}"
            ),
            None => bail!("training failed: {error}\nno epoch was checkpointed in {run}"),
        },
    }
}

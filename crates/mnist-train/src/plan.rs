//! Step one of a run: everything decided before training starts, once. The config (a new
//! run's file plus flags, or a resumed run's saved config plus the flags a resume may take),
//! the backend, the data, the locked run directory and where a resume continues. Every input
//! is checked before the run directory is touched, so a bad input never leaves a half-made
//! run that blocks the corrected retry.

use std::path::PathBuf;

use anyhow::{Context, bail};
use burn::prelude::*;
use mnist_data::{Dataset, FetchOptions, Mnist, MnistSplits};
use mnist_model::{Backend, Mlp};

use crate::checkpoint;
use crate::cli::Args;
use crate::config::TrainConfig;
use crate::lock::RunLock;
use crate::metrics::{EpochRecord, MetricsFile};
use crate::run_dir::{CHECKPOINT_DIR, CONFIG_FILE, METRICS_FILE, RunDir, RunDirError};

/// A run ready to train.
pub struct Plan {
    /// The config the run trains with, as saved in the run's `config.toml`.
    pub config: TrainConfig,
    /// The backend chosen.
    pub backend: Backend,
    /// Its device.
    pub device: Device,
    /// Training, validation and test images.
    pub splits: MnistSplits,
    /// The run directory (locked for as long as the plan lives).
    pub run: RunDir,
    /// The last checkpointed epoch of a resumed run.
    pub resume_epoch: Option<usize>,
    /// The records of the epochs a resumed run does not redo.
    pub previous: Vec<EpochRecord>,
    /// The `init_from` weights of a new run, on the autodiff device.
    pub initial_weights: Option<Mlp>,
    _lock: RunLock,
}

/// Resolves the command line into a [`Plan`].
pub fn resolve(args: &Args) -> anyhow::Result<Plan> {
    let (mut config, run_path) = config_and_run(args)?;
    let backend = Backend::select(config.backend.as_deref())?;
    let device = backend.device()?;
    // Read before the run directory is touched: a bad `init_from` must not cost an old run
    // that `--force` would replace.
    let initial_weights = if args.resume {
        None
    } else {
        init_weights(&config, &device)?
    };
    let splits = MnistSplits::new(
        &load_data(config.data.dataset, config.data.dir.clone())?,
        config.data.validation,
    )
    .context("data.validation")?;

    let lock = RunLock::acquire(&run_path)?;
    let (run, resume_epoch) = RunDir::prepare(&run_path, args.resume, args.force)?;
    // Burn's learner panics on a checkpoint it cannot load: check the files first.
    let metrics = MetricsFile::new(run.file(METRICS_FILE));
    let resume_epoch = match resume_epoch {
        Some(_) => checkpoint::resumable_epoch(
            &run.file(CHECKPOINT_DIR),
            metrics.recorded_epochs()?,
            &config,
            &device,
        )?,
        None => None,
    };
    if let Some(done) = resume_epoch
        && config.epochs < done
    {
        bail!(
            "epochs is {} but {} already holds {done} trained epochs; pass --epochs {done} or more",
            config.epochs,
            run.path.display()
        );
    }

    // A resume with no epoch recorded yet starts from the first epoch, so from `init_from`.
    let initial_weights = match (initial_weights, args.resume && resume_epoch.is_none()) {
        (None, true) => init_weights(&config, &device)?,
        (weights, _) => weights,
    };

    // The saved config is what a later --resume continues with: the flags of this resume
    // included, and paths made absolute so the run can be resumed from any directory.
    config.make_paths_absolute();
    let toml = toml::to_string_pretty(&config).context("serialising the config")?;
    mnist_atomic::write(&run.file(CONFIG_FILE), toml.as_bytes())?;
    let previous = match resume_epoch {
        Some(done) => metrics.read_until(done)?,
        None => Vec::new(),
    };
    metrics.write(&previous)?;
    let checkpoints = run.file(CHECKPOINT_DIR);
    std::fs::create_dir_all(&checkpoints)
        .with_context(|| format!("creating {}", checkpoints.display()))?;

    Ok(Plan {
        config,
        backend,
        device,
        splits,
        run,
        resume_epoch,
        previous,
        initial_weights,
        _lock: lock,
    })
}

/// The `init_from` weights a run starts from, if its config names them.
fn init_weights(config: &TrainConfig, device: &Device) -> anyhow::Result<Option<Mlp>> {
    let Some(path) = &config.init_from else {
        return Ok(None);
    };
    let weights = mnist_model::load_model_as(&config.model, path, &device.clone().autodiff())
        .context("init_from")?
        .scale_inputs(config.init_input_scale.unwrap_or(1.0));
    Ok(Some(weights))
}

/// The config and the run directory: a new run's config file with the flags applied, or a
/// resumed run's saved config with the flags a resume may take.
fn config_and_run(args: &Args) -> anyhow::Result<(TrainConfig, PathBuf)> {
    let overrides = &args.overrides;
    let run_path = match (&args.out, &args.config) {
        (Some(out), _) => out.clone(),
        (None, Some(path)) => {
            let config = TrainConfig::load(path)?;
            config.output.dir.join(&config.name)
        }
        (None, None) => {
            bail!("no config: pass --config FILE (or --resume --out RUN_DIR to continue a run)")
        }
    };
    if args.resume {
        let saved = run_path.join(CONFIG_FILE);
        if !saved.is_file() {
            bail!(RunDirError::NothingToResume(run_path));
        }
        let mut config = TrainConfig::load(&saved)?;
        overrides.for_resume(&config).map_err(anyhow::Error::msg)?;
        overrides.apply(&mut config);
        config.check(&saved)?;
        return Ok((config, run_path));
    }
    let Some(path) = &args.config else {
        bail!("no config: pass --config FILE (or --resume --out RUN_DIR to continue a run)")
    };
    let mut config = TrainConfig::load(path)?;
    overrides.apply(&mut config);
    config.check(path)?;
    Ok((config, run_path))
}

fn load_data(dataset: Dataset, data_dir: Option<PathBuf>) -> anyhow::Result<Mnist> {
    Ok(Mnist::load(
        &FetchOptions::new(dataset).with_data_dir(data_dir),
    )?)
}

/// `train --fetch-only`: obtains and verifies the dataset from where the run would (the
/// flags, then the config's `data.dataset` and `data.dir`, then the usual sources).
pub fn fetch_only(args: &Args) -> anyhow::Result<Mnist> {
    let mut data = match &args.config {
        Some(path) => TrainConfig::load(path)?.data,
        None => crate::config::DataConfig::default(),
    };
    let flags = &args.overrides;
    if let Some(dataset) = flags.dataset {
        data.dataset = dataset;
    }
    if flags.data_dir.is_some() {
        data.dir = flags.data_dir.clone();
    }
    load_data(data.dataset, data.dir)
}

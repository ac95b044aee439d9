//! The config values a flag may replace, defined once: clap derives the flags from this struct
//! (flattened into `train`'s arguments), and [`Overrides::apply`] writes them into the config.
//! Adding a knob touches the field here and its line in `apply`.
//!
//! A resumed run takes only the overrides that keep it exact (see [`Overrides::for_resume`]).

use std::path::PathBuf;

use crate::config::TrainConfig;

/// Command-line values that replace config values when given.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Overrides {
    /// Epochs (config: epochs); with --resume, extends or shortens the run.
    #[arg(long, value_name = "N")]
    pub epochs: Option<usize>,
    /// Images per batch (config: data.batch_size).
    #[arg(long, value_name = "N")]
    pub batch_size: Option<usize>,
    /// Peak learning rate (config: optimizer.lr).
    #[arg(long, value_name = "LR")]
    pub lr: Option<f64>,
    /// Seed of initialisation, shuffling, dropout, augmentation (config: seed).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// mnist or fashion-mnist (config: data.dataset).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<mnist_data::Dataset>,
    /// Directory with the dataset's four files (config: data.dir; env MNIST_DIR).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// flex, ndarray, wgpu or cuda, among those compiled in (config: backend).
    #[arg(long, value_name = "NAME")]
    pub backend: Option<String>,
    /// Start from trained weights: run dir, .bpk, PyTorch, Keras (config: init_from).
    #[arg(long, value_name = "PATH")]
    pub init_from: Option<PathBuf>,
    /// 255 if the --init-from model took raw 0–255 pixels [default: 1].
    #[arg(long, value_name = "SCALE")]
    pub init_input_scale: Option<f32>,
    /// Train on the first N training images (config: data.train_limit).
    #[arg(long, value_name = "N")]
    pub train_limit: Option<usize>,
}

impl Overrides {
    /// Replaces the config's values with those given.
    pub fn apply(&self, config: &mut TrainConfig) {
        let Self {
            epochs,
            batch_size,
            lr,
            seed,
            dataset,
            data_dir,
            backend,
            init_from,
            init_input_scale,
            train_limit,
        } = self.clone();
        set(&mut config.data.dataset, dataset);
        set(&mut config.epochs, epochs);
        set(&mut config.data.batch_size, batch_size);
        set(&mut config.optimizer.lr, lr);
        set(&mut config.seed, seed);
        set_some(&mut config.data.dir, data_dir);
        set_some(&mut config.backend, backend);
        set_some(&mut config.init_from, init_from);
        set_some(&mut config.init_input_scale, init_input_scale);
        set_some(&mut config.data.train_limit, train_limit);
    }

    /// Checks the overrides given to `--resume` against the run's saved config. A resumed run
    /// replays the batches, dropout masks and schedule of the interrupted one, so the values
    /// that decide them (dataset, batch size, seed, training subset) cannot change; nor can the
    /// starting weights, which the checkpoint replaces. The epoch count, learning rate,
    /// backend and data location may.
    pub fn for_resume(&self, saved: &TrainConfig) -> Result<(), String> {
        let changed = [
            (
                "--dataset",
                self.dataset.is_some_and(|v| v != saved.data.dataset),
            ),
            (
                "--batch-size",
                self.batch_size.is_some_and(|v| v != saved.data.batch_size),
            ),
            ("--seed", self.seed.is_some_and(|v| v != saved.seed)),
            (
                "--train-limit",
                self.train_limit
                    .is_some_and(|v| Some(v) != saved.data.train_limit),
            ),
        ];
        if let Some((flag, _)) = changed.iter().find(|(_, changed)| *changed) {
            return Err(format!(
                "{flag} cannot change on --resume: the run's batches and dropout depend on it \
                 and resuming replays them exactly. Start a new run (another --out, or --force) \
                 to change it"
            ));
        }
        if self.init_from.is_some() || self.init_input_scale.is_some() {
            return Err(
                "--init-from and --init-input-scale have no effect on --resume: the run \
                 continues from its own checkpoint"
                    .into(),
            );
        }
        Ok(())
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

fn set_some<T>(field: &mut Option<T>, value: Option<T>) {
    if value.is_some() {
        *field = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> TrainConfig {
        TrainConfig::parse("epochs = 3\n[model]\nhidden = [256, 128]\n").expect("parses")
    }

    #[test]
    fn overrides_replace_values_and_are_validated() {
        let mut config = config();
        Overrides {
            epochs: Some(7),
            lr: Some(0.01),
            batch_size: Some(64),
            seed: Some(1),
            train_limit: Some(500),
            ..Default::default()
        }
        .apply(&mut config);
        assert_eq!(
            (
                config.epochs,
                config.optimizer.lr,
                config.data.batch_size,
                config.seed,
                config.data.train_limit
            ),
            (7, 0.01, 64, 1, Some(500))
        );
        assert_eq!(config.shuffle_seed(), 1);
        Overrides {
            lr: Some(0.0),
            ..Default::default()
        }
        .apply(&mut config);
        assert!(config.validate().is_err());
    }

    #[test]
    fn a_resume_takes_epochs_and_lr_but_not_what_decides_the_batches() {
        let saved = config();
        let ok = Overrides {
            epochs: Some(30),
            lr: Some(1e-4),
            backend: Some("ndarray".into()),
            batch_size: Some(saved.data.batch_size),
            seed: Some(saved.seed),
            ..Default::default()
        };
        assert_eq!(ok.for_resume(&saved), Ok(()), "same values are no change");
        for (overrides, flag) in [
            (
                Overrides {
                    batch_size: Some(64),
                    ..Default::default()
                },
                "--batch-size",
            ),
            (
                Overrides {
                    seed: Some(1),
                    ..Default::default()
                },
                "--seed",
            ),
            (
                Overrides {
                    train_limit: Some(100),
                    ..Default::default()
                },
                "--train-limit",
            ),
            (
                Overrides {
                    dataset: Some(mnist_data::Dataset::FASHION_MNIST),
                    ..Default::default()
                },
                "--dataset",
            ),
            (
                Overrides {
                    init_from: Some("x.safetensors".into()),
                    ..Default::default()
                },
                "--init-from",
            ),
        ] {
            let err = overrides.for_resume(&saved).expect_err(flag);
            assert!(err.starts_with(flag), "{err}");
        }
    }
}

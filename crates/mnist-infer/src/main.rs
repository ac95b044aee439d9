//! `infer`: classifies images of handwritten digits (or products, with a Fashion-MNIST
//! model) with a model trained by `train`, or evaluates it on its dataset's test set.

mod cli;

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};
use burn::data::dataset::Dataset as _;
use burn::prelude::*;
use clap::Parser;
use mnist_data::{FetchOptions, Mnist, MnistDataset};
use mnist_infer::report::{self, JsonEvaluation, JsonResult};
use mnist_infer::view::save_views;
use mnist_infer::{Input, LoadedModel, Model, Reading, expand, prepare_file, read_all};
use mnist_model::{Backend, Dataset, Evaluation};
use rayon::prelude::*;

use crate::cli::Args;

/// Inputs preprocessed (in parallel) and classified together, so memory stays flat for
/// any number of inputs.
const CHUNK: usize = mnist_infer::predict::BATCH;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        // `infer … | head -3`: the reader has what it wanted; stop as other Unix tools do,
        // without a message.
        Err(e) if reader_went_away(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether `error` is stdout's reader having closed the pipe.
fn reader_went_away(error: &anyhow::Error) -> bool {
    error
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
}

/// The loaded model and where it runs.
struct Loaded {
    model: Box<dyn Model>,
    architecture: String,
    dataset: Dataset,
    backend: Backend,
    device: Device,
}

/// Returns whether every input was classified.
fn run(args: &Args) -> anyhow::Result<bool> {
    let backend = Backend::select(args.backend.as_deref())?;
    let device = backend.device()?;
    let model = LoadedModel::load(&args.model, &device)?;
    let dataset = dataset_of(args, model.dataset)?;
    let architecture = model.architecture();
    let loaded = Loaded {
        model: model.into_model(args.input_scale)?,
        architecture,
        dataset,
        backend,
        device,
    };
    if !args.json {
        eprintln!(
            "model {} ({}, {}), backend {backend}",
            args.model.display(),
            loaded.architecture,
            dataset.title
        );
    }
    if args.test {
        evaluate_test_set(args, &loaded)?;
        Ok(true)
    } else {
        classify_images(args, &loaded)
    }
}

/// The model's dataset: the one its files record, else `--dataset`, else MNIST. A
/// `--dataset` that contradicts the record is refused.
fn dataset_of(args: &Args, recorded: Option<Dataset>) -> anyhow::Result<Dataset> {
    match (recorded, args.dataset) {
        (Some(recorded), Some(asked)) if recorded != asked => {
            let what = if args.test {
                format!(
                    "--test --dataset {asked} would score it on {}'s test set, whose labels mean other things",
                    asked.title
                )
            } else {
                format!("its answers are {}'s classes", recorded.title)
            };
            bail!(
                "{} was trained on {}, not {}: {what}. Leave out --dataset (the model's own is used)",
                args.model.display(),
                recorded.title,
                asked.title
            )
        }
        (Some(dataset), _) | (None, Some(dataset)) => Ok(dataset),
        (None, None) => Ok(Dataset::MNIST),
    }
}

fn classify_images(args: &Args, loaded: &Loaded) -> anyhow::Result<bool> {
    let dataset = loaded.dataset;
    let mode = match mnist_infer::mode_for(dataset, args.number) {
        Ok(mode) => mode,
        Err(e) => bail!("--number {e} ({})", args.model.display()),
    };
    let inputs = expand(&args.images);
    let mut failed = 0usize;
    let mut json_results = Vec::new();
    let mut view_names = HashSet::new();
    for chunk in inputs.chunks(CHUNK) {
        // Preprocess the chunk on all cores, then classify every digit that came out of it
        // in one pass.
        let prepared: Vec<(&Path, Result<_, String>)> = chunk
            .par_iter()
            .map(|input| match input {
                Input::Image(path) => (
                    path.as_path(),
                    prepare_file(path, mode).map_err(|e| e.to_string()),
                ),
                Input::Unusable(path, why) => (path.as_path(), Err(why.clone())),
            })
            .collect();
        let ready: Vec<_> = prepared
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().map(|(_, p)| p))
            .collect();
        let mut readings = read_all(loaded.model.as_ref(), &ready, &loaded.device).into_iter();
        for (path, prepared) in prepared {
            let mut outcome: Result<Reading, String> = prepared
                .as_ref()
                .map(|_| readings.next().expect("one reading per image"))
                .map_err(Clone::clone);
            if let (Some(dir), Ok((upright, prepared))) = (&args.save_preprocessed, &prepared)
                && let Err(e) = save_views(dir, path, &mut view_names, upright, prepared, mode)
            {
                outcome = Err(format!("cannot save what the model saw: {e}"));
            }
            if outcome.is_err() {
                failed += 1;
            }
            if args.json {
                let outcome = outcome.as_ref().map_err(String::as_str);
                json_results.push(serde_json::json!(JsonResult::new(
                    Some(path),
                    outcome,
                    mode,
                    dataset
                )));
                continue;
            }
            match outcome {
                Ok(reading) => {
                    let line =
                        report::reading_line(path, &reading, mode, args.top_k.into(), dataset);
                    writeln!(std::io::stdout(), "{line}")?;
                    for warning in &reading.warnings {
                        eprintln!("warning: {}: {warning}", path.display());
                    }
                }
                Err(why) => eprintln!("error: {}: {why}", path.display()),
            }
        }
    }
    if args.json {
        let document = serde_json::json!({
            "model": args.model,
            "architecture": loaded.architecture,
            "dataset": dataset,
            "classes": dataset.class_names,
            "backend": loaded.backend,
            "results": json_results,
            "failed": failed,
        });
        writeln!(std::io::stdout(), "{document:#}")?;
    } else if failed > 0 {
        eprintln!("{failed} of {} inputs failed", inputs.len());
    }
    if let (Some(dir), false) = (&args.save_preprocessed, args.json) {
        eprintln!("what the model saw: {}", dir.display());
    }
    Ok(failed == 0)
}

fn evaluate_test_set(args: &Args, loaded: &Loaded) -> anyhow::Result<()> {
    let dataset = loaded.dataset;
    let mnist = Mnist::load(&FetchOptions::new(dataset).with_data_dir(args.data_dir.clone()))
        .with_context(|| format!("loading the {} test set", dataset.title))?;
    let test = MnistDataset::new(mnist.test);
    let mut evaluation = Evaluation::default();
    let mut logits_csv = String::new();
    let indices: Vec<usize> = (0..test.len()).collect();
    for batch in indices.chunks(mnist_model::EVAL_BATCH) {
        let digits: Vec<mnist_infer::Digit> = batch
            .iter()
            .map(|&i| std::array::from_fn(|p| test.image(i)[p]))
            .collect();
        let labels: Vec<u8> = batch.iter().map(|&i| test.label(i)).collect();
        let logits = loaded.model.logits(&digits, &loaded.device);
        if args.logits.is_some() {
            report::append_csv_rows(&mut logits_csv, &logits.clone().into_data());
        }
        evaluation.add(logits, &labels);
    }
    if let Some(path) = &args.logits {
        mnist_atomic::write(path, logits_csv.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        let json = JsonEvaluation {
            model: &args.model,
            architecture: loaded.architecture.clone(),
            backend: loaded.backend,
            dataset,
            accuracy: evaluation.accuracy(),
            loss: evaluation.loss(),
            count: evaluation.count,
            correct: evaluation.correct(),
            per_class_accuracy: evaluation.per_class_accuracy(),
            confusion: evaluation.confusion,
        };
        writeln!(
            std::io::stdout(),
            "{}",
            serde_json::to_string_pretty(&json)?
        )?;
    } else {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", evaluation.report(dataset))?;
        writeln!(out, "{}", report::confusion_table(&evaluation, dataset))?;
    }
    Ok(())
}

//! The `quantize` command: any f32 model `infer` reads (a run directory, `.bpk`, PyTorch
//! `.safetensors`/`.pt`, Keras `.keras`/`.h5`) → an int8 file `infer` and a board read,
//! through the model crate's `quantize_for_dataset`, the function `train` uses for its runs'
//! `model-int8.safetensors`: same weights and calibration images, same file.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use burn::data::dataset::Dataset as _;
use burn::prelude::*;
use clap::Parser;
use mnist_data::{FetchOptions, Mnist, MnistDataset};
use mnist_int8::QuantizedMlp;
use mnist_model::{
    CALIBRATION_IMAGES, Dataset, EVAL_BATCH, Evaluation, INT8_FILE, Mlp, ToWrite, Weights,
};

use crate::{Digit, LoadedModel, Model};

/// Shown after the options.
const EXAMPLES: &str = "\
Examples:
  quantize artifacts/mlp-256-128    writes its model-int8.safetensors
  quantize torch-mlp.safetensors --calibration 2000 --no-eval
  quantize model.keras --dataset fashion-mnist --onnx small.onnx

Guide: docs/small-models.md";

/// Quantize a model to int8 (integer arithmetic only) and compare its test accuracy with the
/// f32 model's; `infer --model` reads the int8 file.
#[derive(Debug, Parser)]
#[command(name = "quantize", version, after_help = EXAMPLES)]
pub struct Args {
    /// Run directory or f32 model file (ours, PyTorch .safetensors/.pt, Keras .keras/.h5).
    #[arg(value_name = "MODEL")]
    pub model: PathBuf,
    /// The int8 file to write [default: <run dir>/model-int8.safetensors, or
    /// <stem>-int8.safetensors beside a model file].
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the int8 model as ONNX (integer ops, for onnxruntime) to FILE.
    #[arg(long, value_name = "FILE")]
    pub onnx: Option<PathBuf>,
    /// Training images the activation ranges are measured on (the first N).
    #[arg(long, value_name = "N", default_value_t = CALIBRATION_IMAGES as u32,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub calibration: u32,
    /// mnist or fashion-mnist, for weights that do not record it (PyTorch, Keras).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<Dataset>,
    /// Directory with the dataset's files (env MNIST_DIR).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Skip scoring the f32 and int8 models on the test set.
    #[arg(long)]
    pub no_eval: bool,
}

/// What [`run`] wrote and measured.
#[derive(Debug)]
pub struct Quantized {
    /// The int8 file.
    pub path: PathBuf,
    /// Its size, bytes.
    pub bytes: usize,
    /// Test accuracy of the f32 model and of the int8 one, percent (unless `--no-eval`).
    pub accuracy: Option<(f64, f64)>,
}

/// Quantizes `args.model`, writes the int8 file (and `--onnx`), and scores both models.
pub fn run(args: &Args) -> anyhow::Result<Quantized> {
    let name = args.model.display();
    let device = Device::default();
    let (mlp, dataset) = load_f32(&args.model, args.dataset, &device)?;
    let out = match &args.out {
        Some(out) => out.clone(),
        None => default_out(&args.model)?,
    };
    if out == args.model {
        bail!("--out {} is the model being quantized", out.display());
    }
    let layers = mnist_model::f32_layers(&mlp)
        .map_err(anyhow::Error::msg)
        .with_context(|| format!("{name}: reading its weights"))?;
    let mnist = Mnist::load(&FetchOptions::new(dataset).with_data_dir(args.data_dir.clone()))
        .with_context(|| format!("loading {} for calibration", dataset.title))?;
    let train = MnistDataset::new(mnist.train.clone());
    let calibration = (0..train.len().min(args.calibration as usize)).map(|i| train.image(i));
    let model = mnist_model::quantize_for_dataset(&layers, dataset, calibration)
        .with_context(|| format!("{name}: cannot be quantized"))?;
    mnist_model::write_model(ToWrite::Int8(&model), &out)?;
    let bytes = std::fs::metadata(&out)
        .with_context(|| format!("reading back {}", out.display()))?
        .len() as usize;
    if let Some(onnx) = &args.onnx {
        mnist_model::write_model(ToWrite::Int8(&model), onnx)?;
    }
    let accuracy = if args.no_eval {
        None
    } else {
        let test = MnistDataset::new(mnist.test.clone());
        Some((
            f32_accuracy(&mlp, &test, &device),
            int8_accuracy(&model, &test),
        ))
    };
    Ok(Quantized {
        path: out,
        bytes,
        accuracy,
    })
}

/// The f32 model at `path` and its dataset (recorded, else `asked`, else MNIST; a
/// contradiction is refused as `infer` refuses it).
fn load_f32(
    path: &Path,
    asked: Option<Dataset>,
    device: &Device,
) -> anyhow::Result<(Mlp, Dataset)> {
    let name = path.display();
    let loaded = LoadedModel::load(path, device)?;
    let recorded = loaded.dataset;
    let mlp = match loaded.weights {
        Weights::F32 { mlp, .. } => *mlp,
        Weights::Int8(_) => {
            bail!("{name}: already an int8 model (quantize takes an f32 model)")
        }
    };
    let dataset = match (recorded, asked) {
        (Some(recorded), Some(asked)) if recorded != asked => bail!(
            "{name} was trained on {}, not {}: leave out --dataset (the model's own is used)",
            recorded.title,
            asked.title
        ),
        (Some(dataset), _) | (None, Some(dataset)) => dataset,
        (None, None) => Dataset::MNIST,
    };
    Ok((mlp, dataset))
}

/// `<run dir>/model-int8.safetensors`, or `<stem>-int8.safetensors` beside a model file.
pub fn default_out(model: &Path) -> anyhow::Result<PathBuf> {
    if model.is_dir() {
        return Ok(model.join(INT8_FILE));
    }
    let stem = model.file_stem().with_context(|| {
        format!(
            "{}: no file name to name the int8 file after",
            model.display()
        )
    })?;
    let mut name = stem.to_os_string();
    name.push("-int8.safetensors");
    Ok(model.with_file_name(name))
}

/// Percent of `test` the f32 model classifies right, as `infer --test` scores it.
fn f32_accuracy(mlp: &Mlp, test: &MnistDataset, device: &Device) -> f64 {
    let mut evaluation = Evaluation::default();
    let indices: Vec<usize> = (0..test.len()).collect();
    for batch in indices.chunks(EVAL_BATCH) {
        let digits: Vec<Digit> = batch
            .iter()
            .map(|&i| std::array::from_fn(|p| test.image(i)[p]))
            .collect();
        let labels: Vec<u8> = batch.iter().map(|&i| test.label(i)).collect();
        evaluation.add(Model::logits(mlp, &digits, device), &labels);
    }
    evaluation.accuracy()
}

fn int8_accuracy(model: &QuantizedMlp, test: &MnistDataset) -> f64 {
    mnist_model::int8_accuracy(
        model,
        (0..test.len()).map(|i| (test.image(i), test.label(i))),
    )
}

//! An f32 MLP (`model.safetensors` as `train` writes it: `fc{k}.weight` F32 `[out, in]`,
//! `fc{k}.bias` F32 `[out]`) + MNIST training images → the int8 file; with test images and
//! labels, also the f32 and int8 accuracy on them.
//!
//! ```text
//! cargo run --release -p mnist-int8 --features std --example quantize_safetensors -- \
//!     artifacts/mlp-128/model.safetensors ~/.cache/mnist-burn/mnist/train-images-idx3-ubyte \
//!     artifacts/mlp-128/model-int8.safetensors \
//!     [--calibration N] [--percentile P] [--test DIR_WITH_T10K_FILES] [--test-limit N]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use mnist_int8::{QuantizeOptions, idx, quantize_with, read_f32_safetensors, reference};

struct Args {
    model: PathBuf,
    train_images: PathBuf,
    out: PathBuf,
    calibration: usize,
    percentile: f64,
    test: Option<PathBuf>,
    test_limit: usize,
}

fn parse() -> Result<Args, String> {
    let mut positional = Vec::new();
    let (mut calibration, mut percentile, mut test, mut test_limit) =
        (5000, 100.0, None, usize::MAX);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--calibration" => {
                calibration = value(&arg)?
                    .parse()
                    .map_err(|e| format!("--calibration: {e}"))?;
            }
            "--percentile" => {
                percentile = value(&arg)?
                    .parse()
                    .map_err(|e| format!("--percentile: {e}"))?;
            }
            "--test" => test = Some(PathBuf::from(value(&arg)?)),
            "--test-limit" => {
                test_limit = value(&arg)?
                    .parse()
                    .map_err(|e| format!("--test-limit: {e}"))?;
            }
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let [model, train_images, out] = <[PathBuf; 3]>::try_from(positional).map_err(|_| {
        "usage: quantize_safetensors MODEL.safetensors TRAIN_IMAGES OUT.safetensors \
         [--calibration N] [--percentile P] [--test DIR] [--test-limit N]"
            .to_string()
    })?;
    Ok(Args {
        model,
        train_images,
        out,
        calibration,
        percentile,
        test,
        test_limit,
    })
}

/// `dataset` and `class_names` of the f32 file, carried into the int8 one.
fn provenance(bytes: &[u8]) -> (Option<String>, Option<Vec<String>>) {
    let Ok((_, header)) = safetensors::SafeTensors::read_metadata(bytes) else {
        return (None, None);
    };
    let metadata = header.metadata().clone().unwrap_or_default();
    let names = metadata
        .get("class_names")
        .and_then(|n| serde_json::from_str::<Vec<String>>(n).ok());
    (metadata.get("dataset").cloned(), names)
}

fn test_file(dir: &Path, name: &str) -> PathBuf {
    let raw = dir.join(name);
    if raw.exists() {
        raw
    } else {
        dir.join(format!("{name}.gz"))
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let bytes = std::fs::read(&args.model).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let layers =
        read_f32_safetensors(&bytes).map_err(|e| format!("{}: {e}", args.model.display()))?;
    let train = idx::read_images(&args.train_images)?;
    let calibration = &train[..args.calibration.min(train.len())];
    let options = QuantizeOptions {
        activation_percentile: args.percentile,
        ..QuantizeOptions::default()
    };
    let mut model = quantize_with(&layers, calibration, &options)?;
    (model.dataset, model.class_names) = provenance(&bytes);
    mnist_int8::write_file(&model, &args.out)?;
    let architecture = model
        .architecture()
        .map(|a| a.to_string())
        .unwrap_or_default();
    println!(
        "{architecture}: calibrated on {} images (percentile {}), wrote {}",
        calibration.len(),
        args.percentile,
        args.out.display()
    );
    if let Some(dir) = &args.test {
        let mut images = idx::read_images(&test_file(dir, "t10k-images-idx3-ubyte"))?;
        images.truncate(args.test_limit);
        let labels = idx::read_labels(&test_file(dir, "t10k-labels-idx1-ubyte"))?;
        let view = mnist_int8::read_file(&args.out)?;
        let view = view.view()?;
        let (mut f32_right, mut int8_right, mut agree) = (0, 0, 0);
        for (image, &label) in images.iter().zip(&labels) {
            let f = reference::classify_f32(&layers, image);
            let q = view.classify_pixels(image).class;
            f32_right += usize::from(f == usize::from(label));
            int8_right += usize::from(q == usize::from(label));
            agree += usize::from(f == q);
        }
        let pct = |n: usize| 100.0 * n as f64 / images.len() as f64;
        println!(
            "test set ({} images): f32 {:.2} %, int8 {:.2} %, same class {:.2} %",
            images.len(),
            pct(f32_right),
            pct(int8_right),
            pct(agree)
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    match parse().map_err(Into::into).and_then(|args| run(&args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quantize_safetensors: {e}");
            ExitCode::FAILURE
        }
    }
}

//! Embeds the model and the test images: reads the int8 safetensors file and MNIST's IDX test
//! files named by environment variables, and writes `$OUT_DIR/model.rs` (see
//! `mnist_int8::codegen`) for `src/main.rs` to include. Also puts `memory.x` where cortex-m-rt's
//! `link.x` finds it.
//!
//! | Variable | Meaning |
//! |---|---|
//! | `MNIST_INT8_MODEL` | the int8 model (`mnist_int8::write_file`'s format); required |
//! | `MNIST_TEST_IMAGES` | `t10k-images-idx3-ubyte`, raw or `.gz`; required |
//! | `MNIST_TEST_LABELS` | `t10k-labels-idx1-ubyte`, raw or `.gz`; required |
//! | `MNIST_IMAGE_COUNT` | how many of the first test images to embed (784 bytes of flash each); default 200 |
//! | `MNIST_MIN_ACCURACY` | a percentage; below it the firmware exits with failure; default 0 |

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEFAULT_IMAGE_COUNT: usize = 200;

fn var(name: &str) -> Option<String> {
    println!("cargo:rerun-if-env-changed={name}");
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn required_path(name: &str, what: &str) -> Result<PathBuf, String> {
    let path = var(name).map(PathBuf::from).ok_or_else(|| {
        format!(
            "{name} is not set: it names {what}. \
             scripts/run-qemu.sh sets it (see firmware/README.md)"
        )
    })?;
    if !path.is_file() {
        return Err(format!("{name}={}: no such file", path.display()));
    }
    println!("cargo:rerun-if-changed={}", path.display());
    Ok(path)
}

fn run() -> Result<(), String> {
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| format!("OUT_DIR: {e}"))?);
    let manifest = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR").map_err(|e| format!("CARGO_MANIFEST_DIR: {e}"))?,
    );
    std::fs::copy(manifest.join("memory.x"), out.join("memory.x"))
        .map_err(|e| format!("memory.x: {e}"))?;
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");

    let model_path = required_path(
        "MNIST_INT8_MODEL",
        "the int8 model to embed (mnist-int8's safetensors format)",
    )?;
    let images_path = required_path(
        "MNIST_TEST_IMAGES",
        "MNIST's t10k-images-idx3-ubyte (raw or .gz)",
    )?;
    let labels_path = required_path(
        "MNIST_TEST_LABELS",
        "MNIST's t10k-labels-idx1-ubyte (raw or .gz)",
    )?;
    let count = match var("MNIST_IMAGE_COUNT") {
        None => DEFAULT_IMAGE_COUNT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("MNIST_IMAGE_COUNT={v}: not a positive whole number"))?,
    };
    let min_accuracy = match var("MNIST_MIN_ACCURACY") {
        None => 0.0,
        Some(v) => v
            .parse::<f64>()
            .ok()
            .filter(|a| (0.0..=100.0).contains(a))
            .ok_or_else(|| format!("MNIST_MIN_ACCURACY={v}: not a percentage"))?,
    };

    let model = mnist_int8::read_file(&model_path).map_err(|e| e.to_string())?;
    let images = mnist_int8::idx::read_images(&images_path).map_err(|e| e.to_string())?;
    let labels = mnist_int8::idx::read_labels(&labels_path).map_err(|e| e.to_string())?;
    if images.len() != labels.len() {
        return Err(format!(
            "{} has {} images but {} has {} labels",
            images_path.display(),
            images.len(),
            labels_path.display(),
            labels.len()
        ));
    }
    if count > images.len() {
        return Err(format!(
            "MNIST_IMAGE_COUNT={count}, but {} has only {} images",
            images_path.display(),
            images.len()
        ));
    }
    let mut source =
        mnist_int8::codegen::firmware_source(&model, &images[..count], &labels[..count])
            .map_err(|e| e.to_string())?;
    source.push_str(&format!(
        "/// Below this accuracy (hundredths of a percent) the firmware exits with failure.\n\
         pub const MIN_ACCURACY_BASIS_POINTS: u32 = {};\n\
         /// The model file embedded.\n\
         pub const MODEL_FILE: &str = {:?};\n",
        (min_accuracy * 100.0).round() as u32,
        file_name(&model_path)
    ));
    std::fs::write(out.join("model.rs"), source).map_err(|e| format!("model.rs: {e}"))?;
    Ok(())
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

//! `quantize`: an f32 model → its int8 copy (the work is `mnist_infer::quantize`'s).

use std::process::ExitCode;

use clap::Parser;
use mnist_infer::quantize::{Args, run};

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(done) => {
            println!(
                "int8 model: {} ({:.0} KB)",
                done.path.display(),
                done.bytes as f64 / 1024.0
            );
            if let Some((f32_accuracy, int8_accuracy)) = done.accuracy {
                println!(
                    "test accuracy: f32 {f32_accuracy:.2}%, int8 {int8_accuracy:.2}% ({:+.2} points)",
                    int8_accuracy - f32_accuracy
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! `serve`: the local web studio. Finds the runs, binds, prints the address, serves until
//! Ctrl-C.

mod cli;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use mnist_model::Backend;
use mnist_serve::{AppState, Limits, router};

use crate::cli::Args;

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the server's runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> anyhow::Result<()> {
    if !args.runs.is_dir() {
        bail!(
            "--runs {}: no such folder. Train a model first (`cargo run --release --bin train`), or point --runs at the folder holding your runs",
            args.runs.display()
        );
    }
    let backend = Backend::select(args.backend.as_deref())?;
    let device = backend.device()?;
    let mut limits = Limits {
        max_body: args.max_body_mib as usize * 1024 * 1024,
        timeout: Duration::from_secs(args.timeout),
        ..Limits::default()
    };
    if let Some(n) = args.concurrency {
        limits.concurrency = n as usize;
    }
    let state = Arc::new(AppState::new(
        args.runs.clone(),
        device,
        args.data_dir.clone(),
        limits,
    ));
    let runs = state.runs.all();
    let listener = tokio::net::TcpListener::bind(args.bind)
        .await
        .with_context(|| format!("cannot listen on {} (--bind)", args.bind))?;
    let address = listener.local_addr().context("reading the bound address")?;
    let plural = if runs.len() == 1 { "" } else { "s" };
    eprintln!(
        "{} run{plural} under {}, backend {backend}",
        runs.len(),
        args.runs.display()
    );
    if runs.is_empty() {
        eprintln!(
            "warning: no runs yet: train one (`cargo run --release --bin train`) and reload the page"
        );
    }
    if !address.ip().is_loopback() {
        eprintln!(
            "warning: listening on {}: anyone who can reach this address can use the studio",
            address.ip()
        );
    }
    // Printed on stdout, alone on its line, for scripts and tests to read the port from.
    println!("serving http://{address}/ (Ctrl-C to stop)");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("serving")?;
    Ok(())
}

//! The static page as a user gets it: `scripts/build-web.sh` exports a run, `python3 -m
//! http.server` serves the folder, and a real headless Chromium draws MNIST test digits on
//! the canvas, chooses photos, and drops model files. The page must read what `infer` reads
//! (the same class, every probability within 1e-4: both call `mnist-read`), request nothing
//! but its own files, and log no error, whatever it is given.
//!
//! With `MNIST_WEB_RUN=DIR` it exports that run (e.g. one made by `train --config
//! configs/mlp-256-128.toml`); by default the infer tests' trained model. With
//! `WEB_SCREENSHOTS=DIR` it saves what it saw.

#[path = "../../../mnist-infer/tests/infer/support/mod.rs"]
mod support;

mod chromium;
mod page;
mod server;

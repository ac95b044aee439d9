//! The real `serve` binary on an ephemeral port, against runs holding models trained on the
//! real datasets: the API (answers equal `infer`'s, every bad request a JSON 4xx, the server
//! alive after them), a bounded load test, and a real browser drawing on the page.
//!
//! One test binary, so the models are trained once for all of them.

#[path = "../../../mnist-infer/tests/infer/support/mod.rs"]
mod support;

// Chromium and drawing on a canvas, shared with the static page's test.
#[path = "../../../mnist-web/tests/page/chromium.rs"]
mod chromium;

mod api;
mod browser;
mod fixtures;
mod load;
mod server;

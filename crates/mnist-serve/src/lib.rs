//! `serve`: a local web studio for the models `train` saves. Draw a digit or upload a photo
//! and watch a run's model read it; browse every run's curves, confusion matrix and
//! mistakes. The page and scripts use one JSON API (`/api/…`), which answers through the
//! same preprocessing and prediction code as `infer`.

pub mod api;
mod assets;
pub mod error;
pub mod evaluation;
pub mod models;
pub mod predict;
pub mod runs;
pub mod state;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::{get, post};
use tower::limit::ConcurrencyLimitLayer;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::ApiError;
pub use state::{AppState, Limits};

/// The whole application: the page, the API, and the limits every request is held to.
pub fn router(state: Arc<AppState>) -> Router {
    let limits = state.limits;
    let app = assets::routes()
        .route(
            "/api/predict",
            post(api::predict).layer(ConcurrencyLimitLayer::new(limits.concurrency)),
        )
        .route("/api/runs", get(api::list_runs))
        .route("/api/runs/{*name}", get(api::run_details))
        .route("/api/datasets/{dataset}/test/{index}", get(api::test_image))
        .with_state(state)
        // The last layer is the outermost: a panic anywhere becomes a 500.
        .layer(DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(limits.max_body))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.timeout,
        ))
        .layer(CatchPanicLayer::new());
    // Every error, whoever made it, leaves with a JSON body. This wraps the whole router
    // (as its fallback) rather than each route, so it sees a 405 after axum has added the
    // `Allow` header it names.
    Router::new()
        .fallback_service(app)
        .layer(middleware::map_response(error::json_errors))
}

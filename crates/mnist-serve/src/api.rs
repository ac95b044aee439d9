//! The JSON API under `/api/`, which the page itself uses and scripts can call.

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use image::{GrayImage, ImageFormat};
use mnist_model::Dataset;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::predict::{mode_for, parse_body, predict as run_prediction};
use crate::runs::Run;
use crate::state::AppState;

type Shared = State<Arc<AppState>>;

/// Runs `work` on the blocking pool (model loading and inference must not stall the
/// async workers); a panic in it becomes a 500, not a dead server.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("the request's work failed: {e}")))?
}

/// The run called `name`, or a 404 that lists the runs there are.
fn find_run(state: &AppState, name: &str) -> Result<Run, ApiError> {
    state.runs.get(name).ok_or_else(|| {
        let runs = state.runs.all();
        let names: Vec<&str> = runs.iter().take(20).map(|r| r.info.name.as_str()).collect();
        let known = if names.is_empty() {
            format!("there are no runs under {}", state.runs.root().display())
        } else {
            format!("the runs are {}", names.join(", "))
        };
        ApiError::not_found(format!("unknown run `{name}`: {known} (GET /api/runs)"))
    })
}

/// `POST /api/predict?run=NAME[&number=1]`.
pub async fn predict(
    State(state): Shared,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(format!("bad query: {e}")))?;
    let body = body.map_err(|e| ApiError::new(e.status(), format!("cannot read the body: {e}")))?;
    let name = query.get("run").ok_or_else(|| {
        ApiError::bad_request(
            "missing `run`: POST /api/predict?run=NAME (GET /api/runs lists them)",
        )
    })?;
    let number = match query.get("number").map(String::as_str) {
        None | Some("0" | "false" | "") => false,
        Some("1" | "true") => true,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "`number` must be 1 or 0, not `{other}`"
            )));
        }
    };
    let run = find_run(&state, name)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let input = parse_body(content_type, &body)?;
    let answer = blocking(move || {
        let loaded = state.models.get(&run, &state.device)?;
        let mode = mode_for(&loaded, number)?;
        let mut answer = run_prediction(&loaded, input, mode, &state.device)?;
        answer["run"] = json!(run.info.name);
        answer["architecture"] = json!(loaded.config.name());
        answer["dataset"] = json!(loaded.dataset);
        answer["classes"] = json!(loaded.dataset.class_names);
        Ok(answer)
    })
    .await?;
    Ok(Json(answer))
}

/// `GET /api/runs`: every run, found again.
pub async fn list_runs(State(state): Shared) -> Result<Json<Value>, ApiError> {
    let runs = blocking(move || Ok(state.runs.refresh())).await?;
    let infos: Vec<_> = runs.iter().map(|r| &r.info).collect();
    Ok(Json(json!(infos)))
}

/// `GET /api/runs/NAME` (summary, metrics, config) and `GET /api/runs/NAME/evaluation`:
/// run names hold slashes (`sweep/mlp-128/seed-1`), so both share one wildcard route.
pub async fn run_details(
    State(state): Shared,
    Path(path): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if state.runs.get(&path).is_none()
        && let Some(name) = path.strip_suffix("/evaluation")
    {
        let run = find_run(&state, name)?;
        let evaluation = blocking(move || {
            let loaded = state.models.get(&run, &state.device)?;
            state.evaluations.get(&run, &loaded, &state.device)
        })
        .await?;
        return Ok(Json(json!(*evaluation)));
    }
    let run = find_run(&state, &path)?;
    let details = blocking(move || {
        Ok(json!({
            "info": run.info,
            "summary": run.summary(),
            "metrics": run.metrics(),
            "config": run.config_toml(),
        }))
    })
    .await?;
    Ok(Json(details))
}

/// `GET /api/datasets/DATASET/test/INDEX`: a test image as a 28×28 PNG (light on black,
/// as stored), for the grid of misclassified images.
pub async fn test_image(
    State(state): Shared,
    Path((dataset, index)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let dataset = Dataset::by_name(&dataset).map_err(|e| ApiError::not_found(e.to_string()))?;
    let index: usize = index
        .trim_end_matches(".png")
        .parse()
        .map_err(|_| ApiError::bad_request(format!("`{index}` is not a test image index")))?;
    let png = blocking(move || {
        let test = state.evaluations.test_set(dataset)?;
        if index >= test.len() {
            return Err(ApiError::not_found(format!(
                "the {} test set has {} images; there is no image {index}",
                dataset.title,
                test.len()
            )));
        }
        let image =
            GrayImage::from_raw(28, 28, test.image(index).to_vec()).expect("test images are 28×28");
        let mut png = Cursor::new(Vec::new());
        image
            .write_to(&mut png, ImageFormat::Png)
            .map_err(|e| ApiError::internal(format!("cannot encode the image: {e}")))?;
        Ok(png.into_inner())
    })
    .await?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        png,
    )
        .into_response())
}

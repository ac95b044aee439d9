//! The page: HTML, CSS and JavaScript compiled into the binary, so the studio works offline
//! with no build step and nothing fetched from elsewhere.

use axum::Router;
use axum::http::header;
use axum::routing::get;

/// Every file of the page: its path, content type and contents. The scripts are ES modules
/// that import each other by relative paths, so they also work copied to a static folder.
const FILES: [(&str, &str, &str); 10] = [
    (
        "/",
        "text/html; charset=utf-8",
        include_str!("../assets/index.html"),
    ),
    (
        "/style.css",
        "text/css; charset=utf-8",
        include_str!("../assets/style.css"),
    ),
    // Keeps and shows script errors; a classic script, loaded first, shared with the static page.
    (
        "/errors.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/errors.js"),
    ),
    // The entry: the model picker, the routes and the status line.
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    ),
    // The JSON API's URLs; no other module calls fetch.
    (
        "/api.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/api.js"),
    ),
    // The runs table, a run's page and the comparison.
    (
        "/runs.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/runs.js"),
    ),
    // The drawing pad, the upload and how an answer is shown: they read through a function
    // they are given, so a page without the server can import them unchanged.
    (
        "/draw.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/draw.js"),
    ),
    (
        "/upload.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/upload.js"),
    ),
    (
        "/reading.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/reading.js"),
    ),
    // The SVG line charts, heat map, bars and 28×28 images.
    (
        "/charts.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/charts.js"),
    ),
];

/// A `GET` route for each file of the page.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    FILES
        .into_iter()
        .fold(Router::new(), |router, (path, content_type, contents)| {
            router.route(
                path,
                get(move || async move { ([(header::CONTENT_TYPE, content_type)], contents) }),
            )
        })
}

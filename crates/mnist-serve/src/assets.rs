//! The page: HTML, CSS and JavaScript compiled into the binary, so the studio works offline
//! with no build step and nothing fetched from elsewhere.

use axum::Router;
use axum::http::header;
use axum::routing::get;

/// Every file of the page: its path, content type and contents.
const FILES: [(&str, &str, &str); 4] = [
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
    (
        "/app.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
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

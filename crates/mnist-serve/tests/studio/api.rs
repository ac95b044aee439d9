//! The JSON API against the real server.

use burn::prelude::*;
use image::{DynamicImage, GrayImage, ImageFormat, Luma};
use mnist_infer::report::JsonResult;
use mnist_infer::{Mode, read_all};
use mnist_model::{Dataset, load_model};
use mnist_vision::{decode_bytes, prepare};
use serde_json::{Value, json};

use crate::fixtures::{FASHION_RUN, MNIST_RUN, fashion, runs};
use crate::server::{Server, agent, delete, get, post};
use crate::support::photo::PhotoMaker;
use crate::support::{self, encoded, inverted, off_centre, upscaled};

fn png(image: GrayImage) -> Vec<u8> {
    encoded(DynamicImage::ImageLuma8(image), ImageFormat::Png)
}

/// What `infer --json` says for `bytes` read as `mode` by the model in `run_dir`: the
/// same library calls `infer`'s main makes.
fn infer_json(run_dir: &std::path::Path, bytes: &[u8], mode: Mode) -> Value {
    let device = Device::default();
    let (model, _) = load_model(run_dir, &device).expect("model");
    let dataset = mnist_model::model_dataset(run_dir)
        .expect("readable")
        .unwrap_or(Dataset::MNIST);
    let prepared = prepare(&decode_bytes(bytes).expect("decodes"), mode).expect("prepared");
    let reading = read_all(&model, &[&prepared], &device)
        .pop()
        .expect("reading");
    as_f32(serde_json::to_value(JsonResult::new(None, Ok(&reading), mode, dataset)).expect("json"))
}

/// `value` with every float rounded to f32, the precision the model computes in: serde_json
/// reads floats back to within one f64 ulp (without its `float_roundtrip` feature), so
/// numbers that crossed HTTP are compared at the precision they were made in.
fn as_f32(value: Value) -> Value {
    match value {
        Value::Number(n) if n.is_f64() => json!(n.as_f64().expect("f64") as f32),
        Value::Array(items) => Value::Array(items.into_iter().map(as_f32).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, as_f32(v))).collect()),
        other => other,
    }
}

/// The fields `infer --json` prints, out of a `/api/predict` answer.
fn infer_fields(answer: &Value) -> Value {
    let mut fields = answer.clone();
    for key in [
        "run",
        "architecture",
        "dataset",
        "classes",
        "mode",
        "inputs",
        "image",
    ] {
        fields.as_object_mut().expect("object").remove(key);
    }
    as_f32(fields)
}

#[test]
fn predictions_equal_infers_for_the_same_images() {
    let runs = runs();
    let server = Server::start(runs, &[]);
    let agent = agent();
    let url = server.url(&format!("/api/predict?run={MNIST_RUN}"));
    let run_dir = runs.join(MNIST_RUN);
    let mut right = 0;
    for index in 0..30 {
        let digit = support::test_digit(index);
        let bytes = match index % 3 {
            0 => png(inverted(upscaled(&digit, 280))),
            1 => encoded(
                DynamicImage::ImageRgb8(support::coloured(&upscaled(&digit, 200))),
                ImageFormat::Jpeg,
            ),
            _ => png(off_centre(&inverted(upscaled(&digit, 140)))),
        };
        let answer = post(&agent, &url, "image/png", &bytes);
        assert_eq!(answer.status, 200, "{:?}", answer.json);
        assert_eq!(
            infer_fields(&answer.json),
            infer_json(&run_dir, &bytes, Mode::Digit),
            "image {index}"
        );
        assert_eq!(answer.json["mode"], "digit");
        assert_eq!(answer.json["dataset"], "mnist");
        assert_eq!(answer.json["inputs"][0].as_array().map(Vec::len), Some(784));
        let label = support::mnist().test.label(index);
        right += usize::from(answer.json["class"] == json!(label));
    }
    assert!(right >= 27, "{right}/30 test digits read right");

    // A number, photographed: the digits left to right, each with its box.
    let digits: Vec<GrayImage> = (0..4).map(support::test_digit).collect();
    let photo = PhotoMaker::new(7).photo(&digits, (300, 500));
    let answer = post(
        &agent,
        &format!("{url}&number=1"),
        "image/jpeg",
        &photo.jpeg,
    );
    assert_eq!(answer.status, 200, "{:?}", answer.json);
    assert_eq!(
        infer_fields(&answer.json),
        infer_json(&run_dir, &photo.jpeg, Mode::Number)
    );
    assert_eq!(
        answer.json["digits"].as_array().map(Vec::len),
        Some(4),
        "{}",
        answer.json["number"]
    );
    assert_eq!(answer.json["inputs"].as_array().map(Vec::len), Some(4));
    assert_eq!(answer.json["image"]["width"], photo.size.0);

    // The model's own input as JSON: the same answer as the image whose input it was.
    let image = png(inverted(upscaled(&support::test_digit(0), 280)));
    let from_image = post(&agent, &url, "image/png", &image);
    let pixels = from_image.json["inputs"][0].to_string();
    let from_pixels = post(&agent, &url, "application/json", pixels.as_bytes());
    assert_eq!(from_pixels.status, 200, "{:?}", from_pixels.json);
    assert_eq!(
        from_pixels.json["probabilities"],
        from_image.json["probabilities"]
    );
    assert_eq!(from_pixels.json["inputs"], from_image.json["inputs"]);
}

#[test]
fn fashion_runs_answer_with_class_names() {
    let runs = runs();
    let server = Server::start(runs, &[]);
    let agent = agent();
    let url = server.url(&format!("/api/predict?run={FASHION_RUN}"));
    let data = fashion();
    let mut right = 0;
    for index in 0..20 {
        // The catalogue shot the dataset image came from: dark product on white.
        let small = GrayImage::from_fn(28, 28, |x, y| {
            Luma([255 - data.test.image(index)[(y * 28 + x) as usize]])
        });
        let bytes = png(upscaled(&small, 336));
        let answer = post(&agent, &url, "image/png", &bytes);
        assert_eq!(answer.status, 200, "{:?}", answer.json);
        assert_eq!(answer.json["mode"], "product");
        assert_eq!(answer.json["classes"][9], "Ankle boot");
        let class = answer.json["class"].as_u64().expect("class") as usize;
        assert_eq!(
            answer.json["label"],
            Dataset::FASHION_MNIST.class_name(class)
        );
        assert_eq!(
            infer_fields(&answer.json),
            infer_json(&runs.join(FASHION_RUN), &bytes, Mode::Product)
        );
        right += usize::from(class == usize::from(data.test.label(index)));
    }
    assert!(
        right >= 14,
        "{right}/20 products read right after one epoch"
    );
    let answer = post(
        &agent,
        &format!("{url}&number=1"),
        "image/png",
        &png(GrayImage::new(40, 40)),
    );
    assert_eq!(answer.status, 400);
    assert!(
        answer.json["error"]
            .as_str()
            .is_some_and(|e| e.contains("one object each")),
        "{:?}",
        answer.json
    );
}

#[test]
fn runs_are_listed_with_their_metrics_config_and_evaluation() {
    let runs = runs();
    let server = Server::start(runs, &[]);
    let agent = agent();
    let list = get(&agent, &server.url("/api/runs"));
    assert_eq!(list.status, 200);
    let names: Vec<&str> = list
        .json
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(names, [MNIST_RUN, FASHION_RUN]);
    let fashion_info = &list.json[1];
    assert_eq!(fashion_info["dataset"], "fashion-mnist");
    assert_eq!(fashion_info["architecture"], "784-256-128-10");
    assert_eq!(fashion_info["reads_numbers"], false);
    assert!(
        fashion_info["date"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z'))
    );

    let details = get(&agent, &server.url(&format!("/api/runs/{FASHION_RUN}")));
    assert_eq!(details.status, 200, "{:?}", details.json);
    assert_eq!(details.json["metrics"][0]["epoch"], 1.0);
    assert!(
        details.json["config"]
            .as_str()
            .is_some_and(|c| c.contains("fashion-mnist"))
    );
    let summary_accuracy = details.json["summary"]["test_accuracy"]
        .as_f64()
        .expect("accuracy");

    let evaluation = get(
        &agent,
        &server.url(&format!("/api/runs/{FASHION_RUN}/evaluation")),
    );
    assert_eq!(evaluation.status, 200, "{:?}", evaluation.json);
    let e = &evaluation.json;
    assert_eq!(e["count"], 10_000);
    assert!((e["accuracy"].as_f64().expect("accuracy") - summary_accuracy).abs() < 1e-9);
    let confusion: Vec<Vec<u64>> = serde_json::from_value(e["confusion"].clone()).expect("10×10");
    let wrong: u64 = (0..10)
        .flat_map(|t| (0..10).filter(move |&p| p != t).map(move |p| (t, p)))
        .map(|(t, p)| confusion[t][p])
        .sum();
    let mistakes = e["misclassified"].as_array().expect("mistakes");
    assert_eq!(mistakes.len() as u64, wrong);
    let first = &mistakes[0];
    let index = first["index"].as_u64().expect("index") as usize;
    assert_eq!(first["label"], fashion().test.label(index));
    assert_ne!(first["label"], first["predicted"]);

    // That test image, as the page shows it.
    let image = get(
        &agent,
        &server.url(&format!("/api/datasets/fashion-mnist/test/{index}")),
    );
    assert_eq!(
        (image.status, image.content_type.as_str()),
        (200, "image/png")
    );
    let decoded = image::load_from_memory(&image.bytes)
        .expect("png")
        .to_luma8();
    assert_eq!(decoded.as_raw().as_slice(), fashion().test.image(index));
}

#[test]
fn bad_requests_get_json_errors_and_the_server_keeps_serving() {
    let runs = runs();
    let mut server = Server::start(runs, &["--max-body-mib", "1"]);
    let agent = agent();
    let predict = server.url(&format!("/api/predict?run={MNIST_RUN}"));
    let good = png(inverted(upscaled(&support::test_digit(0), 280)));
    let mut huge_header = png(GrayImage::new(1, 1));
    set_png_size(&mut huge_header, 50_000, 50_000, 0);
    let mut bomb = png(GrayImage::new(1, 1));
    set_png_size(&mut bomb, 16_000, 16_000, 6); // 1 GiB of RGBA, past the decoder limit
    let values = |v: &str, n: usize| format!("[{}]", vec![v; n].join(","));
    let cases: Vec<BadPost> = vec![
        (
            "empty body",
            predict.clone(),
            "image/png",
            vec![],
            400,
            "empty body",
        ),
        (
            "text posing as a PNG",
            predict.clone(),
            "image/png",
            b"hello, I am a PNG".to_vec(),
            415,
            "not an image",
        ),
        (
            "truncated PNG",
            predict.clone(),
            "image/png",
            good[..good.len() / 2].to_vec(),
            422,
            "image",
        ),
        (
            "a 50 000 px PNG header",
            predict.clone(),
            "image/png",
            huge_header,
            413,
            "too large",
        ),
        (
            "a PNG bomb",
            predict.clone(),
            "image/png",
            bomb,
            413,
            "too large",
        ),
        (
            "a blank page",
            predict.clone(),
            "image/png",
            png(GrayImage::from_pixel(200, 200, Luma([255]))),
            422,
            "blank",
        ),
        (
            "an object, not an array",
            predict.clone(),
            "application/json",
            br#"{"pixels": []}"#.to_vec(),
            400,
            "array of 784",
        ),
        (
            "783 values",
            predict.clone(),
            "application/json",
            values("0", 783).into_bytes(),
            400,
            "got 783",
        ),
        (
            "NaN",
            predict.clone(),
            "application/json",
            values("NaN", 784).into_bytes(),
            400,
            "not valid JSON",
        ),
        (
            "a value past 1",
            predict.clone(),
            "application/json",
            values("1.5", 784).into_bytes(),
            400,
            "outside 0..1",
        ),
        (
            "a string value",
            predict.clone(),
            "application/json",
            values("\"a\"", 784).into_bytes(),
            400,
            "not a number",
        ),
        (
            "pixels for a number",
            format!("{predict}&number=1"),
            "application/json",
            values("0", 784).into_bytes(),
            400,
            "whole number",
        ),
        (
            "number=maybe",
            format!("{predict}&number=maybe"),
            "image/png",
            good.clone(),
            400,
            "`number`",
        ),
        (
            "no run",
            server.url("/api/predict"),
            "image/png",
            good.clone(),
            400,
            "missing `run`",
        ),
        (
            "an unknown run",
            server.url("/api/predict?run=nope"),
            "image/png",
            good.clone(),
            404,
            "unknown run `nope`",
        ),
        (
            "../ in a run name",
            server.url(&format!("/api/predict?run=../{MNIST_RUN}")),
            "image/png",
            good.clone(),
            404,
            "unknown run",
        ),
        (
            "an encoded ../",
            server.url(&format!("/api/predict?run=..%2F..%2F{MNIST_RUN}")),
            "image/png",
            good.clone(),
            404,
            "unknown run",
        ),
        (
            "a sweep's own folder",
            server.url("/api/predict?run=sweep"),
            "image/png",
            good.clone(),
            404,
            "unknown run",
        ),
    ];
    for (what, url, content_type, body, status, message) in cases {
        let answer = post(&agent, &url, content_type, &body);
        assert_eq!(answer.status, status, "{what}: {:?}", answer.json);
        let error = answer.json["error"].as_str().unwrap_or_else(|| {
            panic!(
                "{what}: no JSON error: {:?}",
                String::from_utf8_lossy(&answer.bytes)
            )
        });
        assert!(error.contains(message), "{what}: {error}");
        assert!(server.alive(), "{what} took the server down");
    }
    // A body over the limit is refused from its Content-Length, before it is read (a client
    // still sending then sees its connection closed, so only the head is sent here).
    let (status, body) = request_head(
        &server.base,
        &format!(
            "POST /api/predict?run={MNIST_RUN} HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            2 << 20
        ),
    );
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("request body too large"), "{body}");
    assert!(server.alive());

    let gets: Vec<(&str, String, u16)> = vec![
        ("predict by GET", predict.clone(), 405),
        ("an unknown run's page", server.url("/api/runs/nope"), 404),
        (
            "a run's evaluation that is not a run",
            server.url("/api/runs/sweep/evaluation"),
            404,
        ),
        (
            "a path out of --runs",
            server.url("/api/runs/..%2F..%2Fetc%2Fpasswd"),
            404,
        ),
        (
            "an unknown dataset",
            server.url("/api/datasets/kmnist/test/0"),
            404,
        ),
        (
            "a test index past the end",
            server.url("/api/datasets/mnist/test/10000"),
            404,
        ),
        (
            "a test index that is no number",
            server.url("/api/datasets/mnist/test/x"),
            400,
        ),
        ("an unknown endpoint", server.url("/api/nope"), 404),
    ];
    for (what, url, status) in gets {
        let answer = get(&agent, &url);
        assert_eq!(
            answer.status,
            status,
            "{what}: {:?}",
            String::from_utf8_lossy(&answer.bytes)
        );
        assert!(
            answer.json["error"].is_string(),
            "{what}: {:?}",
            answer.json
        );
    }
    let answer = delete(&agent, &server.url("/api/runs"));
    assert_eq!(answer.status, 405);
    assert!(
        answer.json["error"]
            .as_str()
            .is_some_and(|e| e.contains("GET")),
        "{:?}",
        answer.json
    );

    // Still serving, and still right.
    assert!(server.alive());
    let answer = post(&agent, &predict, "image/png", &good);
    assert_eq!(answer.status, 200, "{:?}", answer.json);
    assert_eq!(answer.json["class"], support::mnist().test.label(0));
    assert_eq!(get(&agent, &server.url("/api/runs")).status, 200);
}

#[test]
fn the_page_and_its_scripts_are_served_from_the_binary() {
    let server = Server::start(runs(), &[]);
    let agent = agent();
    for (path, kind, needle) in [
        ("/", "text/html", "data-testid=\"draw\""),
        ("/", "text/html", "<script type=\"module\" src=\"/app.js\">"),
        ("/app.js", "text/javascript", "createDrawing({"),
        ("/api.js", "text/javascript", "/api/predict"),
        (
            "/runs.js",
            "text/javascript",
            "export function renderRunsTable(",
        ),
        (
            "/draw.js",
            "text/javascript",
            "export function createDrawing(",
        ),
        (
            "/upload.js",
            "text/javascript",
            "export function createUpload(",
        ),
        (
            "/reading.js",
            "text/javascript",
            "export function showResult(",
        ),
        (
            "/reading.js",
            "text/javascript",
            "export function showMessage(",
        ),
        (
            "/charts.js",
            "text/javascript",
            "export { h, lineChart, barList, confusionHeatmap, paintPixels };",
        ),
        ("/style.css", "text/css", "#draw"),
    ] {
        let answer = get(&agent, &server.url(path));
        assert_eq!(answer.status, 200, "{path}");
        assert!(
            answer.content_type.starts_with(kind),
            "{path}: {}",
            answer.content_type
        );
        assert!(
            String::from_utf8_lossy(&answer.bytes).contains(needle),
            "{path}: no {needle}"
        );
    }
}

/// Every module of the page, reached from `app.js` through its imports.
const SCRIPTS: [&str; 7] = [
    "app.js",
    "api.js",
    "runs.js",
    "draw.js",
    "upload.js",
    "reading.js",
    "charts.js",
];
/// The modules the static WebAssembly page imports unchanged, with its own reading function.
const SHARED: [&str; 4] = ["draw.js", "upload.js", "reading.js", "charts.js"];

/// The paths `script` imports from (`import … from '…';`, one a line, as the page writes them).
fn imports(script: &str) -> Vec<String> {
    script
        .lines()
        .filter(|line| line.starts_with("import "))
        .map(|line| {
            let from = line
                .split(" from '")
                .nth(1)
                .unwrap_or_else(|| panic!("{line}"));
            from.trim_end_matches(';')
                .trim_end_matches('\'')
                .to_string()
        })
        .collect()
}

/// `script` without its comment lines, which may name the API they are not calling.
fn code(script: &str) -> String {
    script
        .lines()
        .filter(|line| !["//", "/*", "*"].iter().any(|c| line.trim().starts_with(c)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_modules_import_each_other_by_relative_paths_and_the_shared_ones_know_no_server() {
    let server = Server::start(runs(), &[]);
    let agent = agent();
    let mut reached = vec!["app.js".to_string()];
    let mut next = 0;
    while next < reached.len() {
        let name = reached[next].clone();
        next += 1;
        let answer = get(&agent, &server.url(&format!("/{name}")));
        assert_eq!(answer.status, 200, "{name}");
        assert!(
            answer.content_type.starts_with("text/javascript"),
            "{name}: {}",
            answer.content_type
        );
        let script = String::from_utf8(answer.bytes).expect("utf-8");
        let imported = imports(&script);
        for path in &imported {
            // Relative, so the same files work from any folder a static page is served from.
            let file = path
                .strip_prefix("./")
                .unwrap_or_else(|| panic!("{name} imports {path}, not a ./ path"));
            if !reached.iter().any(|r| r == file) {
                reached.push(file.to_string());
            }
        }
        if SHARED.contains(&name.as_str()) {
            for path in &imported {
                assert!(
                    SHARED.iter().any(|s| path == &format!("./{s}")),
                    "{name} imports {path}, which a page without the server lacks"
                );
            }
            let code = code(&script);
            for word in [
                "fetch(",
                "/api/",
                "location.",
                "localStorage",
                "getElementById",
            ] {
                assert!(!code.contains(word), "{name} uses {word}");
            }
        }
    }
    reached.sort();
    let mut expected = SCRIPTS.map(String::from).to_vec();
    expected.sort();
    assert_eq!(reached, expected, "the modules app.js reaches");
}

#[test]
fn a_missing_runs_folder_or_a_taken_port_is_a_clear_error() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_serve"))
        .args(["--runs", "/no/such/folder"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--runs /no/such/folder: no such folder"),
        "{stderr}"
    );

    let server = Server::start(runs(), &[]);
    let address = server.base.trim_start_matches("http://");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_serve"))
        .args(["--runs", runs().to_str().expect("utf-8"), "--bind", address])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_serve"))
        .args(["--bind", "localhost"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bind"));
}

/// A bad POST: what it is, URL, content type, body, the status expected and a phrase the
/// error must contain.
type BadPost<'a> = (&'a str, String, &'a str, Vec<u8>, u16, &'a str);

/// Sends `head` as is over a fresh connection and reads the answer's status and body.
fn request_head(base: &str, head: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect(base.trim_start_matches("http://")).expect("connects");
    stream.write_all(head.as_bytes()).expect("head sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer read");
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    (status, body)
}

/// Rewrites a PNG's header to claim `width`×`height` pixels of `colour_type` (0 grey, 6
/// RGBA), with a valid checksum, so only the decoder's limits stand in the way.
fn set_png_size(png: &mut [u8], width: u32, height: u32, colour_type: u8) {
    // Signature (8), IHDR length (4), "IHDR" (4), then width, height, depth, colour type.
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    png[25] = colour_type;
    let mut crc = flate2::Crc::new();
    crc.update(&png[12..29]);
    png[29..33].copy_from_slice(&crc.sum().to_be_bytes());
}

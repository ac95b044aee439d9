//! The page, end to end in Chromium.

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::prelude::*;
use fantoccini::{Client, Locator};
use mnist_model::Dataset;
use mnist_read::{JsonResult, LoadedModel, Model, mode_for, prepare_file, read_all};
use serde_json::{Value, json};

use crate::chromium::{browser_errors, connect, draw, start_driver, wait_until};
use crate::server::StaticServer;
use crate::support;
use crate::support::photo::PhotoMaker;

const ERRORS: &str = "return window.pageErrors || ['no error collector'];";
/// MNIST test digits drawn, and how many must be read right (as the studio's test).
const DRAWN: usize = 20;
const MUST_READ: usize = 16;
/// How far the page's probabilities may be from `infer`'s.
const TOLERANCE: f64 = 1e-4;

/// The run to export: `MNIST_WEB_RUN` (a relative path is read from the workspace root, where
/// the command is typed, not from this crate's folder where cargo runs the test), or the infer
/// tests' model. Canonical, as chromedriver takes only canonical paths of files to choose.
fn run_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let run = std::env::var_os("MNIST_WEB_RUN")
        .map(|run| workspace.join(run))
        .unwrap_or_else(|| support::trained_model_dir().to_path_buf());
    // A missing run stays as given, for build-web.sh to name in its message.
    std::fs::canonicalize(&run).unwrap_or(run)
}

/// Runs `scripts/build-web.sh RUN OUT` as a user does; returns what it printed.
fn build_page(run: &Path, out: &Path) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/build-web.sh");
    let output = Command::new(script)
        .arg(run)
        .arg(out)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "build-web.sh failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The gzip'd size of the page's code (weights apart) from build-web.sh's line
/// `code (wasm + JS + HTML + CSS): 2582 KiB, 823 KiB gzip`.
fn code_gzip_kib(printed: &str) -> u64 {
    let line = printed
        .lines()
        .find(|l| l.trim_start().starts_with("code ("))
        .unwrap_or_else(|| panic!("build-web.sh printed no code size:\n{printed}"));
    let gzip = line
        .rsplit(", ")
        .next()
        .and_then(|s| s.strip_suffix(" KiB gzip"))
        .unwrap_or_else(|| panic!("no gzip size in {line:?}"));
    gzip.parse()
        .unwrap_or_else(|e| panic!("{gzip:?} in {line:?}: {e}"))
}

/// What `infer --json` answers for the image file `path`: the calls its `main` makes
/// (`prepare_file`, then `read_all` over the files given), natively.
fn infer_reads(model: &dyn Model, path: &Path, number: bool) -> Value {
    let mode = mode_for(Dataset::MNIST, number).expect("MNIST reads numbers");
    let (_, prepared) = prepare_file(path, mode)
        .unwrap_or_else(|e| panic!("infer cannot read {}: {e}", path.display()));
    let reading = read_all(model, &[&prepared], &Device::default())
        .pop()
        .expect("one reading per file");
    let result = JsonResult::new(Some(path), Ok(&reading), mode, Dataset::MNIST);
    serde_json::to_value(result).expect("readings serialise")
}

/// [`infer_reads`] of `bytes`, written to `dir` as the file `name`.
fn infer_reads_bytes(
    model: &dyn Model,
    dir: &Path,
    name: &str,
    bytes: &[u8],
    number: bool,
) -> Value {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("image written");
    infer_reads(model, &path, number)
}

fn assert_same_reading(page: &Value, native: &Value, what: &str) {
    assert!(page["error"].is_null(), "{what}: the page failed: {page}");
    let digits = |v: &Value| {
        v["digits"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![v.clone()])
    };
    let (on_page, in_infer) = (digits(page), digits(native));
    assert_eq!(on_page.len(), in_infer.len(), "{what}: digits found");
    assert_eq!(page["number"], native["number"], "{what}");
    for (p, n) in on_page.iter().zip(&in_infer) {
        assert_eq!(p["class"], n["class"], "{what}");
        assert_eq!(p["box"], n["box"], "{what}");
        let probabilities = |v: &Value| -> Vec<f64> {
            v["probabilities"]
                .as_array()
                .expect("probabilities")
                .iter()
                .map(|p| p.as_f64().expect("a number"))
                .collect()
        };
        for (a, b) in probabilities(p).iter().zip(probabilities(n)) {
            assert!((a - b).abs() <= TOLERANCE, "{what}: {a} vs {b}");
        }
    }
}

/// The canvas as the PNG the page reads, and the page's answer for it.
async fn canvas_and_reading(client: &Client) -> (Vec<u8>, Value) {
    let script = "const done = arguments[0];
        document.getElementById('draw').toBlob(async blob => {
          const bytes = Array.from(new Uint8Array(await blob.arrayBuffer()));
          window.digitReader.read(blob, false).then(answer => done({ bytes, answer }),
                                                   e => done({ bytes, answer: { error: e.message } }));
        }, 'image/png');";
    let value = client
        .execute_async(script, vec![])
        .await
        .expect("script runs");
    let bytes = serde_json::from_value(value["bytes"].clone()).expect("bytes");
    (bytes, value["answer"].clone())
}

/// The drawing's answer once the page has answered everything drawn so far.
async fn settled(client: &Client, result: &str, testid: &str) -> String {
    let script = format!(
        "const r = document.getElementById('{result}');
         const p = r.querySelector('[data-testid={testid}]');
         return r.getAttribute('aria-busy') === 'false' && p ? p.textContent : null;"
    );
    let shown = wait_until(client, &script, "the answer", ERRORS).await;
    shown.as_str().unwrap_or_default().to_string()
}

/// The error message the upload panel shows.
async fn upload_error(client: &Client) -> String {
    let script = "const e = document.querySelector('#upload-result .confidence.error');
        return e ? e.textContent : null;";
    let shown = wait_until(client, script, "the upload's error", ERRORS).await;
    shown.as_str().unwrap_or_default().to_string()
}

async fn choose_file(client: &Client, id: &str, path: &Path) {
    client
        .find(Locator::Id(id))
        .await
        .expect("file input")
        .send_keys(path.to_str().expect("utf-8 path"))
        .await
        .expect("file chosen");
}

async fn click(client: &Client, testid: &str) {
    client
        .find(Locator::Css(&format!("[data-testid={testid}]")))
        .await
        .expect(testid)
        .click()
        .await
        .expect("clicked");
}

async fn screenshot(client: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("WEB_SCREENSHOTS").map(PathBuf::from) {
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        let png = client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(name), png).expect("screenshot saved");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_static_page_reads_what_infer_reads_and_only_its_own_files() {
    let Some(driver) = start_driver() else { return };
    let run = run_dir();
    let out = tempfile::tempdir().expect("tempdir");
    let page = out.path().join("web");
    let printed = build_page(&run, &page);
    eprintln!("{printed}");
    let code_gzip = code_gzip_kib(&printed);
    assert!(
        code_gzip * 1024 <= 1_000_000,
        "the page's code is {code_gzip} KiB gzip, over the 1 MB it must fit in"
    );
    let device = Device::default();
    let infer = LoadedModel::load(&run, &device)
        .expect("the run loads")
        .into_model(1.0)
        .expect("f32 model");

    let server = StaticServer::start(&page);
    let client = connect(&driver).await;
    client.goto(&server.url("/")).await.expect("page opens");
    wait_until(
        &client,
        "return document.body.dataset.ready === 'true';",
        "the reader to start",
        ERRORS,
    )
    .await;
    let ready_ms = client
        .execute("return window.readerReadyMs;", vec![])
        .await
        .expect("timing");
    assert_eq!(settled(&client, "draw-result", "prediction").await, "–");

    drawn_digits_are_read_as_infer_reads_them(&client, infer.as_ref(), out.path()).await;
    let timings: Value = client
        .execute_async(
            "const done = arguments[0];
             document.getElementById('draw').toBlob(async blob => {
               const times = [];
               for (let i = 0; i < 20; i++) {
                 const t = performance.now();
                 await window.digitReader.read(blob, false);
                 times.push(performance.now() - t);
               }
               done(times);
             }, 'image/png');",
            vec![],
        )
        .await
        .expect("timed");
    let mut times: Vec<f64> = serde_json::from_value(timings).expect("times");
    let first = times[0];
    times.sort_by(f64::total_cmp);
    eprintln!(
        "page timing: reader ready {ready_ms} ms after navigation, a first reading done by {:.0} ms; \
         a drawing read in {:.1} ms (median of 20; first {first:.1} ms, max {:.1} ms)",
        ready_ms.as_f64().unwrap_or(f64::NAN) + first,
        times[10],
        times[19]
    );

    photos_are_read_as_infer_reads_them(&client, infer.as_ref(), out.path()).await;
    bad_images_get_a_message(&client, out.path()).await;
    models_can_be_replaced_and_bad_ones_are_refused(&client, &run, out.path()).await;

    let errors: Vec<String> =
        serde_json::from_value(client.execute(ERRORS, vec![]).await.expect("errors"))
            .expect("strings");
    assert!(errors.is_empty(), "the page logged errors: {errors:?}");
    let console = browser_errors(&client).await;
    assert!(
        console.is_empty(),
        "Chromium's console shows errors: {console:?}"
    );
    client.close().await.expect("closed");
    only_the_folders_own_files_were_requested(&server, &page);
}

async fn drawn_digits_are_read_as_infer_reads_them(client: &Client, infer: &dyn Model, dir: &Path) {
    let mut read = Vec::new();
    for index in 0..DRAWN {
        click(client, "clear").await;
        assert_eq!(settled(client, "draw-result", "prediction").await, "–");
        draw(client, &support::test_digit(index)).await;
        let shown = settled(client, "draw-result", "prediction").await;
        let (png, answer) = canvas_and_reading(client).await;
        let expected = infer_reads_bytes(infer, dir, &format!("drawn-{index}.png"), &png, false);
        assert_same_reading(&answer, &expected, &format!("drawn test digit {index}"));
        assert_eq!(shown, expected["label"].as_str().unwrap_or_default());
        read.push((support::mnist().test.label(index), shown));
        if index == 0 {
            screenshot(client, "web-draw.png").await;
        }
    }
    let right = read
        .iter()
        .filter(|(label, shown)| shown == &label.to_string())
        .count();
    eprintln!("page: {right}/{DRAWN} drawn digits read right: {read:?}");
    assert!(right >= MUST_READ, "{right}/{DRAWN} read right: {read:?}");
}

async fn photos_are_read_as_infer_reads_them(client: &Client, infer: &dyn Model, dir: &Path) {
    let mut maker = PhotoMaker::new(33);
    let mut photos = Vec::new();
    for (i, count) in [1usize, 1, 1, 3, 4].into_iter().enumerate() {
        let digits: Vec<_> = (0..count)
            .map(|d| support::test_digit(40 + 7 * i + d))
            .collect();
        let photo = maker.photo(&digits, (300, 900));
        let what = format!("photo {i} ({})", photo.conditions);
        if i == 0 {
            let portrait = as_portrait_phone_photo(&photo.jpeg);
            photos.push(("portrait.jpg".into(), portrait, false, Via::Chooser));
        }
        photos.push((what, photo.jpeg, count > 1, Via::Chooser));
    }
    // The README's example photos, dropped on the zone as a user drags them there.
    for (name, number) in [("red-4.jpg", false), ("squared-2026.jpg", true)] {
        let bytes = std::fs::read(examples().join(name)).expect("an example photo");
        photos.push((name.into(), bytes, number, Via::Drop));
    }
    for (i, (what, bytes, number, via)) in photos.into_iter().enumerate() {
        set_upload_number(client, number).await;
        let name = format!("photo-{i}.jpg");
        let expected = infer_reads_bytes(infer, dir, &name, &bytes, number);
        match via {
            Via::Chooser => choose_file(client, "file", &dir.join(name)).await,
            Via::Drop => drop_photo(client, &bytes).await,
        }
        let label = if number {
            &expected["number"]
        } else {
            &expected["label"]
        };
        let script = format!(
            "const r = document.getElementById('upload-result');
             const p = r.querySelector('[data-testid=upload-prediction]');
             return r.getAttribute('aria-busy') === 'false' && p && p.textContent === {label} ? p.textContent : null;"
        );
        wait_until(client, &script, &format!("{what} read as {label}"), ERRORS).await;
        let answer = page_reading_of_bytes(client, &bytes, number).await;
        assert_same_reading(&answer, &expected, &what);
        if number && matches!(via, Via::Chooser) {
            screenshot(client, "web-upload.png").await;
        }
    }
    // A file dropped beside the zone must not make the browser leave the page to show it
    // (a script's event has no default action, so what is checked is that it is cancelled).
    let script = "const e = new DragEvent('drop', { dataTransfer: new DataTransfer(), bubbles: true, cancelable: true });
        document.querySelector('h1, header, body').dispatchEvent(e);
        return e.defaultPrevented;";
    let kept = client
        .execute(script, vec![])
        .await
        .expect("dropped beside");
    assert_eq!(kept, json!(true), "a drop beside the zone is not cancelled");
}

/// How a photo reaches the page.
enum Via {
    /// The file chooser behind the drop zone.
    Chooser,
    /// A file dropped on the zone.
    Drop,
}

/// The README's example photos.
fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples")
}

async fn set_upload_number(client: &Client, number: bool) {
    let toggle = client
        .find(Locator::Id("upload-number"))
        .await
        .expect("number box");
    if toggle.is_selected().await.expect("state") != number {
        toggle.click().await.expect("toggled");
    }
}

/// Drops a JPEG holding `bytes` on the upload zone, with the events a browser sends for a
/// file dragged from the desktop.
async fn drop_photo(client: &Client, bytes: &[u8]) {
    let script = "const [bytes, done] = arguments;
        const file = new File([new Uint8Array(bytes)], 'dropped.jpg', { type: 'image/jpeg' });
        const data = new DataTransfer();
        data.items.add(file);
        const zone = document.getElementById('drop');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(new DragEvent(type, { dataTransfer: data, bubbles: true, cancelable: true }));
        }
        done(null);";
    client
        .execute_async(script, vec![json!(bytes)])
        .await
        .expect("dropped");
}

/// The page's full answer (through `window.digitReader`) for a file holding `bytes`.
async fn page_reading_of_bytes(client: &Client, bytes: &[u8], number: bool) -> Value {
    let script = "const [bytes, number, done] = arguments;
        const file = new File([new Uint8Array(bytes)], 'photo.jpg', { type: 'image/jpeg' });
        window.digitReader.read(file, number).then(done, e => done({ error: e.message }));";
    client
        .execute_async(script, vec![json!(bytes), json!(number)])
        .await
        .expect("script runs")
}

/// `jpeg` as a phone in portrait stores it: the pixels a quarter turn off, EXIF orientation 6
/// saying how to turn them upright.
fn as_portrait_phone_photo(jpeg: &[u8]) -> Vec<u8> {
    use image::ImageEncoder;
    let stored = image::load_from_memory(jpeg)
        .expect("decodes")
        .rotate270()
        .to_rgb8();
    let mut exif = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    exif.extend(6u16.to_be_bytes());
    exif.extend([0, 0, 0, 0, 0, 0]);
    let mut bytes = Vec::new();
    let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 90);
    encoder.set_exif_metadata(exif).expect("exif");
    encoder
        .write_image(
            stored.as_raw(),
            stored.width(),
            stored.height(),
            image::ExtendedColorType::Rgb8,
        )
        .expect("encodes");
    bytes
}

async fn bad_images_get_a_message(client: &Client, dir: &Path) {
    let text = dir.join("notes.png");
    std::fs::write(&text, b"not an image at all").expect("written");
    choose_file(client, "file", &text).await;
    let shown = upload_error(client).await;
    assert!(shown.contains("not an image"), "{shown}");

    // A PNG whose header claims 100 000 × 100 000 pixels: refused before decoding.
    let png = huge_png_header(100_000, 100_000);
    let path = dir.join("huge.png");
    std::fs::write(&path, png).expect("written");
    choose_file(client, "file", &path).await;
    let shown = upload_error(client).await;
    assert!(shown.contains("too large"), "{shown}");

    click(client, "clear").await;
    assert_eq!(settled(client, "draw-result", "prediction").await, "–");
}

/// The signature and an IHDR chunk (with its CRC) of a PNG of `width` × `height`.
fn huge_png_header(width: u32, height: u32) -> Vec<u8> {
    let mut chunk = b"IHDR".to_vec();
    chunk.extend(width.to_be_bytes());
    chunk.extend(height.to_be_bytes());
    chunk.extend([8, 0, 0, 0, 0]);
    let crc = crc32(&chunk);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(13u32.to_be_bytes());
    png.extend(&chunk);
    png.extend(crc.to_be_bytes());
    png
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

async fn model_name(client: &Client) -> String {
    client
        .find(Locator::Css("[data-testid=model-name]"))
        .await
        .expect("model name")
        .text()
        .await
        .expect("text")
}

/// Chooses `file` as the model and waits until the page names it.
async fn load_model(client: &Client, file: &Path) -> String {
    choose_file(client, "model-file", file).await;
    let name = file.file_name().and_then(|n| n.to_str()).expect("name");
    let script = format!(
        "const n = document.querySelector('[data-testid=model-name]').textContent;
         return n.startsWith({}) ? n : null;",
        json!(name)
    );
    let shown = wait_until(client, &script, name, ERRORS).await;
    shown.as_str().unwrap_or_default().to_string()
}

/// Chooses `file` as the model and returns the page's refusal.
async fn refused_model(client: &Client, file: &Path) -> String {
    choose_file(client, "model-file", file).await;
    let status = wait_until(
        client,
        "const s = document.querySelector('[data-testid=model-status]');
         return !s.hidden && s.classList.contains('error') ? s.textContent : null;",
        &format!("the refusal of {}", file.display()),
        ERRORS,
    )
    .await;
    status.as_str().unwrap_or_default().to_string()
}

async fn models_can_be_replaced_and_bad_ones_are_refused(client: &Client, run: &Path, dir: &Path) {
    let before = model_name(client).await;
    assert!(before.contains("784-256-128-10"), "{before}");

    // Wrong or damaged files: each refused with a message naming it and why, and the page
    // keeps reading with the model it had.
    let bytes = std::fs::read(run.join("model.safetensors")).expect("model");
    let damaged = dir.join("damaged.safetensors");
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).expect("written");
    let pickle = dir.join("state_dict.pt");
    std::fs::write(&pickle, b"\x80\x02}q\x00.").expect("written");
    let photo = std::fs::canonicalize(examples().join("red-4.jpg")).expect("example photo");
    for (file, why) in [
        (damaged, "not a readable model file"),
        (photo, "none of the model formats"),
        (run.join("model.onnx"), "ONNX"),
        (run.join("model.bpk"), "model.json"),
        (pickle, "save the state_dict with safetensors"),
    ] {
        let status = refused_model(client, &file).await;
        let name = file.file_name().and_then(|n| n.to_str()).expect("name");
        for needle in [name, why, "keeps"] {
            assert!(
                status.contains(needle),
                "{}: `{needle}` not in {status:?}",
                file.display()
            );
        }
        assert_eq!(model_name(client).await, before, "the old model stays");
        draw(client, &support::test_digit(0)).await;
        assert_ne!(settled(client, "draw-result", "prediction").await, "–");
    }

    // An int8 copy, the Keras file of the same run, and PyTorch's safetensors of another
    // architecture: each read as `infer` reads that file.
    let int8 = dir.join("model-int8.safetensors");
    std::fs::write(&int8, int8_copy(run)).expect("written");
    let pytorch = dir.join("torch-784-128-10.safetensors");
    write_pytorch_safetensors(&pytorch);
    for (file, architecture) in [
        (int8, "784-256-128-10"),
        (run.join("model.keras"), "784-256-128-10"),
        (pytorch, "784-128-10"),
    ] {
        let shown = load_model(client, &file).await;
        assert!(shown.contains(architecture), "{shown}");
        let native = LoadedModel::load(&file, &Device::default())
            .and_then(|loaded| loaded.into_model(1.0))
            .unwrap_or_else(|e| panic!("infer cannot load {}: {e:#}", file.display()));
        click(client, "clear").await;
        draw(client, &support::test_digit(3)).await;
        assert_ne!(settled(client, "draw-result", "prediction").await, "–");
        let (png, answer) = canvas_and_reading(client).await;
        let name = format!("drawn-with-{architecture}.png");
        let expected = infer_reads_bytes(native.as_ref(), dir, &name, &png, false);
        assert_same_reading(&answer, &expected, &format!("{}", file.display()));
    }
}

/// A 784-128-10 model as PyTorch's `safetensors.torch.save_file(model.state_dict(), …)`
/// writes one: `fc1.weight` [128, 784], …, f32, the metadata `{"format": "pt"}`, weights
/// drawn as `nn.Linear` draws them (uniform in ±1/√fan_in), seeded.
fn write_pytorch_safetensors(path: &Path) {
    use rand::rngs::StdRng;
    use rand::{RngExt, SeedableRng};
    use safetensors::tensor::{Dtype, TensorView};
    let mut rng = StdRng::seed_from_u64(128);
    let layers = [("fc1", 784usize, 128usize), ("fc2", 128, 10)];
    let mut tensors = Vec::new();
    for (name, inputs, outputs) in layers {
        let bound = 1.0 / (inputs as f32).sqrt();
        let mut values = |count: usize| -> Vec<u8> {
            (0..count)
                .flat_map(|_| rng.random_range(-bound..bound).to_le_bytes())
                .collect()
        };
        tensors.push((
            format!("{name}.weight"),
            vec![outputs, inputs],
            values(outputs * inputs),
        ));
        tensors.push((format!("{name}.bias"), vec![outputs], values(outputs)));
    }
    let views = tensors.iter().map(|(name, shape, bytes)| {
        let view = TensorView::new(Dtype::F32, shape.clone(), bytes).expect("a valid tensor");
        (name.clone(), view)
    });
    let metadata = [("format".to_string(), "pt".to_string())].into();
    safetensors::serialize_to_file(views, Some(metadata), path).expect("written");
}

/// The run's weights quantized as `train` quantizes them.
fn int8_copy(run: &Path) -> Vec<u8> {
    let layers =
        mnist_int8::read_f32_safetensors_file(&run.join("model.safetensors")).expect("f32 layers");
    let train = &support::mnist().train;
    let calibration = (0..500).map(|i| train.image(i));
    let model = mnist_int8::quantize(&layers, calibration).expect("quantized");
    mnist_int8::to_bytes(&model).expect("bytes")
}

fn only_the_folders_own_files_were_requested(server: &StaticServer, page: &Path) {
    let requests = server.requests();
    assert!(!requests.is_empty(), "the server logged no request");
    for request in &requests {
        let path = request
            .strip_prefix("GET ")
            .and_then(|r| r.split(' ').next())
            .unwrap_or_else(|| panic!("not a GET: {request}"));
        let file = if path == "/" {
            "index.html"
        } else {
            path.trim_start_matches('/')
        };
        assert!(
            page.join(file).is_file(),
            "the page asked for {path}, which is not one of its files"
        );
    }
    eprintln!("requests: {requests:?}");
}

//! Debian's Chromium driven through `/usr/bin/chromedriver` (CI installs both; nothing is
//! downloaded), and drawing MNIST digits on a page's canvas as pen strokes.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use image::GrayImage;
use serde_json::{Value, json};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free port, stopped when dropped.
pub struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free local TCP port.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port()
}

/// chromedriver, or `None` outside CI where Chromium is not installed (in CI its absence
/// fails the test).
pub fn start_driver() -> Option<Driver> {
    let present = Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists();
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{CHROMEDRIVER} and {CHROMIUM} are needed: apt-get install chromium chromium-driver"
        );
        eprintln!("skipped: no {CHROMEDRIVER} (apt-get install chromium chromium-driver)");
        return None;
    }
    let port = free_port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    Some(Driver(child, port))
}

/// A headless Chromium session.
pub async fn connect(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".into(), json!("chrome"));
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1300,1000", "--force-device-scale-factor=1"],
        }),
    );
    // Chromium keeps its console (errors, uncaught exceptions, failed loads) for `browser_errors`.
    capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{}", driver.1))
            .await;
        match attempt {
            Ok(client) => return client,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("cannot start Chromium through chromedriver: {e}"),
        }
    }
}

/// chromedriver's log command (`POST /session/{id}/se/log`, as Selenium sends it): the
/// browser's console entries since the last call. WebDriver has no standard command for it.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// What Chromium's console showed as an error since the last call: `console.error`, an
/// uncaught exception or rejection, a file that failed to load. Read from the browser's own
/// log, so a page script that breaks (or never installs) its error collector hides nothing.
pub async fn browser_errors(client: &Client) -> Vec<String> {
    let log = client
        .issue_cmd(BrowserLog)
        .await
        .expect("chromedriver's log");
    log.as_array()
        .expect("log entries")
        .iter()
        .filter(|entry| entry["level"] == "SEVERE")
        .map(|entry| entry["message"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Evaluates `script` until it returns something truthy, or panics with `what` (and what
/// `errors_script` returns) after 30 s.
pub async fn wait_until(client: &Client, script: &str, what: &str, errors_script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let value = client.execute(script, vec![]).await.expect("script runs");
        let truthy = !matches!(value, Value::Null | Value::Bool(false)) && value != json!("");
        if truthy {
            return value;
        }
        if Instant::now() >= deadline {
            let logged = client.execute(errors_script, vec![]).await;
            panic!("timed out waiting for {what}; the page logged {logged:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A 28×28 digit as strokes on a 280×280 canvas: each row's runs of ink, 10 canvas pixels
/// to an MNIST pixel, offsets from the canvas centre.
pub fn strokes(digit: &GrayImage) -> Vec<((i64, i64), (i64, i64))> {
    let mut strokes = Vec::new();
    for y in 0..28u32 {
        let mut x = 0;
        while x < 28 {
            if digit[(x, y)][0] < 128 {
                x += 1;
                continue;
            }
            let start = x;
            while x < 28 && digit[(x, y)][0] >= 128 {
                x += 1;
            }
            let at = |px: u32| i64::from(px) * 10 + 5 - 140;
            strokes.push(((at(start), at(y)), (at(x - 1), at(y))));
        }
    }
    strokes
}

/// Draws `digit` with a pen on the canvas marked `data-testid=draw`.
pub async fn draw(client: &Client, digit: &GrayImage) {
    let canvas = client
        .find(Locator::Css("[data-testid=draw]"))
        .await
        .expect("canvas");
    let mut pen = MouseActions::new("pen".to_string());
    for ((x0, y0), (x1, y1)) in strokes(digit) {
        pen = pen
            .then(PointerAction::MoveToElement {
                element: canvas.clone(),
                duration: None,
                x: x0 as f64,
                y: y0 as f64,
            })
            .then(PointerAction::Down {
                button: MOUSE_BUTTON_LEFT,
            })
            .then(PointerAction::MoveToElement {
                element: canvas.clone(),
                duration: Some(Duration::from_millis(5)),
                x: x1 as f64,
                y: y1 as f64,
            })
            .then(PointerAction::Up {
                button: MOUSE_BUTTON_LEFT,
            });
    }
    client.perform_actions(pen).await.expect("strokes drawn");
    client.release_actions().await.expect("released");
}

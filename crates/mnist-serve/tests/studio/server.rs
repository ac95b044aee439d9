//! Starting `serve` on a free port and talking to it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

/// A running `serve`, stopped when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Server {
    /// `serve --runs runs --bind 127.0.0.1:0 extra…`, once it listens.
    pub fn start(runs: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_serve"))
            .arg("--runs")
            .arg(runs)
            .args(["--bind", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("serve starts");
        let stdout = child.stdout.take().expect("stdout piped");
        let mut lines = BufReader::new(stdout).lines();
        let line = lines
            .next()
            .expect("serve prints its address")
            .expect("utf-8");
        let base = line
            .strip_prefix("serving ")
            .map(|rest| rest.split('/').take(3).collect::<Vec<_>>().join("/"))
            .unwrap_or_else(|| panic!("unexpected first line: {line}"));
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Server { child, base }
    }

    /// Whether the process is still running.
    pub fn alive(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// `base` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP answer: status and body (JSON when it parses, else null) and content type.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub json: Value,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

/// A client that reports every status rather than failing on 4xx/5xx.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn answer(response: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Answer {
    let mut response = response.expect("the server answers");
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        json,
        content_type,
        bytes,
    }
}

/// `POST url` with `body` as `content_type`.
pub fn post(agent: &ureq::Agent, url: &str, content_type: &str, body: &[u8]) -> Answer {
    answer(
        agent
            .post(url)
            .header("content-type", content_type)
            .send(body),
    )
}

/// `GET url`.
pub fn get(agent: &ureq::Agent, url: &str) -> Answer {
    answer(agent.get(url).call())
}

/// `DELETE url`.
pub fn delete(agent: &ureq::Agent, url: &str) -> Answer {
    answer(agent.delete(url).call())
}

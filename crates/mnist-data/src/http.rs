//! Downloading one file over HTTP(S) with timeouts, a size cap and a progress bar.

use std::io::Read;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use thiserror::Error;

/// The most a download may send: the largest real file is ~10 MB gzipped, 47 MB raw.
const MAX_DOWNLOAD_BYTES: u64 = 128 * 1024 * 1024;

/// Why a download failed.
#[derive(Debug, Error)]
pub enum DownloadError {
    /// The server could not be reached at all (DNS, refused, TLS, connect timeout); the
    /// mirror is skipped for the remaining files.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The server answered with an HTTP error status.
    #[error("HTTP status {0}")]
    Status(u16),
    /// The transfer broke off or timed out.
    #[error("transfer failed: {0}")]
    Transfer(String),
    /// The body exceeded the size cap.
    #[error("response larger than {MAX_DOWNLOAD_BYTES} bytes")]
    TooLarge,
}

impl DownloadError {
    /// Whether the whole server, not only this file, is out of reach.
    pub fn server_unreachable(&self) -> bool {
        matches!(self, DownloadError::Unreachable(_))
    }
}

/// An HTTP client configured for dataset downloads.
#[derive(Debug, Clone)]
pub struct Downloader {
    agent: ureq::Agent,
    progress: bool,
}

impl Downloader {
    /// A client that gives up connecting after `connect_timeout` and on a whole file after
    /// `transfer_timeout`; draws a progress bar on a terminal when `progress` is set.
    /// Proxies come from the usual `HTTPS_PROXY`/`ALL_PROXY` variables.
    pub fn new(connect_timeout: Duration, transfer_timeout: Duration, progress: bool) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_connect(Some(connect_timeout))
            .timeout_resolve(Some(connect_timeout))
            .timeout_global(Some(transfer_timeout))
            .user_agent(concat!("mnist-burn/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent, progress }
    }

    /// Fetches `url` into memory.
    pub fn get(&self, url: &str) -> Result<Vec<u8>, DownloadError> {
        let mut response = self.agent.get(url).call().map_err(classify)?;
        let length = response
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if length.is_some_and(|len| len > MAX_DOWNLOAD_BYTES) {
            return Err(DownloadError::TooLarge);
        }
        let bar = self.progress_bar(url, length);
        let mut body = Vec::with_capacity(length.unwrap_or(0) as usize);
        // Read one byte past the cap so that "exactly at the cap" and "over it" differ.
        bar.wrap_read(response.body_mut().as_reader())
            .take(MAX_DOWNLOAD_BYTES + 1)
            .read_to_end(&mut body)
            .map_err(|e| DownloadError::Transfer(e.to_string()))?;
        bar.finish_and_clear();
        if body.len() as u64 > MAX_DOWNLOAD_BYTES {
            return Err(DownloadError::TooLarge);
        }
        Ok(body)
    }

    fn progress_bar(&self, url: &str, length: Option<u64>) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        // indicatif draws nothing when stderr is not a terminal, so CI logs stay clean.
        let bar = ProgressBar::new(length.unwrap_or(0));
        let template = "{msg} {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})";
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style);
        }
        bar.set_message(url.rsplit('/').next().unwrap_or(url).to_string());
        bar
    }
}

/// Classifies an error from sending the request: without an HTTP status there was no usable
/// answer at all (DNS, refused, TLS, connect timeout), so the server counts as unreachable.
fn classify(error: ureq::Error) -> DownloadError {
    match error {
        ureq::Error::StatusCode(code) => DownloadError::Status(code),
        other => DownloadError::Unreachable(other.to_string()),
    }
}

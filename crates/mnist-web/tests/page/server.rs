//! The static folder served by `python3 -m http.server`, as a user would serve it, with the
//! server's request log kept: it shows every request the page made.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::chromium::free_port;

/// `python3 -m http.server` on a free port, stopped when dropped.
pub struct StaticServer {
    child: Child,
    port: u16,
    log: PathBuf,
    _log_dir: tempfile::TempDir,
}

impl StaticServer {
    /// Serves `dir` and waits until it answers.
    pub fn start(dir: &Path) -> Self {
        let port = free_port();
        let log_dir = tempfile::tempdir().expect("tempdir");
        let log = log_dir.path().join("requests.log");
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1", "--directory"])
            .arg(dir)
            .arg(port.to_string())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("python3 -m http.server starts (python3 is needed)");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "http.server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self {
            child,
            port,
            log,
            _log_dir: log_dir,
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Every request line logged so far: `GET /page.js HTTP/1.1`.
    pub fn requests(&self) -> Vec<String> {
        let log = std::fs::read_to_string(&self.log).expect("request log");
        log.lines()
            .filter_map(|line| Some(line.split_once('"')?.1.split_once('"')?.0.to_string()))
            .collect()
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

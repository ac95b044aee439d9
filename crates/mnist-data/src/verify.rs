//! Deciding whether bytes are a dataset's genuine file: decompression, SHA-256, and, when
//! the digest does not match, whether it is another dataset's file or a structural fault.

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::datasets::Dataset;
use crate::files::MnistFile;
use crate::idx::{self, IdxError};

/// Why bytes from some source were not accepted as a dataset's file.
#[derive(Debug, Error)]
pub enum Rejection {
    /// Not a readable IDX file (bad gzip, wrong magic, truncated...).
    #[error(transparent)]
    Malformed(#[from] IdxError),
    /// The same file of another dataset of the table, e.g. MNIST's where Fashion-MNIST's was
    /// expected.
    #[error(
        "{origin}: this is {found}'s {file}, not {expected}'s: point at the {expected} files, or choose the dataset {found_name}",
        found = found.title,
        expected = expected.title,
        found_name = found.name
    )]
    OtherDataset {
        /// Where the bytes came from.
        origin: String,
        /// Which file they were meant to be.
        file: MnistFile,
        /// The dataset expected.
        expected: Dataset,
        /// The dataset they belong to.
        found: Dataset,
    },
    /// A well-formed IDX file, but not the expected one (an unknown dataset, or a flipped
    /// byte).
    #[error(
        "{origin}: SHA-256 is {actual}, expected {expected} for {title}'s {file}: a corrupt copy or another dataset",
        title = dataset.title
    )]
    Checksum {
        /// Where the bytes came from.
        origin: String,
        /// The dataset expected.
        dataset: Dataset,
        /// Which file they were meant to be.
        file: MnistFile,
        /// The digest of the decompressed bytes.
        actual: String,
        /// The digest the dataset's file has.
        expected: &'static str,
    },
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Returns the decompressed bytes when they are exactly `dataset`'s `file`; `origin` names
/// the source (a path or URL) in the error otherwise.
pub fn verify(
    dataset: Dataset,
    file: MnistFile,
    origin: &str,
    bytes: Vec<u8>,
) -> Result<Vec<u8>, Rejection> {
    let bytes = idx::decompress_if_gzip(origin, bytes)?;
    let actual = sha256_hex(&bytes);
    let expected = dataset.sha256(file);
    if actual == expected {
        return Ok(bytes);
    }
    if let Some(found) = dataset.other_with(file, &actual) {
        return Err(Rejection::OtherDataset {
            origin: origin.to_string(),
            file,
            expected: dataset,
            found,
        });
    }
    // Only on the failure path: a structural diagnosis says more than "digest differs".
    if file.holds_images() {
        idx::parse_images(origin, bytes)?;
    } else {
        idx::parse_labels(origin, bytes)?;
    }
    Err(Rejection::Checksum {
        origin: origin.to_string(),
        dataset,
        file,
        actual,
        expected,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idx::{IdxProblem, encode};

    #[test]
    fn sha256_of_known_input() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn well_formed_but_wrong_file_is_a_checksum_rejection() {
        let labels = encode(&[3], &[1, 2, 3]);
        let err = verify(
            Dataset::MNIST,
            MnistFile::TestLabels,
            "dir/t10k-labels-idx1-ubyte",
            labels,
        )
        .expect_err("not MNIST");
        assert!(matches!(
            err,
            Rejection::Checksum {
                file: MnistFile::TestLabels,
                ..
            }
        ));
        assert!(
            err.to_string()
                .starts_with("dir/t10k-labels-idx1-ubyte: SHA-256 is"),
            "{err}"
        );
    }

    #[test]
    fn malformed_file_gets_the_structural_reason() {
        let err = verify(
            Dataset::MNIST,
            MnistFile::TrainImages,
            "x.gz",
            b"not an idx file".to_vec(),
        )
        .expect_err("garbage");
        match err {
            Rejection::Malformed(e) => assert!(matches!(e.problem, IdxProblem::WrongMagic { .. })),
            other => panic!("expected a structural rejection, got {other}"),
        }
    }
}

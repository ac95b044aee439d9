//! The IDX file format (LeCun's MNIST container): parsing raw or gzip bytes.
//!
//! An IDX file is a 4-byte magic (`0 0 type rank`), `rank` big-endian u32 dimensions, then the
//! payload. MNIST uses type 0x08 (u8): images are rank 3 `[N, 28, 28]`, labels rank 1 `[N]`.
//! No maintained crate parses IDX with error values instead of panics, so it is done here.

use std::io::Read;

use flate2::read::GzDecoder;
use thiserror::Error;

use crate::files::{IMAGE_SIDE, NUM_CLASSES};

/// IDX type code for unsigned bytes, the only one MNIST uses.
const TYPE_U8: u8 = 0x08;
/// The two bytes every gzip stream starts with.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// Upper bound on decompressed size: the largest MNIST file is 47 MB, so this stops a
/// decompression bomb without ever rejecting real data.
pub const MAX_DECOMPRESSED_BYTES: u64 = 256 * 1024 * 1024;

/// What is wrong with an IDX file. Always wrapped in [`IdxError`], which names the file.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IdxProblem {
    /// The file is shorter than its header.
    #[error("truncated header: {len} bytes, need at least {needed}")]
    TruncatedHeader {
        /// Bytes present.
        len: usize,
        /// Bytes the header needs.
        needed: usize,
    },
    /// The magic number is not an IDX u8 magic of the expected rank.
    #[error(
        "wrong magic number {found:02x?}: expected [00, 00, 08, {expected_rank:02x}] (an IDX file of u8 with rank {expected_rank})"
    )]
    WrongMagic {
        /// The four bytes found.
        found: [u8; 4],
        /// The rank this file should have.
        expected_rank: u8,
    },
    /// Image dimensions other than 28×28.
    #[error("wrong image dimensions {rows}x{cols}: MNIST images are 28x28")]
    WrongDimensions {
        /// Rows per image in the header.
        rows: u32,
        /// Columns per image in the header.
        cols: u32,
    },
    /// The payload is shorter than the header announces.
    #[error("truncated: header announces {expected} payload bytes, file has {actual}")]
    Truncated {
        /// Payload bytes the header announces.
        expected: u64,
        /// Payload bytes present.
        actual: u64,
    },
    /// Bytes after the announced payload: most likely another file or a concatenation.
    #[error("{extra} unexpected bytes after the {expected} payload bytes the header announces")]
    TrailingBytes {
        /// Payload bytes the header announces.
        expected: u64,
        /// Extra bytes.
        extra: u64,
    },
    /// A label outside 0..=9.
    #[error("label {label} at index {index} is not a digit 0..=9")]
    LabelOutOfRange {
        /// Index of the offending label.
        index: usize,
        /// Its value.
        label: u8,
    },
    /// The gzip stream could not be decompressed.
    #[error("corrupt gzip data: {0}")]
    Gzip(String),
    /// The gzip stream decompresses to more than [`MAX_DECOMPRESSED_BYTES`].
    #[error("decompresses to more than {MAX_DECOMPRESSED_BYTES} bytes; not an MNIST file")]
    TooLarge,
}

/// An IDX parsing error, naming the file it concerns.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{file}: {problem}")]
pub struct IdxError {
    /// The file (path or name) the bytes came from.
    pub file: String,
    /// What is wrong with it.
    pub problem: IdxProblem,
}

/// Parsed images: `count` images of 28×28 u8, row-major, concatenated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    /// Number of images.
    pub count: usize,
    /// `count * 784` pixels.
    pub pixels: Vec<u8>,
}

/// Returns the bytes decompressed when they are a gzip stream, unchanged otherwise.
pub fn decompress_if_gzip(file: &str, bytes: Vec<u8>) -> Result<Vec<u8>, IdxError> {
    if !bytes.starts_with(&GZIP_MAGIC) {
        return Ok(bytes);
    }
    let err = |problem| IdxError {
        file: file.to_string(),
        problem,
    };
    let mut out = Vec::with_capacity(bytes.len() * 4);
    // Read one byte past the cap so that "exactly at the cap" and "over it" differ.
    GzDecoder::new(bytes.as_slice())
        .take(MAX_DECOMPRESSED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| err(IdxProblem::Gzip(e.to_string())))?;
    if out.len() as u64 > MAX_DECOMPRESSED_BYTES {
        return Err(err(IdxProblem::TooLarge));
    }
    Ok(out)
}

/// Parses an IDX image file (raw or gzip) into 28×28 u8 images.
pub fn parse_images(file: &str, bytes: Vec<u8>) -> Result<IdxImages, IdxError> {
    let bytes = decompress_if_gzip(file, bytes)?;
    let err = |problem| IdxError {
        file: file.to_string(),
        problem,
    };
    let dims = parse_header(&bytes, 3).map_err(err)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows as usize != IMAGE_SIDE || cols as usize != IMAGE_SIDE {
        return Err(err(IdxProblem::WrongDimensions { rows, cols }));
    }
    let header = header_len(3);
    let payload = u64::from(count) * u64::from(rows) * u64::from(cols);
    check_payload_len(&bytes, header, payload).map_err(err)?;
    let mut pixels = bytes;
    pixels.drain(..header);
    Ok(IdxImages {
        count: count as usize,
        pixels,
    })
}

/// Parses an IDX label file (raw or gzip); every label must be a digit 0..=9.
pub fn parse_labels(file: &str, bytes: Vec<u8>) -> Result<Vec<u8>, IdxError> {
    let bytes = decompress_if_gzip(file, bytes)?;
    let err = |problem| IdxError {
        file: file.to_string(),
        problem,
    };
    let dims = parse_header(&bytes, 1).map_err(err)?;
    let header = header_len(1);
    check_payload_len(&bytes, header, u64::from(dims[0])).map_err(err)?;
    let mut labels = bytes;
    labels.drain(..header);
    if let Some((index, &label)) = labels
        .iter()
        .enumerate()
        .find(|&(_, &l)| l as usize >= NUM_CLASSES)
    {
        return Err(err(IdxProblem::LabelOutOfRange { index, label }));
    }
    Ok(labels)
}

/// Encodes u8 data as IDX (the inverse of parsing), for tests and tools that write MNIST-like files.
pub fn encode(dims: &[u32], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(header_len(dims.len()) + payload.len());
    out.extend_from_slice(&[0, 0, TYPE_U8, dims.len() as u8]);
    for dim in dims {
        out.extend_from_slice(&dim.to_be_bytes());
    }
    out.extend_from_slice(payload);
    out
}

fn header_len(rank: usize) -> usize {
    4 + 4 * rank
}

fn parse_header(bytes: &[u8], rank: u8) -> Result<Vec<u32>, IdxProblem> {
    if bytes.len() < 4 {
        return Err(IdxProblem::TruncatedHeader {
            len: bytes.len(),
            needed: 4,
        });
    }
    let magic = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if magic != [0, 0, TYPE_U8, rank] {
        return Err(IdxProblem::WrongMagic {
            found: magic,
            expected_rank: rank,
        });
    }
    let needed = header_len(rank as usize);
    if bytes.len() < needed {
        return Err(IdxProblem::TruncatedHeader {
            len: bytes.len(),
            needed,
        });
    }
    Ok(bytes[4..needed]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect())
}

fn check_payload_len(bytes: &[u8], header: usize, expected: u64) -> Result<(), IdxProblem> {
    let actual = (bytes.len() - header) as u64;
    match actual.cmp(&expected) {
        std::cmp::Ordering::Less => Err(IdxProblem::Truncated { expected, actual }),
        std::cmp::Ordering::Greater => Err(IdxProblem::TrailingBytes {
            expected,
            extra: actual - expected,
        }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::{Compression, write::GzEncoder};

    use super::*;

    fn images(count: u32) -> Vec<u8> {
        let payload: Vec<u8> = (0..count as usize * 784).map(|i| (i % 251) as u8).collect();
        encode(&[count, 28, 28], &payload)
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(bytes).expect("in-memory write");
        enc.finish().expect("in-memory gzip")
    }

    fn problem<T: std::fmt::Debug>(result: Result<T, IdxError>) -> IdxProblem {
        result.expect_err("parse should fail").problem
    }

    #[test]
    fn parses_images_raw_and_gzip() {
        let raw = images(3);
        let parsed = parse_images("x", raw.clone()).expect("valid");
        assert_eq!(parsed.count, 3);
        assert_eq!(parsed.pixels, raw[16..]);
        assert_eq!(parse_images("x", gzip(&raw)).expect("valid gzip"), parsed);
    }

    #[test]
    fn parses_labels() {
        let file = encode(&[4], &[0, 9, 3, 7]);
        assert_eq!(parse_labels("l", file).expect("valid"), vec![0, 9, 3, 7]);
        assert_eq!(
            parse_labels("l", encode(&[0], &[])).expect("empty is valid"),
            Vec::<u8>::new()
        );
    }

    #[test]
    fn rejects_wrong_magic_and_rank() {
        let labels = encode(&[2], &[1, 2]);
        assert_eq!(
            problem(parse_images("x", labels)),
            IdxProblem::WrongMagic {
                found: [0, 0, 8, 1],
                expected_rank: 3
            }
        );
        let mut float_type = images(1);
        float_type[2] = 0x0d;
        assert!(matches!(
            problem(parse_images("x", float_type)),
            IdxProblem::WrongMagic { .. }
        ));
        assert!(matches!(
            problem(parse_labels("x", b"PNG\x0d".to_vec())),
            IdxProblem::WrongMagic { .. }
        ));
    }

    #[test]
    fn rejects_wrong_dimensions() {
        let file = encode(&[1, 32, 32], &[0; 1024]);
        assert_eq!(
            problem(parse_images("x", file)),
            IdxProblem::WrongDimensions { rows: 32, cols: 32 }
        );
    }

    #[test]
    fn rejects_truncated_header_and_payload() {
        assert_eq!(
            problem(parse_labels("x", vec![0, 0])),
            IdxProblem::TruncatedHeader { len: 2, needed: 4 }
        );
        assert_eq!(
            problem(parse_images("x", vec![0, 0, 8, 3, 0, 0, 0, 1])),
            IdxProblem::TruncatedHeader { len: 8, needed: 16 }
        );
        let mut file = images(2);
        file.truncate(file.len() - 10);
        assert_eq!(
            problem(parse_images("x", file)),
            IdxProblem::Truncated {
                expected: 1568,
                actual: 1558
            }
        );
    }

    #[test]
    fn rejects_trailing_bytes() {
        let mut file = encode(&[2], &[1, 2]);
        file.push(3);
        assert_eq!(
            problem(parse_labels("x", file)),
            IdxProblem::TrailingBytes {
                expected: 2,
                extra: 1
            }
        );
    }

    #[test]
    fn rejects_labels_out_of_range() {
        let file = encode(&[3], &[1, 10, 2]);
        assert_eq!(
            problem(parse_labels("x", file)),
            IdxProblem::LabelOutOfRange {
                index: 1,
                label: 10
            }
        );
    }

    #[test]
    fn rejects_corrupt_gzip() {
        let mut file = gzip(&images(1));
        let mid = file.len() / 2;
        file.truncate(mid);
        assert!(matches!(
            problem(parse_images("x", file)),
            IdxProblem::Gzip(_)
        ));
    }

    #[test]
    fn error_names_the_file() {
        let err =
            parse_labels("/data/train-labels-idx1-ubyte", vec![1, 2, 3, 4]).expect_err("bad magic");
        assert!(
            err.to_string()
                .starts_with("/data/train-labels-idx1-ubyte: wrong magic"),
            "{err}"
        );
    }

    #[test]
    fn huge_announced_count_is_truncation_not_allocation() {
        let file = encode(&[u32::MAX, 28, 28], &[]);
        assert!(matches!(
            problem(parse_images("x", file)),
            IdxProblem::Truncated { .. }
        ));
    }
}

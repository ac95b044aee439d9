//! MNIST's IDX files (raw or gzip'd), read just enough for calibration and firmware images:
//! 28×28 `u8` images (magic 0x803) and `u8` labels (magic 0x801).

use std::format;
use std::io::Read;
use std::path::Path;
use std::vec::Vec;

use crate::error::{Error, Result};
use crate::types::INPUT_LEN;

/// The images of an IDX3 file at `path` (gzip detected by its magic bytes).
pub fn read_images(path: &Path) -> Result<Vec<[u8; INPUT_LEN]>> {
    parse_images(&read(path)?).map_err(|e| in_file(path, e))
}

/// The labels of an IDX1 file at `path`.
pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
    parse_labels(&read(path)?).map_err(|e| in_file(path, e))
}

fn in_file(path: &Path, e: Error) -> Error {
    Error::File {
        path: path.to_path_buf(),
        source: std::boxed::Box::new(e),
    }
}

/// The file's bytes, gunzipped if they start with gzip's magic.
fn read(path: &Path) -> Result<Vec<u8>> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes.as_slice())
            .read_to_end(&mut out)
            .map_err(io)?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

fn header(bytes: &[u8], magic: u32, dims: usize) -> Result<(Vec<usize>, &[u8])> {
    let word = |i: usize| {
        bytes
            .get(4 * i..4 * i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let found = word(0).ok_or_else(|| Error::Idx("shorter than its header".into()))?;
    if found != magic {
        return Err(Error::Idx(format!(
            "magic {found:#010x}, expected {magic:#010x}"
        )));
    }
    let sizes = (1..=dims)
        .map(|i| word(i).map(|w| w as usize))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| Error::Idx("shorter than its header".into()))?;
    let payload = bytes.get(4 * (dims + 1)..).unwrap_or(&[]);
    let expected = sizes.iter().try_fold(1usize, |a, &s| a.checked_mul(s));
    if expected != Some(payload.len()) {
        return Err(Error::Idx(format!(
            "dimensions {sizes:?} need {expected:?} bytes, the file has {}",
            payload.len()
        )));
    }
    Ok((sizes, payload))
}

/// IDX3 bytes → 28×28 images.
pub fn parse_images(bytes: &[u8]) -> Result<Vec<[u8; INPUT_LEN]>> {
    let (sizes, payload) = header(bytes, 0x0000_0803, 3)?;
    if sizes.get(1..) != Some(&[28, 28][..]) {
        return Err(Error::Idx(format!(
            "images of {sizes:?}, expected n × 28 × 28"
        )));
    }
    Ok(payload
        .chunks_exact(INPUT_LEN)
        .map(|c| {
            let mut image = [0u8; INPUT_LEN];
            image.copy_from_slice(c);
            image
        })
        .collect())
}

/// IDX1 bytes → labels (each checked to be a digit class, 0..=9).
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<u8>> {
    let (_, payload) = header(bytes, 0x0000_0801, 1)?;
    if let Some(i) = payload.iter().position(|&l| l > 9) {
        return Err(Error::Idx(format!(
            "label {i} is {}, not 0..=9",
            payload[i]
        )));
    }
    Ok(payload.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(magic: u32, dims: &[u32], payload: &[u8]) -> Vec<u8> {
        let mut bytes = magic.to_be_bytes().to_vec();
        for d in dims {
            bytes.extend(d.to_be_bytes());
        }
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn parses_images_and_labels_and_refuses_bad_ones() {
        let pixels: Vec<u8> = (0..2 * INPUT_LEN).map(|i| (i % 251) as u8).collect();
        let images = parse_images(&idx(0x803, &[2, 28, 28], &pixels)).expect("valid");
        assert_eq!(images.len(), 2);
        assert_eq!(images[1][0], pixels[INPUT_LEN]);
        assert_eq!(
            parse_labels(&idx(0x801, &[3], &[7, 0, 9])).expect("valid"),
            [7, 0, 9]
        );
        assert!(matches!(
            parse_images(&idx(0x803, &[2, 28, 28], &pixels[1..])),
            Err(Error::Idx(_))
        ));
        assert!(matches!(
            parse_images(&idx(0x803, &[1, 27, 29], &pixels[..783])),
            Err(Error::Idx(_))
        ));
        assert!(matches!(
            parse_labels(&idx(0x801, &[1], &[10])),
            Err(Error::Idx(_))
        ));
        assert!(matches!(parse_labels(&[0, 0, 8]), Err(Error::Idx(_))));
        assert!(matches!(
            parse_labels(&idx(0x803, &[1], &[1])),
            Err(Error::Idx(_))
        ));
        // Dimensions whose product overflows usize.
        assert!(matches!(
            parse_images(&idx(0x803, &[u32::MAX, u32::MAX, u32::MAX], &[])),
            Err(Error::Idx(_))
        ));
    }
}

//! Bytes → an upright image: the format is sniffed from the content (never the file name),
//! the decoder runs under size limits, and the camera's EXIF orientation is applied, so a
//! phone photo taken in portrait is seen the way every photo viewer shows it.
//!
//! Formats people have but this build cannot decode (an iPhone's HEIC above all) are
//! recognised by their magic bytes and named, with what to do about it.

use std::io::{BufRead, Cursor, Seek};
use std::path::Path;

use image::{DynamicImage, ImageDecoder, ImageError, ImageReader, Limits};

use crate::error::PreprocessError;

/// Largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 16_384;
/// Most memory the decoder may allocate for one image.
pub const MAX_DECODE_BYTES: u64 = 256 * 1024 * 1024;

/// Decodes the image file at `path`, upright.
pub fn decode_file(path: &Path) -> Result<DynamicImage, PreprocessError> {
    // The format is taken from the content alone (ImageReader::open would trust the
    // extension), so a text file named .png is "not an image", not a "corrupt PNG".
    let file = std::fs::File::open(path)?;
    decode_reader(std::io::BufReader::new(file))
}

/// Decodes an encoded image held in memory, upright.
pub fn decode_bytes(bytes: &[u8]) -> Result<DynamicImage, PreprocessError> {
    decode_reader(Cursor::new(bytes))
}

fn decode_reader<R: BufRead + Seek>(mut inner: R) -> Result<DynamicImage, PreprocessError> {
    let mut head = [0u8; 32];
    let read = read_head(&mut inner, &mut head)?;
    inner.rewind()?;
    // First, as `image` knows some of these (AVIF) only to call them unsupported.
    if let Some((format, advice)) = foreign_format(&head[..read]) {
        return Err(PreprocessError::UnreadableFormat { format, advice });
    }
    let mut reader = ImageReader::new(inner).with_guessed_format()?;
    if reader.format().is_none() {
        return Err(PreprocessError::NotAnImage);
    }
    // The decoder checks these before allocating, so a 20 000 × 20 000 header costs nothing.
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(decode_error)?;
    // `into_decoder` checks the sides but not `max_alloc` (only `ImageReader::decode`
    // reserves the pixel buffer against it), so the buffer `from_decoder` is about to
    // allocate is checked here: a small PNG whose header claims 16 000 × 16 000 RGBA pixels
    // (a decompression bomb) is refused before 1 GB is allocated and filled.
    let needed = decoder.total_bytes();
    if needed > MAX_DECODE_BYTES {
        let (width, height) = decoder.dimensions();
        return Err(PreprocessError::TooLarge(format!(
            "{width}×{height} pixels take {} MiB decoded",
            needed >> 20
        )));
    }
    // A broken EXIF block is no reason to refuse the pixels: the image stays as stored.
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    image.apply_orientation(orientation);
    Ok(image)
}

fn read_head<R: BufRead>(reader: &mut R, head: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < head.len() {
        match reader.read(&mut head[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn decode_error(e: ImageError) -> PreprocessError {
    match e {
        ImageError::Limits(e) => PreprocessError::TooLarge(e.to_string()),
        // Some decoders (BMP: "Image too large … > soft limit of 65535") enforce their own
        // size cap while parsing the header and report it as a format error.
        ImageError::Decoding(e) if e.to_string().contains("too large") => {
            PreprocessError::TooLarge(e.to_string())
        }
        ImageError::Unsupported(e) => PreprocessError::Unsupported(e.to_string()),
        ImageError::IoError(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            PreprocessError::Read(e)
        }
        other => PreprocessError::Corrupt(other.to_string()),
    }
}

/// Image formats recognised by their first bytes that this build does not decode, with
/// what the user can do. `None` when the bytes are not a known image format at all.
pub fn foreign_format(head: &[u8]) -> Option<(&'static str, &'static str)> {
    const CONVERT: &str = "export or save it as JPEG or PNG (on an iPhone: Settings → Camera → Formats → Most Compatible, or share the photo as JPEG)";
    // ISO base media files: a box size, then `ftyp` and the major brand.
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return match &head[8..12] {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"hevm" | b"hevs"
            | b"mif1" | b"msf1" => Some(("HEIC (HEIF)", CONVERT)),
            b"avif" | b"avis" => Some(("AVIF", CONVERT)),
            _ => None,
        };
    }
    if head.starts_with(b"II*\0") || head.starts_with(b"MM\0*") {
        return Some(("TIFF", "save it as PNG or JPEG"));
    }
    if head.starts_with(&[0xFF, 0x0A]) || head.starts_with(b"\0\0\0\x0CJXL \r\n\x87\n") {
        return Some(("JPEG XL", "export it as JPEG or PNG"));
    }
    if head.starts_with(b"%PDF") {
        return Some(("PDF document", "export the page as PNG or JPEG"));
    }
    None
}

#[cfg(test)]
mod tests {
    use image::codecs::jpeg::JpegEncoder;
    use image::codecs::png::PngEncoder;
    use image::{GrayImage, ImageEncoder, Luma};

    use super::*;

    /// An EXIF block (TIFF structure, big-endian) holding only the Orientation tag.
    fn exif_orientation(value: u16) -> Vec<u8> {
        let mut exif = b"MM\0*\0\0\0\x08".to_vec();
        exif.extend_from_slice(&1u16.to_be_bytes()); // one entry
        exif.extend_from_slice(&0x0112u16.to_be_bytes()); // Orientation
        exif.extend_from_slice(&3u16.to_be_bytes()); // SHORT
        exif.extend_from_slice(&1u32.to_be_bytes()); // one value
        exif.extend_from_slice(&value.to_be_bytes());
        exif.extend_from_slice(&[0, 0]);
        exif.extend_from_slice(&0u32.to_be_bytes()); // no next IFD
        exif
    }

    /// An asymmetric 6×4 test card: every transform of it differs from the others.
    fn card() -> GrayImage {
        GrayImage::from_fn(6, 4, |x, y| Luma([(x * 40 + y * 7) as u8]))
    }

    /// The pixels a camera would store for an upright `card` so that applying EXIF
    /// orientation `value` turns them upright again (5 and 7 are their own inverses).
    fn stored_as(value: u16) -> GrayImage {
        let up = card();
        let (w, h) = up.dimensions();
        let transpose = GrayImage::from_fn(h, w, |x, y| up[(y, x)]);
        let transverse = GrayImage::from_fn(h, w, |x, y| up[(w - 1 - y, h - 1 - x)]);
        let upright = DynamicImage::ImageLuma8(up);
        match value {
            1 => upright.to_luma8(),
            2 => upright.fliph().to_luma8(),
            3 => upright.rotate180().to_luma8(),
            4 => upright.flipv().to_luma8(),
            5 => transpose,
            6 => upright.rotate270().to_luma8(),
            7 => transverse,
            8 => upright.rotate90().to_luma8(),
            _ => unreachable!(),
        }
    }

    /// Encodes `stored` with `encoder`, tagged with EXIF orientation `value`.
    fn write_tagged(mut encoder: impl ImageEncoder, stored: &GrayImage, value: u16) {
        encoder
            .set_exif_metadata(exif_orientation(value))
            .expect("the encoder takes exif");
        encoder
            .write_image(
                stored.as_raw(),
                stored.width(),
                stored.height(),
                image::ExtendedColorType::L8,
            )
            .expect("encodes");
    }

    #[test]
    fn every_exif_orientation_is_undone_for_png() {
        for value in 1..=8u16 {
            let stored = stored_as(value);
            let mut bytes = Vec::new();
            write_tagged(PngEncoder::new(&mut bytes), &stored, value);
            let decoded = decode_bytes(&bytes).expect("decodes").to_luma8();
            assert_eq!(decoded, card(), "orientation {value}");
        }
    }

    #[test]
    fn a_jpeg_with_an_orientation_tag_comes_out_upright() {
        // JPEG is lossy: compare the shape, which is what orientation changes.
        let stored = stored_as(6);
        let mut bytes = Vec::new();
        write_tagged(JpegEncoder::new_with_quality(&mut bytes, 95), &stored, 6);
        assert_eq!((stored.width(), stored.height()), (4, 6));
        let decoded = decode_bytes(&bytes).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (6, 4));
    }

    #[test]
    fn a_header_claiming_more_than_the_memory_limit_is_refused_before_decoding() {
        let mut png = Vec::new();
        PngEncoder::new(&mut png)
            .write_image(&[0], 1, 1, image::ExtendedColorType::L8)
            .expect("encodes");
        // 16 000 × 16 000 RGBA: within the side limit, 1 GB decoded. Header and checksum
        // rewritten; the pixel data is the 1×1 image's, so only the limit can stop it early.
        png[16..20].copy_from_slice(&16_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&16_000u32.to_be_bytes());
        png[25] = 6;
        let crc = crc32(&png[12..29]);
        png[29..33].copy_from_slice(&crc.to_be_bytes());
        let err = decode_bytes(&png).expect_err("refused");
        assert!(
            matches!(&err, PreprocessError::TooLarge(why) if why.contains("16000×16000 pixels take 976 MiB")),
            "{err}"
        );
    }

    /// PNG's CRC-32 (ISO-HDLC), bit by bit: seven lines rather than a dependency for one test.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &byte in bytes {
            crc ^= u32::from(byte);
            for _ in 0..8 {
                crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
            }
        }
        !crc
    }

    #[test]
    fn heic_avif_and_tiff_are_named_with_advice() {
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        let err = decode_bytes(heic).expect_err("heic");
        assert!(err.to_string().contains("HEIC"), "{err}");
        assert!(err.to_string().contains("JPEG"), "{err}");
        let avif = b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf";
        let err = decode_bytes(avif).expect_err("avif");
        assert!(
            matches!(
                err,
                PreprocessError::UnreadableFormat { format: "AVIF", .. }
            ),
            "{err}"
        );
        let tiff = b"II*\0\x08\0\0\0\0\0";
        let err = decode_bytes(tiff).expect_err("tiff");
        assert!(err.to_string().contains("TIFF"), "{err}");
        let mp4 = b"\0\0\0\x18ftypisom\0\0\0\0isomiso2";
        assert!(matches!(
            decode_bytes(mp4).expect_err("video"),
            PreprocessError::NotAnImage
        ));
    }
}

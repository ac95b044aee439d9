//! Any bytes through the IDX parsers (gzip detection, header, dimensions, payload): an error
//! is fine, a panic, overflow or runaway allocation is a bug.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mnist_data::idx::{decompress_if_gzip, parse_images, parse_labels};

fuzz_target!(|data: &[u8]| {
    if let Ok(bytes) = decompress_if_gzip("fuzz", data.to_vec()) {
        let _ = parse_images("fuzz", bytes.clone());
        let _ = parse_labels("fuzz", bytes);
    }
});

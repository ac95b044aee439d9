//! Any bytes through `infer`'s image reading (format sniffing, decoding with limits, EXIF
//! orientation, ink map, marks, segmentation, the MNIST box, the Fashion-MNIST frame), as one
//! digit, as a number and as a product: an error is fine, a panic is a bug, and every accepted
//! image must yield digits with some ink (a blank one is refused instead).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mnist_vision::{Mode, decode_bytes, prepare};

fuzz_target!(|data: &[u8]| {
    let Ok(image) = decode_bytes(data) else {
        return;
    };
    for mode in [Mode::Digit, Mode::Number, Mode::Product] {
        if let Ok(prepared) = prepare(&image, mode) {
            assert!(!prepared.glyphs.is_empty(), "an accepted image yields a digit");
            for glyph in &prepared.glyphs {
                assert!(glyph.digit.iter().any(|&p| p > 0), "every digit has some ink");
                let b = glyph.bounds;
                assert!(b.x + b.width <= image.width() && b.y + b.height <= image.height());
            }
        }
    }
});

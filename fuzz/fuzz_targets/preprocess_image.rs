//! Any bytes through `infer`'s image preprocessing (format sniffing, decoding with limits,
//! grayscale, background detection, crop, resize, centring): an error is fine, a panic is a
//! bug, and every accepted image must keep some ink (a blank one is refused instead).
#![no_main]

use libfuzzer_sys::fuzz_target;

// The very file `infer` compiles, included rather than depended on so that the fuzz build
// does not need Burn (mnist-infer's other modules do).
#[path = "../../crates/mnist-infer/src/preprocess.rs"]
#[allow(dead_code)]
mod preprocess;

fuzz_target!(|data: &[u8]| {
    if let Ok(digit) = preprocess::preprocess_bytes(data) {
        assert!(digit.iter().any(|&p| p > 0), "an accepted image yields some ink");
    }
});

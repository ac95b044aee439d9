//! Any bytes through the int8 model reader (`mnist-int8`): the safetensors header, metadata,
//! every tensor's dtype, shape and range, the layer chain; and, when the bytes do read, the
//! integer forward pass on an image made of the same bytes and a write-read round trip. A
//! finding is a panic, an overflow or a runaway allocation; an error is the expected answer to
//! garbage.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mnist_int8::INPUT_LEN;

fuzz_target!(|data: &[u8]| {
    let _ = mnist_int8::is_int8_file(data);
    let _ = mnist_int8::read_f32_safetensors(data);
    let Ok(model) = mnist_int8::read_bytes(data) else {
        return;
    };
    let view = model.view().expect("a model that reads is valid");
    // An arbitrary image: the input bytes, repeated.
    let mut image = [0u8; INPUT_LEN];
    for (pixel, byte) in image.iter_mut().zip(data.iter().cycle()) {
        *pixel = *byte;
    }
    let reading = view.classify_pixels(&image);
    assert!(reading.class < mnist_int8::CLASSES);
    assert_eq!(reading.logits, view.classify(&mnist_int8::preprocess(&image)).logits);
    let bytes = mnist_int8::to_bytes(&model).expect("a model that reads can be written");
    assert_eq!(mnist_int8::read_bytes(&bytes).ok().as_ref(), Some(&model));
});

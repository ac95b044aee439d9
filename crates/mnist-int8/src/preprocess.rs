//! Raw pixels → the model's int8 input: `q = pixel − 128` (scale 1/255, zero point −128), so
//! `(q + 128) / 255` is exactly the f32 model's `pixel / 255`.

use crate::types::INPUT_LEN;

/// `pixel − 128` for every pixel of a 28×28 row-major image (0 = background, 255 = ink).
pub fn preprocess(pixels: &[u8; INPUT_LEN]) -> [i8; INPUT_LEN] {
    pixels.map(quantize_pixel)
}

/// One pixel: `pixel − 128`, i.e. the pixel with its top bit flipped, read as `i8`.
#[inline]
pub fn quantize_pixel(pixel: u8) -> i8 {
    (pixel ^ 0x80) as i8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pixel_maps_to_pixel_minus_128() {
        for p in 0..=255u8 {
            assert_eq!(i32::from(quantize_pixel(p)), i32::from(p) - 128);
        }
        let mut image = [0u8; INPUT_LEN];
        image[5] = 255;
        let q = preprocess(&image);
        assert_eq!((q[0], q[5]), (-128, 127));
    }
}

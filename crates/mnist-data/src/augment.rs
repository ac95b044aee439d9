//! On-the-fly augmentation of 28×28 u8 images: a random affine map (rotation, scale, shift,
//! and for clothes a left-right mirror) and an optional smooth elastic displacement (for
//! handwriting), resampled bilinearly.
//!
//! Written here rather than taken from `image`/`imageproc`: those resample whole images through
//! generic pixel containers, and at 28×28 per image the allocation and dispatch would cost
//! more than the arithmetic (see `benches/batching.rs`). Every draw comes from the caller's
//! RNG, so a seed fixes the result.

use rand::RngExt;

use crate::files::{IMAGE_PIXELS, IMAGE_SIDE};

/// Side of the coarse grid of random displacements behind the elastic distortion; the field
/// between grid points is bilinear, hence smooth.
const ELASTIC_GRID: usize = 4;

/// The ranges random distortions are drawn from; all zero leaves images unchanged. It is also
/// the `[augment]` table of `train`'s config, hence serde.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Augmentation {
    /// Maximum rotation either way, in degrees.
    pub rotation_deg: f32,
    /// Maximum relative scale change either way (0.1 = 90 %..110 %).
    pub scale: f32,
    /// Maximum shift either way along each axis, in pixels.
    pub shift_px: f32,
    /// Maximum elastic displacement of the coarse control grid, in pixels (0 = none).
    pub elastic_px: f32,
    /// Mirror half of the images left to right (a shirt mirrored is a shirt; a digit is not).
    pub flip_horizontal: bool,
}

/// One concrete distortion: the inverse map from output to source coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Distortion {
    /// Inverse of `scale · rotation`, row-major 2×2.
    inverse: [f32; 4],
    /// Shift in pixels (x, y).
    shift: [f32; 2],
    /// Elastic displacement (dx, dy) of each control point, row-major.
    elastic: [[f32; 2]; ELASTIC_GRID * ELASTIC_GRID],
}

impl Augmentation {
    /// Checks each range; the message names the field as `augment.<field>`.
    pub fn validate(&self) -> Result<(), String> {
        for (name, value, max) in [
            ("rotation_deg", self.rotation_deg, 180.0),
            ("scale", self.scale, 0.5),
            ("shift_px", self.shift_px, 14.0),
            ("elastic_px", self.elastic_px, 14.0),
        ] {
            if !(value.is_finite() && (0.0..=max).contains(&value)) {
                return Err(format!(
                    "augment.{name} is {value}: it must be between 0 and {max}"
                ));
            }
        }
        Ok(())
    }

    /// Whether any distortion is enabled.
    pub fn is_active(&self) -> bool {
        self.rotation_deg > 0.0
            || self.scale > 0.0
            || self.shift_px > 0.0
            || self.elastic_px > 0.0
            || self.flip_horizontal
    }

    /// Writes a randomly distorted copy of `image` (784 pixels) into `out`.
    pub fn apply(&self, image: &[u8], out: &mut [u8], rng: &mut impl RngExt) {
        debug_assert_eq!(image.len(), IMAGE_PIXELS);
        debug_assert_eq!(out.len(), IMAGE_PIXELS);
        self.draw(rng).resample(image, out);
    }

    fn draw(&self, rng: &mut impl RngExt) -> Distortion {
        let mut symmetric = |limit: f32| {
            if limit > 0.0 {
                rng.random_range(-limit..=limit)
            } else {
                0.0
            }
        };
        let angle = symmetric(self.rotation_deg).to_radians();
        let scale = 1.0 + symmetric(self.scale);
        let shift = [symmetric(self.shift_px), symmetric(self.shift_px)];
        let mut elastic = [[0.0; 2]; ELASTIC_GRID * ELASTIC_GRID];
        for point in &mut elastic {
            *point = [symmetric(self.elastic_px), symmetric(self.elastic_px)];
        }
        // Inverse of s·R(θ) is R(−θ)/s; a mirror negates the output's x first. Drawn only
        // when enabled, so configs without it keep their random sequence.
        let (sin, cos) = angle.sin_cos();
        let mirror = if self.flip_horizontal && rng.random_bool(0.5) {
            -1.0
        } else {
            1.0
        };
        let inverse = [
            mirror * cos / scale,
            sin / scale,
            -mirror * sin / scale,
            cos / scale,
        ];
        Distortion {
            inverse,
            shift,
            elastic,
        }
    }
}

/// Side of the zero-padded copy of the source: one background pixel on each side lets every
/// bilinear sample read its four neighbours without bounds checks.
const PADDED_SIDE: usize = IMAGE_SIDE + 2;

impl Distortion {
    /// For every output pixel, samples the source where the distortion sends it from.
    fn resample(&self, image: &[u8], out: &mut [u8]) {
        let mut padded = [0u8; PADDED_SIDE * PADDED_SIDE];
        for (row, source) in image.chunks_exact(IMAGE_SIDE).enumerate() {
            let start = (row + 1) * PADDED_SIDE + 1;
            padded[start..start + IMAGE_SIDE].copy_from_slice(source);
        }
        // Samples landing outside the ink's bounding box (widened by the one pixel bilinear
        // reaches) are background: most of an MNIST image, skipped without reading it.
        let Some(ink) = InkBox::of(image) else {
            out.fill(0);
            return;
        };
        let field = self.elastic_field();
        // MNIST centres the mass on pixel (14, 14); rotating and scaling about the image's
        // geometric centre keeps digits centred on average.
        let centre = (IMAGE_SIDE as f32 - 1.0) / 2.0;
        let [a, b, c, d] = self.inverse;
        for y in 0..IMAGE_SIDE {
            let dy = y as f32 - centre - self.shift[1];
            // +1: coordinates in the padded copy.
            let row_x = centre + 1.0 + b * dy;
            let row_y = centre + 1.0 + d * dy;
            for x in 0..IMAGE_SIDE {
                let dx = x as f32 - centre - self.shift[0];
                let (mut sx, mut sy) = (row_x + a * dx, row_y + c * dx);
                if let Some(field) = &field {
                    let [ex, ey] = field[y * IMAGE_SIDE + x];
                    sx += a * ex + b * ey;
                    sy += c * ex + d * ey;
                }
                out[y * IMAGE_SIDE + x] = if ink.reaches(sx, sy) {
                    bilinear(&padded, sx, sy)
                } else {
                    0
                };
            }
        }
    }

    /// The elastic displacement of every output pixel, interpolated bilinearly from the
    /// control grid (separably: along each grid row first, then between rows); `None` when
    /// there is none.
    fn elastic_field(&self) -> Option<Box<[[f32; 2]; IMAGE_PIXELS]>> {
        if self.elastic.iter().all(|&[dx, dy]| dx == 0.0 && dy == 0.0) {
            return None;
        }
        let cell = (IMAGE_SIDE - 1) as f32 / (ELASTIC_GRID - 1) as f32;
        // Grid cell and fraction of each pixel coordinate (the same along x and y).
        let position = |p: usize| {
            let g = p as f32 / cell;
            let i = (g as usize).min(ELASTIC_GRID - 2);
            (i, g - i as f32)
        };
        let mut rows = [[[0.0f32; 2]; IMAGE_SIDE]; ELASTIC_GRID];
        for (j, row) in rows.iter_mut().enumerate() {
            for (x, value) in row.iter_mut().enumerate() {
                let (i, f) = position(x);
                let left = self.elastic[j * ELASTIC_GRID + i];
                let right = self.elastic[j * ELASTIC_GRID + i + 1];
                *value = [
                    left[0] + (right[0] - left[0]) * f,
                    left[1] + (right[1] - left[1]) * f,
                ];
            }
        }
        let mut field = Box::new([[0.0f32; 2]; IMAGE_PIXELS]);
        for y in 0..IMAGE_SIDE {
            let (j, f) = position(y);
            for x in 0..IMAGE_SIDE {
                let (top, bottom) = (rows[j][x], rows[j + 1][x]);
                field[y * IMAGE_SIDE + x] = [
                    top[0] + (bottom[0] - top[0]) * f,
                    top[1] + (bottom[1] - top[1]) * f,
                ];
            }
        }
        Some(field)
    }
}

/// The region of padded coordinates whose bilinear samples can touch ink.
struct InkBox {
    x: (f32, f32),
    y: (f32, f32),
}

impl InkBox {
    /// The bounding box of the non-zero pixels, `None` for a blank image.
    fn of(image: &[u8]) -> Option<Self> {
        let (mut x0, mut x1, mut y0, mut y1) = (IMAGE_SIDE, 0, IMAGE_SIDE, 0);
        for (y, row) in image.chunks_exact(IMAGE_SIDE).enumerate() {
            let Some(first) = row.iter().position(|&p| p > 0) else {
                continue;
            };
            let last = row.iter().rposition(|&p| p > 0).unwrap_or(first);
            (x0, x1) = (x0.min(first), x1.max(last));
            (y0, y1) = (y0.min(y), y1.max(y));
        }
        // Ink at source pixel p sits at padded p + 1; a sample reads floor(s) and floor(s) + 1,
        // so it can see ink for s in (p, p + 2).
        (x0 <= x1).then_some(Self {
            x: (x0 as f32, x1 as f32 + 2.0),
            y: (y0 as f32, y1 as f32 + 2.0),
        })
    }

    #[inline]
    fn reaches(&self, x: f32, y: f32) -> bool {
        x > self.x.0 && x < self.x.1 && y > self.y.0 && y < self.y.1
    }
}

/// The padded image at a fractional position; beyond the padding is background (0).
#[inline]
fn bilinear(padded: &[u8; PADDED_SIDE * PADDED_SIDE], x: f32, y: f32) -> u8 {
    let last = (PADDED_SIDE - 1) as f32;
    // Also false for NaN.
    if !(x >= 0.0 && y >= 0.0 && x < last && y < last) {
        return 0;
    }
    // The clamps cannot bind (checked above) but let the compiler drop the bounds checks.
    let (x0, y0) = (
        (x as usize).min(PADDED_SIDE - 2),
        (y as usize).min(PADDED_SIDE - 2),
    );
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let i = y0 * PADDED_SIDE + x0;
    let p = |j: usize| f32::from(padded[j]);
    let top = p(i) + (p(i + 1) - p(i)) * fx;
    let bottom = p(i + PADDED_SIDE) + (p(i + PADDED_SIDE + 1) - p(i + PADDED_SIDE)) * fx;
    // A convex combination of bytes: within 0..=255, so the cast only rounds.
    (top + (bottom - top) * fy + 0.5) as u8
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    /// A filled 6×10 rectangle centred in the image.
    fn bar() -> Vec<u8> {
        let mut image = vec![0u8; IMAGE_PIXELS];
        for y in 9..19 {
            for x in 11..17 {
                image[y * IMAGE_SIDE + x] = 255;
            }
        }
        image
    }

    fn centre_of_mass(image: &[u8]) -> (f32, f32) {
        let (mut sx, mut sy, mut total) = (0.0, 0.0, 0.0);
        for (i, &p) in image.iter().enumerate() {
            let p = f32::from(p);
            sx += (i % IMAGE_SIDE) as f32 * p;
            sy += (i / IMAGE_SIDE) as f32 * p;
            total += p;
        }
        (sx / total, sy / total)
    }

    #[test]
    fn no_distortion_is_the_identity() {
        let image = bar();
        let mut out = vec![0u8; IMAGE_PIXELS];
        Augmentation::default().apply(&image, &mut out, &mut StdRng::seed_from_u64(1));
        assert_eq!(out, image);
        assert!(!Augmentation::default().is_active());
    }

    #[test]
    fn a_mirror_moves_a_left_bar_to_the_right_in_about_half_the_draws() {
        let mut left = vec![0u8; IMAGE_PIXELS];
        for y in 4..24 {
            left[y * IMAGE_SIDE + 5] = 255;
        }
        let flip = Augmentation {
            flip_horizontal: true,
            ..Augmentation::default()
        };
        assert!(flip.is_active());
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut out = vec![0u8; IMAGE_PIXELS];
        let mut mirrored = 0;
        for _ in 0..200 {
            flip.apply(&left, &mut out, &mut rng);
            let (x, _) = centre_of_mass(&out);
            if (x - 22.0).abs() < 0.01 {
                mirrored += 1;
            } else {
                assert!((x - 5.0).abs() < 0.01, "{x}");
            }
        }
        assert!((70..130).contains(&mirrored), "{mirrored} of 200");
    }

    #[test]
    fn a_shift_moves_the_digit_by_that_many_pixels() {
        let image = bar();
        let mut out = vec![0u8; IMAGE_PIXELS];
        let distortion = Distortion {
            inverse: [1.0, 0.0, 0.0, 1.0],
            shift: [2.0, -1.0],
            elastic: [[0.0; 2]; ELASTIC_GRID * ELASTIC_GRID],
        };
        distortion.resample(&image, &mut out);
        let (x0, y0) = centre_of_mass(&image);
        let (x1, y1) = centre_of_mass(&out);
        assert!((x1 - x0 - 2.0).abs() < 1e-3 && (y1 - y0 + 1.0).abs() < 1e-3);
    }

    #[test]
    fn a_quarter_turn_turns_a_tall_bar_into_a_wide_one() {
        let image = bar();
        let mut out = vec![0u8; IMAGE_PIXELS];
        let distortion = Distortion {
            inverse: [0.0, 1.0, -1.0, 0.0],
            shift: [0.0, 0.0],
            elastic: [[0.0; 2]; ELASTIC_GRID * ELASTIC_GRID],
        };
        distortion.resample(&image, &mut out);
        let ink_columns = |img: &[u8]| {
            (0..IMAGE_SIDE)
                .filter(|&x| (0..IMAGE_SIDE).any(|y| img[y * IMAGE_SIDE + x] > 0))
                .count()
        };
        assert_eq!(ink_columns(&image), 6);
        assert_eq!(ink_columns(&out), 10);
        let total = |img: &[u8]| img.iter().map(|&p| u32::from(p)).sum::<u32>();
        assert_eq!(total(&out), total(&image));
    }

    #[test]
    fn distortions_stay_within_their_ranges_and_depend_only_on_the_seed() {
        let augmentation = Augmentation {
            rotation_deg: 10.0,
            scale: 0.1,
            shift_px: 2.0,
            elastic_px: 1.0,
            flip_horizontal: false,
        };
        let image = bar();
        let (cx, cy) = centre_of_mass(&image);
        let mut first = vec![0u8; IMAGE_PIXELS];
        let mut again = vec![0u8; IMAGE_PIXELS];
        let mut changed = 0;
        for seed in 0..50 {
            augmentation.apply(&image, &mut first, &mut StdRng::seed_from_u64(seed));
            augmentation.apply(&image, &mut again, &mut StdRng::seed_from_u64(seed));
            assert_eq!(first, again, "seed {seed}");
            changed += usize::from(first != image);
            // Shift ≤ 2 px plus at most 1 px of elastic displacement and the rotation/scale
            // about the centre, which barely moves a centred bar's mass.
            let (x, y) = centre_of_mass(&first);
            assert!(
                (x - cx).abs() < 3.5 && (y - cy).abs() < 3.5,
                "seed {seed}: {x},{y}"
            );
        }
        assert!(changed >= 45, "only {changed} of 50 images changed");
    }
}

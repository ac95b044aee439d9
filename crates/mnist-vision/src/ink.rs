//! A decoded image → an ink map: how much ink each pixel holds, 0 on paper, whatever the
//! light. The paper's own brightness (gradients, soft shadows, grey or coloured paper) is
//! estimated and removed, the ink's polarity (dark pen on paper or chalk on a board) is
//! decided from the data, sensor and JPEG noise is smoothed only when there is noise, and
//! ruled or squared paper lines are taken out.

use crate::marks::MIN_CONTRAST;
use image::imageops;
use image::{DynamicImage, GrayImage, ImageBuffer, Luma};
use imageproc::distance_transform::Norm;
use imageproc::filter::gaussian_blur_f32;
use imageproc::morphology::{Mask, dilate, grayscale_dilate, grayscale_erode};

/// One channel of f32 values per pixel.
pub type GrayF32 = ImageBuffer<Luma<f32>, Vec<f32>>;

/// Larger images are first reduced (area averaging) to this longest side: a digit 25 % of
/// the height still spans ~100 pixels, ample for a 20-pixel box, and area averaging is the
/// cheapest denoiser there is.
pub const WORKING_SIDE: u32 = 512;
/// The background is estimated on about this many tiles along the longest side: tiles
/// larger than strokes (so paper shows in each) and smaller than shadows.
const TILES: u32 = 8;
/// Share of the image at each end of its histogram taken as the ink's tail when deciding
/// the polarity: a thin digit covers more than this.
const INK_TAIL: f32 = 0.002;
/// The first paper estimate works on the image reduced to this longest side …
const COARSE_SIDE: u32 = 64;
/// … with a disk of this radius there (a fifth of the image's longest side on each side of
/// a pixel: wider than a marker's stroke on a digit filling the frame).
const CLOSING_RADIUS: u8 = 12;
/// A tile with less than this share of paper pixels takes its level from its neighbours.
const LEAST_PAPER: f32 = 0.15;
/// Pixels this many noise σ above the first paper estimate are ink, not paper …
const INK_SIGMAS: f32 = 4.0;
/// … and so are those above this share of the strongest ink.
const INK_SHARE: f32 = 0.25;
/// Noise (σ, grey levels at working size) above which the ink map is smoothed.
const NOISY: f32 = 1.5;
/// Gaussian σ of that smoothing, in working pixels: removes most pixel noise while a
/// stroke two pixels wide keeps most of its contrast.
const SMOOTHING: f32 = 1.0;
/// A paper line crosses the image: a row (column) is taken as a line where at least this
/// share of it carries ink, which no digit stroke does.
const LINE_COVER: f32 = 0.85;

/// The ink of an image at working size.
#[derive(Debug, Clone)]
pub struct InkMap {
    /// Ink per pixel, ≥ 0, in grey levels above the paper.
    pub ink: GrayF32,
    /// Standard deviation of what is left on bare paper (grey levels), after smoothing.
    pub noise: f32,
    /// Pixels of the original image per working pixel.
    pub scale: f32,
    /// Whether the ink is darker than the paper (pen on paper) rather than lighter (chalk
    /// on a board, or MNIST's own white on black).
    pub dark_ink: bool,
}

impl InkMap {
    /// Measures the ink of `image`, reduced to [`WORKING_SIDE`] first when larger.
    pub fn new(image: &DynamicImage) -> Self {
        let (gray, scale) = at_working_size(gray_levels(image));
        Self::from_gray(&gray, scale)
    }

    fn from_gray(gray: &GrayImage, scale: f32) -> Self {
        // Noise from the residual to the median background, which ink does not sway.
        let median = background(gray, 0.5, None).expect("no tile is excluded");
        let residual: Vec<f32> = gray
            .pixels()
            .zip(median.pixels())
            .map(|(g, b)| f32::from(g[0]) - b[0])
            .collect();
        let raw_noise = robust_sigma(&residual);
        let dark_ink = ink_is_dark(gray);

        // The paper, twice: first by a morphological closing at a coarse scale (strokes
        // narrower than the element vanish, light and shadows wider than it stay), then from
        // the median of the pixels that first estimate calls paper, which is unbiased by
        // noise, with tiles buried in a marker's stroke filled in from their neighbours.
        let first = closed_background(gray, dark_ink);
        let signed = |paper: &GrayF32| {
            GrayF32::from_fn(gray.width(), gray.height(), |x, y| {
                let (g, p) = (f32::from(gray[(x, y)][0]), paper[(x, y)][0]);
                Luma([if dark_ink { p - g } else { g - p }])
            })
        };
        let rough = signed(&first);
        let peak = quantile_of(&mut rough.as_raw().clone(), 0.999);
        let is_ink_level = (INK_SIGMAS * raw_noise)
            .max(INK_SHARE * peak)
            .max(f32::from(MIN_CONTRAST) / 2.0);
        let is_ink = dilate(
            &GrayImage::from_fn(gray.width(), gray.height(), |x, y| {
                Luma([if rough[(x, y)][0] > is_ink_level {
                    255
                } else {
                    0
                }])
            }),
            Norm::LInf,
            2,
        );
        // Where the first estimate calls most tiles ink, it is no better than itself.
        let mut ink = match background(gray, 0.5, Some(&is_ink)) {
            Some(paper) => signed(&paper),
            None => rough,
        };
        if raw_noise > NOISY && gray.width().min(gray.height()) > 8 {
            ink = gaussian_blur_f32(&ink, SMOOTHING);
        }
        let noise = robust_sigma(ink.as_raw());
        for v in ink.iter_mut() {
            *v = v.max(0.0);
        }
        remove_paper_lines(&mut ink);
        Self {
            ink,
            noise,
            scale,
            dark_ink,
        }
    }
}

/// Whether the ink is darker than the paper. The paper is what the image's border mostly
/// shows, and the ink is the far tail on one side of it: a grey page in dim light still
/// has its ink far below it, chalk stands far above a board, however much of the image
/// a thick stroke covers.
fn ink_is_dark(gray: &GrayImage) -> bool {
    let mut histogram = [0u32; 256];
    for p in gray.pixels() {
        histogram[usize::from(p[0])] += 1;
    }
    let total = gray.width() * gray.height();
    let level_at = |share: f32| f32::from(histogram_quantile(&histogram, total, share));
    let (darkest, lightest) = (level_at(INK_TAIL), level_at(1.0 - INK_TAIL));
    let paper = f32::from(border_median(gray));
    paper - darkest >= lightest - paper
}

/// The level below which the share `q` of the `count` pixels counted in `histogram` lie.
fn histogram_quantile(histogram: &[u32; 256], count: u32, q: f32) -> u8 {
    let target = (q * count as f32).ceil().max(1.0) as u32;
    let mut seen = 0;
    histogram
        .iter()
        .position(|&n| {
            seen += n;
            seen >= target
        })
        .map_or(u8::MAX, |level| level as u8)
}

fn border_median(gray: &GrayImage) -> u8 {
    let (width, height) = gray.dimensions();
    let mut border: Vec<u8> = (0..width)
        .flat_map(|x| [gray[(x, 0)][0], gray[(x, height - 1)][0]])
        .chain((0..height).flat_map(|y| [gray[(0, y)][0], gray[(width - 1, y)][0]]))
        .collect();
    let middle = border.len() / 2;
    *border.select_nth_unstable(middle).1
}

/// Luminance, with transparent areas filled by the shade that contrasts with the strokes
/// (a black pen on a transparent canvas is composed over white, a white one over black).
fn gray_levels(image: &DynamicImage) -> GrayImage {
    if !image.color().has_alpha() {
        return image.to_luma8();
    }
    let (sum, count) = image
        .to_luma_alpha8()
        .pixels()
        .filter(|p| p[1] >= 128)
        .fold((0u64, 0u64), |(sum, count), p| {
            (sum + u64::from(p[0]), count + 1)
        });
    let backdrop = if count == 0 || sum / count < 128 {
        255
    } else {
        0
    };
    on_backdrop(image, backdrop)
}

/// Grey levels of `image`, transparent pixels composed over the grey level `backdrop`.
pub(crate) fn on_backdrop(image: &DynamicImage, backdrop: u8) -> GrayImage {
    if !image.color().has_alpha() {
        return image.to_luma8();
    }
    let luma_alpha = image.to_luma_alpha8();
    let backdrop = u32::from(backdrop);
    GrayImage::from_fn(luma_alpha.width(), luma_alpha.height(), |x, y| {
        let [luma, alpha] = luma_alpha[(x, y)].0.map(u32::from);
        Luma([((luma * alpha + backdrop * (255 - alpha) + 127) / 255) as u8])
    })
}

/// `gray` reduced by area averaging to [`WORKING_SIDE`] on its longest side when larger, with
/// the pixels of the original per working pixel.
pub(crate) fn at_working_size(gray: GrayImage) -> (GrayImage, f32) {
    let (width, height) = gray.dimensions();
    let reduced = if width.max(height) > WORKING_SIDE {
        let factor = f64::from(WORKING_SIDE) / f64::from(width.max(height));
        let side = |s: u32| ((f64::from(s) * factor).round() as u32).max(1);
        imageops::thumbnail(&gray, side(width), side(height))
    } else {
        gray
    };
    let scale = width as f32 / reduced.width() as f32;
    (reduced, scale)
}

/// The paper's level from the image reduced to [`COARSE_SIDE`]: a closing (dark ink: the
/// lightest level within [`CLOSING_RADIUS`], then the darkest of those) removes the
/// strokes, a blur smooths the result, and it is scaled back up.
fn closed_background(gray: &GrayImage, dark_ink: bool) -> GrayF32 {
    let (width, height) = gray.dimensions();
    let factor = COARSE_SIDE as f32 / width.max(height) as f32;
    let side = |s: u32| ((s as f32 * factor).round() as u32).clamp(1, s);
    let coarse = imageops::thumbnail(gray, side(width), side(height));
    let disk = Mask::disk(CLOSING_RADIUS);
    let closed = if dark_ink {
        grayscale_erode(&grayscale_dilate(&coarse, &disk), &disk)
    } else {
        grayscale_dilate(&grayscale_erode(&coarse, &disk), &disk)
    };
    // In 8 bits: `image` resizes f32 pixels as if they were 0..1 and clamps them.
    let smooth = gaussian_blur_f32(&closed, 1.5);
    let full = imageops::resize(&smooth, width, height, imageops::FilterType::Triangle);
    GrayF32::from_fn(width, height, |x, y| Luma([f32::from(full[(x, y)][0])]))
}

/// The paper's level everywhere: the `quantile` of each tile's pixels (leaving out those
/// `excluded` marks), a 3×3 median over the tiles (a tile buried in a thick stroke takes its
/// neighbours' value; with `excluded`, tiles with too little paper left are filled from
/// their neighbours instead), then bilinear interpolation between tile centres, so
/// gradients and soft shadows are followed.
fn background(gray: &GrayImage, quantile: f32, excluded: Option<&GrayImage>) -> Option<GrayF32> {
    let (width, height) = gray.dimensions();
    let tile = (width.max(height) / TILES).max(4);
    let (cols, rows) = (width.div_ceil(tile), height.div_ceil(tile));
    let mut grid = vec![None; (cols * rows) as usize];
    for row in 0..rows {
        for col in 0..cols {
            let mut histogram = [0u32; 256];
            let (x0, y0) = (col * tile, row * tile);
            let (x1, y1) = ((x0 + tile).min(width), (y0 + tile).min(height));
            let mut count = 0u32;
            for y in y0..y1 {
                for x in x0..x1 {
                    if excluded.is_none_or(|e| e[(x, y)][0] == 0) {
                        histogram[usize::from(gray[(x, y)][0])] += 1;
                        count += 1;
                    }
                }
            }
            let least = ((x1 - x0) * (y1 - y0)) as f32 * LEAST_PAPER;
            if count == 0 || (excluded.is_some() && (count as f32) < least) {
                continue;
            }
            let level = histogram_quantile(&histogram, count, quantile);
            grid[(row * cols + col) as usize] = Some(f32::from(level));
        }
    }
    if grid.iter().filter(|t| t.is_none()).count() * 2 > grid.len() {
        return None;
    }
    let grid = fill_from_neighbours(grid, cols as usize, rows as usize);
    let grid = if excluded.is_some() {
        grid
    } else {
        median_3x3(&grid, cols as usize, rows as usize)
    };
    // Tile centres, as positions along each axis, for the interpolation.
    let centre = |i: u32, extent: u32| (i * tile + ((i + 1) * tile).min(extent)) as f32 / 2.0;
    // Between the outer tile centres and the image's edges the level stays that of the
    // outer tiles: extrapolating a trend from tiles that were themselves filled in from
    // their neighbours can overshoot into false ink along the borders.
    let weights = |pos: u32, count: u32, extent: u32| -> (usize, usize, f32) {
        let p = pos as f32 + 0.5;
        let mut i = 0;
        while i + 2 < count && centre(i + 1, extent) <= p {
            i += 1;
        }
        if count == 1 {
            return (0, 0, 0.0);
        }
        let (a, b) = (centre(i, extent), centre(i + 1, extent));
        (
            i as usize,
            i as usize + 1,
            ((p - a) / (b - a)).clamp(0.0, 1.0),
        )
    };
    let xs: Vec<_> = (0..width).map(|x| weights(x, cols, width)).collect();
    let ys: Vec<_> = (0..height).map(|y| weights(y, rows, height)).collect();
    let cols = cols as usize;
    Some(GrayF32::from_fn(width, height, |x, y| {
        let (x0, x1, tx) = xs[x as usize];
        let (y0, y1, ty) = ys[y as usize];
        let at = |r: usize, c: usize| grid[r * cols + c];
        let top = at(y0, x0) * (1.0 - tx) + at(y0, x1) * tx;
        let bottom = at(y1, x0) * (1.0 - tx) + at(y1, x1) * tx;
        Luma([(top * (1.0 - ty) + bottom * ty).clamp(0.0, 255.0)])
    }))
}

/// Tiles without a level take the mean of their neighbours that have one, growing inward
/// until every tile has one (at least one must).
fn fill_from_neighbours(mut grid: Vec<Option<f32>>, cols: usize, rows: usize) -> Vec<f32> {
    while grid.iter().any(Option::is_none) {
        let before = grid.clone();
        for r in 0..rows {
            for c in 0..cols {
                if before[r * cols + c].is_some() {
                    continue;
                }
                let known: Vec<f32> = (r.saturating_sub(1)..(r + 2).min(rows))
                    .flat_map(|rr| (c.saturating_sub(1)..(c + 2).min(cols)).map(move |cc| (rr, cc)))
                    .filter_map(|(rr, cc)| before[rr * cols + cc])
                    .collect();
                if !known.is_empty() {
                    grid[r * cols + c] = Some(known.iter().sum::<f32>() / known.len() as f32);
                }
            }
        }
    }
    grid.into_iter().flatten().collect()
}

fn median_3x3(grid: &[f32], cols: usize, rows: usize) -> Vec<f32> {
    let mut out = vec![0.0; grid.len()];
    let mut window = Vec::with_capacity(9);
    for r in 0..rows {
        for c in 0..cols {
            window.clear();
            for rr in r.saturating_sub(1)..(r + 2).min(rows) {
                for cc in c.saturating_sub(1)..(c + 2).min(cols) {
                    window.push(grid[rr * cols + cc]);
                }
            }
            let middle = window.len() / 2;
            out[r * cols + c] = *window.select_nth_unstable_by(middle, f32::total_cmp).1;
        }
    }
    out
}

/// σ of the bulk of `values` from their median absolute deviation: what ink, a minority,
/// does not move.
fn robust_sigma(values: &[f32]) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let mut v = values.to_vec();
    let middle = v.len() / 2;
    let median = *v.select_nth_unstable_by(middle, f32::total_cmp).1;
    for x in &mut v {
        *x = (*x - median).abs();
    }
    1.4826 * *v.select_nth_unstable_by(middle, f32::total_cmp).1
}

/// Removes ink that lies along whole rows or columns (ruled and squared paper): each row's
/// level at the (1 − [`LINE_COVER`]) quantile, which only a line crossing the image
/// raises, is subtracted from it; then the same for columns.
fn remove_paper_lines(ink: &mut GrayF32) {
    let (width, height) = ink.dimensions();
    if width.min(height) < 16 {
        return;
    }
    let mut line = Vec::new();
    for y in 0..height {
        line.clear();
        line.extend((0..width).map(|x| ink[(x, y)][0]));
        let level = quantile_of(&mut line, 1.0 - LINE_COVER);
        if level > 0.0 {
            for x in 0..width {
                ink[(x, y)][0] = (ink[(x, y)][0] - level).max(0.0);
            }
        }
    }
    for x in 0..width {
        line.clear();
        line.extend((0..height).map(|y| ink[(x, y)][0]));
        let level = quantile_of(&mut line, 1.0 - LINE_COVER);
        if level > 0.0 {
            for y in 0..height {
                ink[(x, y)][0] = (ink[(x, y)][0] - level).max(0.0);
            }
        }
    }
}

fn quantile_of(values: &mut [f32], q: f32) -> f32 {
    let index = ((values.len() as f32 * q) as usize).min(values.len() - 1);
    *values.select_nth_unstable_by(index, f32::total_cmp).1
}

/// `ink` as 8-bit levels (clamped), for thresholds and filters that take bytes.
pub fn to_levels(ink: &GrayF32) -> GrayImage {
    GrayImage::from_fn(ink.width(), ink.height(), |x, y| {
        Luma([ink[(x, y)][0].round().clamp(0.0, 255.0) as u8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ink_of(gray: GrayImage) -> InkMap {
        InkMap::new(&DynamicImage::ImageLuma8(gray))
    }

    fn peak(map: &InkMap) -> f32 {
        map.ink.iter().copied().fold(0.0, f32::max)
    }

    #[test]
    fn a_gradient_alone_holds_no_ink() {
        // 150 grey levels from corner to corner, far steeper than light across a page.
        let gradient = GrayImage::from_fn(300, 200, |x, y| Luma([(60 + x / 3 + y / 4) as u8]));
        let map = ink_of(gradient);
        assert!(peak(&map) < 12.0, "peak {}", peak(&map));
        let err = crate::marks::Marks::find(&map).expect_err("blank");
        assert!(
            matches!(err, crate::error::PreprocessError::Blank { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_stroke_under_a_shadow_keeps_its_contrast_and_polarity() {
        // Paper from 240 (left) to 110 (right, in shadow), a dark stroke across both.
        let image = GrayImage::from_fn(400, 300, |x, y| {
            let paper = 240.0 - 130.0 * (x as f32 / 399.0);
            let stroke = (140..150).contains(&y) && (40..360).contains(&x);
            Luma([if stroke { paper * 0.35 } else { paper } as u8])
        });
        let map = ink_of(image);
        assert!(map.dark_ink);
        let (left, right) = (map.ink[(60, 145)][0], map.ink[(340, 145)][0]);
        assert!(left > 120.0 && right > 50.0, "{left} {right}");
        assert!(map.ink[(60, 60)][0] < 5.0 && map.ink[(340, 250)][0] < 5.0);
    }

    #[test]
    fn chalk_on_a_board_is_light_ink() {
        let image = GrayImage::from_fn(200, 200, |x, y| {
            Luma([if (90..100).contains(&x) && (40..160).contains(&y) {
                210
            } else {
                45
            }])
        });
        let map = ink_of(image);
        assert!(!map.dark_ink);
        assert!(map.ink[(95, 100)][0] > 150.0);
    }

    #[test]
    fn a_line_across_the_page_is_not_ink() {
        let image = GrayImage::from_fn(300, 300, |x, y| {
            let ruled = y % 40 == 0 || y % 40 == 1;
            let stroke = (100..110).contains(&x) && (60..240).contains(&y);
            Luma([if stroke {
                30
            } else if ruled {
                200
            } else {
                250
            }])
        });
        let map = ink_of(image);
        assert!(map.ink[(200, 120)][0] < 1.0, "{}", map.ink[(200, 120)][0]);
        assert!(map.ink[(105, 150)][0] > 150.0);
    }
}

//! An ink map → the marks that are strokes: a threshold taken from the image itself (Otsu,
//! never below what the noise allows), hysteresis (a mark counts only if part of it is
//! strong ink, and then keeps its fainter edges), connected components, and out go the
//! specks and the lines that cross the page.

use image::{GrayImage, ImageBuffer, Luma};
use imageproc::contrast::otsu_level;
use imageproc::region_labelling::{Connectivity, connected_components};

use crate::error::PreprocessError;
use crate::ink::{InkMap, to_levels};

/// Least ink, in grey levels above the paper, for an image to hold a digit at all.
pub const MIN_CONTRAST: u8 = 40;
/// A strong pixel stands this many noise σ above the paper, at least.
const STRONG_SIGMAS: f32 = 5.0;
/// Fainter pixels join a strong mark down to this share of the strong threshold.
const HYSTERESIS: f32 = 0.5;
/// A mark shorter and narrower than this share of the tallest mark is a speck.
const SPECK: f32 = 0.2;
/// A mark that spans this share of the image one way is a line, if it is thin the other.
const LINE_SPAN: f32 = 0.9;
/// … thin meaning at most this share of its length.
const LINE_THICKNESS: f32 = 1.0 / 15.0;

/// A rectangle in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Rect {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
}

impl Rect {
    /// The smallest rectangle holding both.
    pub fn union(self, other: Rect) -> Rect {
        let (x, y) = (self.x.min(other.x), self.y.min(other.y));
        let right = self.right().max(other.right());
        let bottom = self.bottom().max(other.bottom());
        Rect {
            x,
            y,
            width: right - x,
            height: bottom - y,
        }
    }

    /// One past the rightmost column.
    pub fn right(self) -> u32 {
        self.x + self.width
    }

    /// One past the lowest row.
    pub fn bottom(self) -> u32 {
        self.y + self.height
    }

    /// Columns both rectangles cover.
    pub fn overlap_x(self, other: Rect) -> u32 {
        self.right()
            .min(other.right())
            .saturating_sub(self.x.max(other.x))
    }

    /// Scaled by `factor` (working pixels → original pixels), kept inside `limit`.
    pub fn scaled(self, factor: f32, limit: (u32, u32)) -> Rect {
        let s = |v: u32| (v as f32 * factor).round() as u32;
        let (x, y) = (s(self.x).min(limit.0), s(self.y).min(limit.1));
        Rect {
            x,
            y,
            width: s(self.right()).min(limit.0) - x,
            height: s(self.bottom()).min(limit.1) - y,
        }
    }
}

/// One connected stroke (or several touching ones).
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Its label in [`Marks::labels`].
    pub label: u32,
    /// Bounding box, in working pixels.
    pub bounds: Rect,
    /// Pixels.
    pub area: u32,
    /// Total ink.
    pub mass: f32,
}

/// The strokes found in an ink map.
#[derive(Debug, Clone)]
pub struct Marks {
    /// Per pixel, the label of the mark it belongs to, 0 for none.
    pub labels: ImageBuffer<Luma<u32>, Vec<u32>>,
    /// The marks kept as strokes, largest ink mass first.
    pub marks: Vec<Mark>,
    /// Share of the image's pixels above the faint threshold, specks and lines included.
    pub ink_fraction: f32,
    /// Specks dropped.
    pub specks: usize,
    /// Lines across the page dropped.
    pub lines: usize,
    /// The faint threshold: ink below it is paper.
    pub faint: f32,
}

impl Marks {
    /// Finds the strokes in `map`; an image whose strongest ink is too faint is blank.
    pub fn find(map: &InkMap) -> Result<Self, PreprocessError> {
        let ink = &map.ink;
        let peak = ink.iter().copied().fold(0.0f32, f32::max);
        if peak < f32::from(MIN_CONTRAST) {
            return Err(PreprocessError::Blank {
                contrast: peak.round() as u8,
            });
        }
        let levels = to_levels(ink);
        let strong = f32::from(otsu_level(&levels))
            .max(STRONG_SIGMAS * map.noise)
            .max(f32::from(MIN_CONTRAST) / 2.0)
            .min(peak);
        let faint = (strong * HYSTERESIS).max(3.0 * map.noise).min(strong);
        let (width, height) = ink.dimensions();
        let mask = GrayImage::from_fn(width, height, |x, y| {
            Luma([if ink[(x, y)][0] >= faint { 255 } else { 0 }])
        });
        let inked = mask.pixels().filter(|p| p[0] > 0).count();
        let mut labels = connected_components(&mask, Connectivity::Eight, Luma([0u8]));

        let count = labels.iter().copied().max().unwrap_or(0) as usize;
        let mut stats: Vec<Option<(Mark, f32)>> = vec![None; count + 1];
        for (x, y, label) in labels.enumerate_pixels() {
            let label = label[0];
            if label == 0 {
                continue;
            }
            let v = ink[(x, y)][0];
            let here = Rect {
                x,
                y,
                width: 1,
                height: 1,
            };
            let entry = stats[label as usize].get_or_insert((
                Mark {
                    label,
                    bounds: here,
                    area: 0,
                    mass: 0.0,
                },
                0.0,
            ));
            entry.0.bounds = entry.0.bounds.union(here);
            entry.0.area += 1;
            entry.0.mass += v;
            entry.1 = entry.1.max(v);
        }
        // Hysteresis: only marks holding strong ink.
        let mut marks: Vec<Mark> = stats
            .into_iter()
            .flatten()
            .filter(|(_, peak)| *peak >= strong)
            .map(|(mark, _)| mark)
            .collect();
        let is_line = |r: Rect| {
            let (w, h) = (r.width as f32, r.height as f32);
            (w >= LINE_SPAN * width as f32 && h <= LINE_THICKNESS * w)
                || (h >= LINE_SPAN * height as f32 && w <= LINE_THICKNESS * h)
        };
        let before = marks.len();
        marks.retain(|m| !is_line(m.bounds));
        let lines = before - marks.len();
        // Small marks are specks, unless they lie among the strokes: then they are the
        // pieces of a stroke that a thin or skipping pen broke.
        let tallest = marks.iter().map(|m| m.bounds.height).max().unwrap_or(0) as f32;
        let is_small = |m: &Mark| (m.bounds.width.max(m.bounds.height) as f32) < SPECK * tallest;
        let strokes: Vec<Rect> = marks
            .iter()
            .filter(|m| !is_small(m))
            .map(|m| m.bounds)
            .collect();
        let among_strokes = |m: &Mark| {
            let (cx, cy) = (
                m.bounds.x + m.bounds.width / 2,
                m.bounds.y + m.bounds.height / 2,
            );
            strokes
                .iter()
                .any(|r| (r.x..r.right()).contains(&cx) && (r.y..r.bottom()).contains(&cy))
        };
        let before = marks.len();
        marks.retain(|m| !is_small(m) || among_strokes(m));
        let specks = before - marks.len();
        marks.sort_by(|a, b| b.mass.total_cmp(&a.mass));

        let mut kept = vec![false; count + 1];
        for m in &marks {
            kept[m.label as usize] = true;
        }
        for label in labels.iter_mut() {
            if !kept[*label as usize] {
                *label = 0;
            }
        }
        if marks.is_empty() {
            return Err(PreprocessError::Blank {
                contrast: peak.round() as u8,
            });
        }
        Ok(Self {
            labels,
            marks,
            ink_fraction: inked as f32 / (width * height) as f32,
            specks,
            lines,
            faint,
        })
    }
}

#[cfg(test)]
mod tests {
    use image::DynamicImage;

    use super::*;

    fn marks_of(image: GrayImage) -> Marks {
        Marks::find(&InkMap::new(&DynamicImage::ImageLuma8(image))).expect("marks")
    }

    /// Dark strokes on white paper, drawn by `ink(x, y)`.
    fn paper(width: u32, height: u32, ink: impl Fn(u32, u32) -> bool) -> GrayImage {
        GrayImage::from_fn(width, height, |x, y| {
            Luma([if ink(x, y) { 20 } else { 245 }])
        })
    }

    #[test]
    fn a_speck_is_dropped_and_the_stroke_kept() {
        let image = paper(300, 300, |x, y| {
            let stroke = (140..152).contains(&x) && (60..240).contains(&y);
            let speck = (30..34).contains(&x) && (250..254).contains(&y);
            stroke || speck
        });
        let marks = marks_of(image);
        assert_eq!(marks.marks.len(), 1);
        assert_eq!(marks.specks, 1);
        assert_eq!(marks.marks[0].bounds.x, 140);
        assert_eq!(marks.labels[(31, 251)][0], 0);
    }

    #[test]
    fn a_dark_line_across_the_page_is_not_a_mark() {
        // As dark as the ink (a pen line), but slanted so no row holds all of it.
        let image = paper(400, 300, |x, y| {
            let line = (y as i32 - (250 + x as i32 / 40)).abs() <= 1;
            let stroke = (180..192).contains(&x) && (40..200).contains(&y);
            line || stroke
        });
        let marks = marks_of(image);
        assert_eq!(marks.lines, 1, "{:?}", marks.marks);
        assert_eq!(marks.marks.len(), 1);
    }

    #[test]
    fn noise_alone_is_blank() {
        // Deterministic pseudo-noise of σ ≈ 12 on grey paper.
        let mut state = 12345u32;
        let image = GrayImage::from_fn(200, 200, |_, _| {
            let mut sum = 0i32;
            for _ in 0..4 {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                sum += (state >> 24) as i32 - 128;
            }
            Luma([(160 + sum / 12) as u8])
        });
        let err = Marks::find(&InkMap::new(&DynamicImage::ImageLuma8(image))).expect_err("blank");
        assert!(matches!(err, PreprocessError::Blank { .. }), "{err}");
    }
}

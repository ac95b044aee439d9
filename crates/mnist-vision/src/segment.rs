//! Marks → digits, left to right: the pieces of one digit (a 5's separate bar, a 4 drawn
//! in two strokes) are merged where they share columns, digits that touch are split at the
//! column with the least ink, and marks far smaller than the digits (a dot, a dash) are
//! left out.

use crate::ink::GrayF32;
use crate::marks::{Mark, Marks, Rect};

/// Two marks belong to one digit when they share at least this share of the narrower one's
/// columns.
const SAME_DIGIT_OVERLAP: f32 = 0.5;
/// Marks sharing a few columns are one digit while together they are at most this wide
/// for the tallest mark's height.
const MERGED_WIDTH: f32 = 0.9;
/// A digit is at most this wide for the number's digit height; wider groups are touching
/// digits. MNIST's widest digits (a round 0, a 2 with a long foot) reach 1.4.
const WIDEST_DIGIT: f32 = 1.6;
/// The typical width of a digit for its height, to count touching digits.
const TYPICAL_WIDTH: f32 = 0.85;
/// A group shorter than this share of the tallest is not a digit of the number.
pub(crate) const SHORTEST_DIGIT: f32 = 0.4;
/// What cutting one typical digit width away from the expected boundary costs, against
/// the column with the most ink.
const CUT_DISTANCE_COST: f32 = 2.0;
/// Most digits one group is split into.
const MOST_SPLIT: usize = 6;

/// The pixels of one digit: the marks it is made of, limited to a band of columns when it
/// was split off touching digits.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// Labels of its marks.
    pub labels: Vec<u32>,
    /// Columns it owns, `start..end`.
    pub columns: (u32, u32),
    /// Bounding box of its pixels, in working pixels.
    pub bounds: Rect,
}

impl Group {
    /// Whether the pixel at (`x`, `y`) with `label` belongs to this digit.
    pub fn owns(&self, x: u32, label: u32) -> bool {
        label != 0 && (self.columns.0..self.columns.1).contains(&x) && self.labels.contains(&label)
    }
}

/// What segmentation found.
#[derive(Debug, Clone, PartialEq)]
pub struct Segments {
    /// The digits, left to right.
    pub digits: Vec<Group>,
    /// Groups left out as too small to be digits.
    pub small: usize,
    /// Groups that were split because they were too wide for one digit.
    pub split: usize,
}

/// Merges `marks` into digit-sized groups, left to right, without splitting any; small
/// groups are kept (one digit: everything that was drawn counts). Two marks are one digit
/// when they share most of the narrower one's columns, or when they share some and
/// together are still no wider than a digit is tall (a 5's flag, the halves of a slanted 8
/// drawn with a skipping pen).
pub fn merge(marks: &Marks) -> Vec<Group> {
    let digit_height = marks
        .marks
        .iter()
        .map(|m| m.bounds.height)
        .max()
        .unwrap_or(0) as f32;
    let mut sorted: Vec<&Mark> = marks.marks.iter().collect();
    sorted.sort_by_key(|m| m.bounds.x);
    let mut groups: Vec<Group> = Vec::new();
    for mark in sorted {
        let joins = groups.iter_mut().rev().find(|g| {
            let overlap = g.bounds.overlap_x(mark.bounds) as f32;
            let narrower = g.bounds.width.min(mark.bounds.width) as f32;
            let together = g.bounds.union(mark.bounds).width as f32;
            overlap >= SAME_DIGIT_OVERLAP * narrower
                || (overlap > 0.0 && together <= MERGED_WIDTH * digit_height)
        });
        match joins {
            Some(group) => {
                group.labels.push(mark.label);
                group.bounds = group.bounds.union(mark.bounds);
                group.columns = (group.bounds.x, group.bounds.right());
            }
            None => groups.push(Group {
                labels: vec![mark.label],
                columns: (mark.bounds.x, mark.bounds.right()),
                bounds: mark.bounds,
            }),
        }
    }
    groups.sort_by_key(|g| g.bounds.x);
    groups
}

/// The digits of a number: merged groups, small ones left out, touching ones split.
pub fn segment_number(marks: &Marks, ink: &GrayF32) -> Segments {
    let groups = merge(marks);
    let tallest = groups.iter().map(|g| g.bounds.height).max().unwrap_or(0) as f32;
    let before = groups.len();
    let groups: Vec<Group> = groups
        .into_iter()
        .filter(|g| g.bounds.height as f32 >= SHORTEST_DIGIT * tallest)
        .collect();
    let small = before - groups.len();
    // Digits of one number share a height: the median is the yardstick for "too wide",
    // so a wide 0 or a 7 with a long bar is not taken for two digits.
    let mut heights: Vec<u32> = groups.iter().map(|g| g.bounds.height).collect();
    heights.sort_unstable();
    let digit_height = heights.get(heights.len() / 2).copied().unwrap_or(0) as f32;
    let mut digits = Vec::new();
    let mut split = 0;
    for group in groups {
        let pieces = split_touching(&group, digit_height, marks, ink);
        if pieces.len() > 1 {
            split += 1;
        }
        digits.extend(pieces);
    }
    Segments {
        digits,
        small,
        split,
    }
}

/// Splits a group too wide for one digit into as many as its width suggests, cutting at
/// the column with the least ink near each expected boundary.
fn split_touching(group: &Group, digit_height: f32, marks: &Marks, ink: &GrayF32) -> Vec<Group> {
    let width = group.bounds.width;
    let height = digit_height.max(group.bounds.height as f32);
    if (width as f32) <= WIDEST_DIGIT * height {
        return vec![group.clone()];
    }
    let count = ((width as f32 / (TYPICAL_WIDTH * height)).round() as usize).clamp(2, MOST_SPLIT);
    let (start, end) = group.columns;
    let profile: Vec<f32> = (start..end)
        .map(|x| {
            (group.bounds.y..group.bounds.bottom())
                .filter(|&y| group.owns(x, marks.labels[(x, y)][0]))
                .map(|y| ink[(x, y)][0])
                .sum()
        })
        .collect();
    let step = width as f32 / count as f32;
    let most = profile.iter().copied().fold(1.0f32, f32::max);
    // Little ink is where digits touch, but a ring's own middle is thin too: columns far
    // from where the boundary is expected pay for the distance.
    let cost = |x: usize, expected: f32| {
        profile[x] / most + CUT_DISTANCE_COST * (x as f32 - expected).abs() / step
    };
    let mut cuts = vec![start];
    for k in 1..count {
        let expected = k as f32 * step;
        let lo = (expected - step / 3.0).max(1.0) as usize;
        let hi = ((expected + step / 3.0) as usize).min(profile.len() - 1);
        let best = (lo..=hi)
            .min_by(|&a, &b| cost(a, expected).total_cmp(&cost(b, expected)))
            .unwrap_or(expected as usize);
        cuts.push(start + best as u32);
    }
    cuts.push(end);
    cuts.windows(2)
        .filter_map(|w| {
            let piece = Group {
                labels: group.labels.clone(),
                columns: (w[0], w[1]),
                bounds: group.bounds,
            };
            tighten(piece, marks)
        })
        .collect()
}

/// The group with its bounds shrunk to the pixels it owns; `None` when it owns none.
fn tighten(mut group: Group, marks: &Marks) -> Option<Group> {
    let mut bounds: Option<Rect> = None;
    for y in group.bounds.y..group.bounds.bottom() {
        for x in group.columns.0..group.columns.1 {
            if group.owns(x, marks.labels[(x, y)][0]) {
                let here = Rect {
                    x,
                    y,
                    width: 1,
                    height: 1,
                };
                bounds = Some(bounds.map_or(here, |b| b.union(here)));
            }
        }
    }
    group.bounds = bounds?;
    Some(group)
}

#[cfg(test)]
mod tests {
    use image::{DynamicImage, GrayImage, Luma};

    use super::*;
    use crate::ink::InkMap;

    fn segments_of(image: GrayImage) -> Segments {
        let map = InkMap::new(&DynamicImage::ImageLuma8(image));
        let marks = Marks::find(&map).expect("marks");
        segment_number(&marks, &map.ink)
    }

    /// A round ring (a 0) of outer radius `r` centred at (`cx`, `cy`), stroke 8 px.
    fn ring(x: u32, y: u32, cx: u32, cy: u32, r: f32) -> bool {
        let (dx, dy) = (x as f32 - cx as f32, y as f32 - cy as f32);
        let d = (dx * dx + dy * dy).sqrt();
        d <= r && d >= r - 8.0
    }

    #[test]
    fn separate_digits_come_out_left_to_right() {
        let image = GrayImage::from_fn(500, 200, |x, y| {
            let one = (60..70).contains(&x) && (40..160).contains(&y);
            let zero = ring(x, y, 200, 100, 42.0);
            let bar = (330..390).contains(&x) && (40..48).contains(&y);
            let body = (330..338).contains(&x) && (52..160).contains(&y);
            Luma([if one || zero || bar || body { 15 } else { 240 }])
        });
        let segments = segments_of(image);
        let xs: Vec<u32> = segments.digits.iter().map(|d| d.bounds.x).collect();
        assert_eq!(xs.len(), 3, "{segments:?}");
        assert!(xs[0] == 60 && xs[1] < 200 && xs[2] == 330, "{xs:?}");
        // The separate bar and body (like a 5's) made one digit.
        assert_eq!(segments.digits[2].labels.len(), 2);
    }

    #[test]
    fn touching_digits_are_split_at_the_thinnest_column() {
        // Two rings whose outlines touch: one mark, twice as wide as tall.
        let image = GrayImage::from_fn(400, 200, |x, y| {
            let touching = ring(x, y, 150, 100, 45.0) || ring(x, y, 238, 100, 45.0);
            Luma([if touching { 15 } else { 240 }])
        });
        let map = InkMap::new(&DynamicImage::ImageLuma8(image));
        let marks = Marks::find(&map).expect("marks");
        assert_eq!(marks.marks.len(), 1, "the rings touch");
        let segments = segment_number(&marks, &map.ink);
        assert_eq!(segments.digits.len(), 2, "{segments:?}");
        assert_eq!(segments.split, 1);
        let cut = segments.digits[1].columns.0;
        assert!((190..=200).contains(&cut), "cut at {cut}");
    }

    #[test]
    fn a_dot_is_not_a_digit() {
        let image = GrayImage::from_fn(400, 200, |x, y| {
            let one = (100..110).contains(&x) && (40..160).contains(&y);
            let dot = (200..230).contains(&x) && (130..160).contains(&y);
            let other = (300..310).contains(&x) && (40..160).contains(&y);
            Luma([if one || dot || other { 15 } else { 240 }])
        });
        let segments = segments_of(image);
        assert_eq!(segments.digits.len(), 2);
        assert_eq!(segments.small, 1);
    }
}

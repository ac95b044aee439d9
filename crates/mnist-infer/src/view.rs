//! "What the model saw": the 28×28 images the model was given, enlarged so a person can
//! judge them, and for a number the photo with a box around each digit found.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use image::imageops::{self, FilterType};
use image::{DynamicImage, Rgb, RgbImage};
use imageproc::drawing::draw_hollow_rect_mut;
use mnist_vision::mnist_box::digit_image;
use mnist_vision::{Mode, Prepared};

/// The 28×28 digits are saved this many times larger, pixels kept square.
pub const ZOOM: u32 = 8;
/// The boxes view is reduced to at most this side, to stay a small file.
const BOXES_SIDE: u32 = 1024;
/// Box outline colour: a red no ink colour is mistaken for.
const BOX_COLOUR: Rgb<u8> = Rgb([230, 30, 30]);

/// Writes the views of one image into `dir`, named after `source`: `<name>.png` for a
/// digit; `<name>-digit-1.png` … for a number's digits and `<name>-boxes.png`. `taken` keeps the
/// names already used in this run, so two `1.png` from different folders do not collide.
/// Returns the files written.
pub fn save_views(
    dir: &Path,
    source: &Path,
    taken: &mut HashSet<String>,
    upright: &DynamicImage,
    prepared: &Prepared,
    mode: Mode,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let name = unique_name(source, taken);
    let mut written = Vec::new();
    let mut save = |file: String, image: DynamicImage| -> std::io::Result<()> {
        let path = dir.join(file);
        image
            .save_with_format(&path, image::ImageFormat::Png)
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
        written.push(path);
        Ok(())
    };
    let zoomed = |i: usize| {
        let digit = digit_image(&prepared.glyphs[i].digit);
        let side = digit.width() * ZOOM;
        DynamicImage::ImageLuma8(imageops::resize(&digit, side, side, FilterType::Nearest))
    };
    match mode {
        Mode::Digit => save(format!("{name}.png"), zoomed(0))?,
        Mode::Product => {
            save(format!("{name}.png"), zoomed(0))?;
            save(
                format!("{name}-box.png"),
                DynamicImage::ImageRgb8(boxes(upright, prepared)),
            )?;
        }
        Mode::Number => {
            for i in 0..prepared.glyphs.len() {
                save(format!("{name}-digit-{}.png", i + 1), zoomed(i))?;
            }
            save(
                format!("{name}-boxes.png"),
                DynamicImage::ImageRgb8(boxes(upright, prepared)),
            )?;
        }
    }
    Ok(written)
}

fn unique_name(source: &Path, taken: &mut HashSet<String>) -> String {
    let stem = source
        .file_stem()
        .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
    let mut name = stem.clone();
    let mut n = 2;
    while !taken.insert(name.clone()) {
        name = format!("{stem}-{n}");
        n += 1;
    }
    name
}

/// The upright image, reduced to [`BOXES_SIDE`], with a box around each digit found.
fn boxes(upright: &DynamicImage, prepared: &Prepared) -> RgbImage {
    let (width, height) = (upright.width(), upright.height());
    let factor = (BOXES_SIDE as f32 / width.max(height) as f32).min(1.0);
    let mut canvas = if factor < 1.0 {
        upright.thumbnail(BOXES_SIDE, BOXES_SIDE).to_rgb8()
    } else {
        upright.to_rgb8()
    };
    let thickness = (canvas.width().max(canvas.height()) / 300).max(1) as i32;
    for glyph in &prepared.glyphs {
        let b = glyph.bounds;
        let s = |v: u32| (v as f32 * factor).round() as i32;
        for t in 0..thickness {
            let (w, h) = (s(b.width) + 2 * t + 2, s(b.height) + 2 * t + 2);
            let rect = imageproc::rect::Rect::at(s(b.x) - t - 1, s(b.y) - t - 1)
                .of_size(w.max(1) as u32, h.max(1) as u32);
            draw_hollow_rect_mut(&mut canvas, rect, BOX_COLOUR);
        }
    }
    canvas
}

#[cfg(test)]
mod tests {
    use image::{GrayImage, Luma};
    use mnist_vision::prepare;

    use super::*;

    #[test]
    fn a_number_gets_one_view_per_digit_and_a_boxes_view() {
        let image = DynamicImage::ImageLuma8(GrayImage::from_fn(400, 160, |x, y| {
            let a = (80..92).contains(&x) && (30..130).contains(&y);
            let b = (280..292).contains(&x) && (30..130).contains(&y);
            Luma([if a || b { 20 } else { 240 }])
        }));
        let prepared = prepare(&image, Mode::Number).expect("number");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut taken = HashSet::new();
        let source = Path::new("photos/11.jpg");
        let files = save_views(
            dir.path(),
            source,
            &mut taken,
            &image,
            &prepared,
            Mode::Number,
        )
        .expect("saved");
        let names: Vec<String> = files
            .iter()
            .map(|p| p.file_name().expect("name").to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["11-digit-1.png", "11-digit-2.png", "11-boxes.png"]);
        let digit = image::open(&files[0]).expect("png").to_luma8();
        assert_eq!(digit.dimensions(), (28 * ZOOM, 28 * ZOOM));
        let boxes = image::open(&files[2]).expect("png").to_rgb8();
        assert_eq!(boxes[(79, 80)], BOX_COLOUR, "left edge of the first box");
        // The same source name again does not overwrite the first views.
        let again = save_views(
            dir.path(),
            source,
            &mut taken,
            &image,
            &prepared,
            Mode::Digit,
        )
        .expect("saved");
        assert!(again[0].ends_with("11-2.png"), "{again:?}");
    }
}

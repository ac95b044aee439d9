//! `curves.png`: loss and accuracy per epoch, train and validation.
//!
//! Plotters draws into an RGB buffer and `png` encodes it, written whole or not at all by
//! `mnist-atomic`. Plotters' own file output (`bitmap_encoder`) would pull a second, older
//! `image` and `png` into the first build, and write the file in place.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::FontStyle;

use crate::metrics::EpochRecord;

const SIZE: (u32, u32) = (1200, 480);

/// Draws the loss (left) and accuracy (right) curves of `records` into `path`.
pub fn draw_curves(records: &[EpochRecord], path: &Path) -> Result<(), String> {
    if records.is_empty() {
        return Err("no finished epoch to plot".into());
    }
    register_font();
    let mut pixels = vec![0u8; SIZE.0 as usize * SIZE.1 as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        let (left, right) = root.split_horizontally(SIZE.0 / 2);
        let loss = |r: &EpochRecord| [r.train_loss, r.valid_loss];
        let acc = |r: &EpochRecord| [r.train_acc, r.valid_acc];
        panel(&left, records, "Loss (cross-entropy)", loss).map_err(|e| e.to_string())?;
        panel(&right, records, "Accuracy (%)", acc).map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    let png = encode_png(&pixels, SIZE).map_err(|e| format!("{}: {e}", path.display()))?;
    mnist_atomic::write(path, &png).map_err(|e| e.to_string())
}

/// An 8-bit RGB image as PNG bytes.
fn encode_png(rgb: &[u8], (width, height): (u32, u32)) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()?;
    Ok(bytes)
}

fn panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    records: &[EpochRecord],
    title: &str,
    values: impl Fn(&EpochRecord) -> [f64; 2],
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let all: Vec<f64> = records
        .iter()
        .flat_map(&values)
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = all
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let pad = ((hi - lo) * 0.05).max(1e-3);
    let last = records.iter().map(|r| r.epoch).max().unwrap_or(1).max(2) as f64;
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(1f64..last, (lo - pad)..(hi + pad))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_labels((last as usize).min(12))
        // Epochs are whole numbers: a tick between two epochs gets no label.
        .x_label_formatter(&|x| {
            if (x - x.round()).abs() < 1e-6 {
                format!("{x:.0}")
            } else {
                String::new()
            }
        })
        .light_line_style(WHITE.mix(0.0))
        .draw()?;
    for (index, (label, color)) in [("train", BLUE), ("validation", RED)]
        .into_iter()
        .enumerate()
    {
        let points = records.iter().map(|r| (r.epoch as f64, values(r)[index]));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], color.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// Plotters draws text with a registered font; DejaVu is embedded so no system font
/// libraries are needed.
fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // A failure only costs the labels, never the run.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

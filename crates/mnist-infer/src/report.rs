//! What `infer` prints: one line per image, or JSON; the test-set report with its
//! confusion matrix.

use std::fmt::Write as _;
use std::path::Path;

use mnist_model::{CLASSES, Dataset, Evaluation};
use serde::Serialize;

pub use mnist_read::{JsonDigit, JsonResult};
use mnist_read::{Mode, Reading};

/// The line printed for one image: `digit.png: 7 (99.1%)` (`boot.jpg: Ankle boot (97.0%)`
/// for a Fashion-MNIST model: the class names come from `dataset`), followed by the
/// runners-up when `top_k` > 1; for a number `meter.jpg: 2026 (2 99.0%, 0 97.1%, 2 99.5%,
/// 6 88.0%)`.
pub fn reading_line(
    path: &Path,
    reading: &Reading,
    mode: Mode,
    top_k: usize,
    dataset: Dataset,
) -> String {
    let percent = |p: f32| format!("{:.1}%", 100.0 * p);
    let answer = match mode {
        Mode::Digit | Mode::Product => {
            let (_, prediction) = &reading.digits[0];
            let ranked: Vec<String> = prediction
                .top_k(top_k)
                .iter()
                .map(|(class, p)| format!("{} ({})", dataset.class_name(*class), percent(*p)))
                .collect();
            ranked.join(", ")
        }
        Mode::Number => {
            let each: Vec<String> = reading
                .digits
                .iter()
                .map(|(_, p)| format!("{} {}", p.class, percent(p.confidence)))
                .collect();
            format!("{} ({})", reading.text(), each.join(", "))
        }
    };
    format!("{}: {answer}", path.display())
}

/// The confusion matrix as a table: rows are true classes, columns predictions; for a
/// dataset whose classes are not digits, a legend of the class numbers follows.
pub fn confusion_table(evaluation: &Evaluation, dataset: Dataset) -> String {
    let mut table = String::from("confusion matrix (rows: true class, columns: predicted)\n      ");
    for predicted in 0..CLASSES {
        let _ = write!(table, "{predicted:>6}");
    }
    for (truth, row) in evaluation.confusion.iter().enumerate() {
        let _ = write!(table, "\n{truth:>6}");
        for count in row {
            let _ = write!(table, "{count:>6}");
        }
    }
    if dataset
        .class_names
        .iter()
        .zip(0..)
        .any(|(name, i)| *name != i.to_string())
    {
        let legend: Vec<String> = (0..CLASSES)
            .map(|class| format!("{class} {}", dataset.class_name(class)))
            .collect();
        let _ = write!(table, "\nclasses: {}", legend.join(", "));
    }
    table
}

/// Appends the rows of a `[B, 10]` tensor as CSV lines; values print in Rust's shortest
/// round-trip form, so nothing is lost.
pub fn append_csv_rows(csv: &mut String, data: &burn::tensor::TensorData) {
    let values = data.clone().convert::<f32>();
    let values = values.as_slice::<f32>().expect("converted to f32");
    for row in values.chunks_exact(CLASSES) {
        let cells: Vec<String> = row.iter().map(f32::to_string).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
}

/// `--test --json` output.
#[derive(Debug, Serialize)]
pub struct JsonEvaluation<'a> {
    /// The model path.
    pub model: &'a Path,
    /// Architecture, e.g. 784-256-128-10.
    pub architecture: String,
    /// Backend used.
    pub backend: mnist_model::Backend,
    /// The dataset whose test set was used.
    pub dataset: Dataset,
    /// Accuracy in percent.
    pub accuracy: f64,
    /// Mean cross-entropy.
    pub loss: f64,
    /// Images evaluated.
    pub count: u64,
    /// Correctly classified images.
    pub correct: u64,
    /// Accuracy per true class, percent.
    pub per_class_accuracy: [f64; CLASSES],
    /// `confusion[true][predicted]` counts.
    pub confusion: [[u64; CLASSES]; CLASSES],
}

#[cfg(test)]
mod tests {
    use mnist_read::Prediction;
    use mnist_vision::{Glyph, Rect};

    use super::*;

    fn prediction(class: usize) -> Prediction {
        let mut probabilities = [0.0; CLASSES];
        (probabilities[class], probabilities[1]) = (0.9, 0.1);
        Prediction {
            class,
            confidence: 0.9,
            probabilities,
        }
    }

    fn reading(digits: &[usize], warnings: &[&str]) -> Reading {
        let glyph = |i: u32| Glyph {
            digit: [0; 784],
            bounds: Rect {
                x: 10 + 50 * i,
                y: 5,
                width: 30,
                height: 40,
            },
        };
        Reading {
            digits: digits
                .iter()
                .zip(0..)
                .map(|(&d, i)| (glyph(i), prediction(d)))
                .collect(),
            warnings: warnings.iter().map(|w| w.to_string()).collect(),
        }
    }

    #[test]
    fn lines_show_the_top_k_or_the_number() {
        let path = Path::new("d/seven.png");
        let seven = reading(&[7], &[]);
        assert_eq!(
            reading_line(path, &seven, Mode::Digit, 1, Dataset::MNIST),
            "d/seven.png: 7 (90.0%)"
        );
        assert_eq!(
            reading_line(path, &seven, Mode::Digit, 2, Dataset::MNIST),
            "d/seven.png: 7 (90.0%), 1 (10.0%)"
        );
        let number = reading(&[2, 0, 2, 6], &[]);
        assert_eq!(
            reading_line(Path::new("n.jpg"), &number, Mode::Number, 1, Dataset::MNIST),
            "n.jpg: 2026 (2 90.0%, 0 90.0%, 2 90.0%, 6 90.0%)"
        );
        assert_eq!(
            reading_line(
                Path::new("boot.jpg"),
                &reading(&[9], &[]),
                Mode::Product,
                2,
                Dataset::FASHION_MNIST
            ),
            "boot.jpg: Ankle boot (90.0%), Trouser (10.0%)"
        );
    }

    #[test]
    fn json_results_carry_probabilities_boxes_warnings_or_an_error() {
        let seven = reading(&[7], &["ink covers 60% of the image"]);
        let json = serde_json::to_value(JsonResult::new(
            Some(Path::new("a.png")),
            Ok(&seven),
            Mode::Digit,
            Dataset::MNIST,
        ))
        .expect("json");
        assert_eq!((&json["class"], &json["label"]), (&7.into(), &"7".into()));
        assert_eq!(json["box"]["width"], 30);
        assert_eq!(
            json["probabilities"].as_array().map(Vec::len),
            Some(CLASSES)
        );
        assert_eq!(json["warning"], "ink covers 60% of the image");
        assert!(json.get("error").is_none() && json.get("number").is_none());

        let number = reading(&[4, 2], &[]);
        let json = serde_json::to_value(JsonResult::new(
            Some(Path::new("n.png")),
            Ok(&number),
            Mode::Number,
            Dataset::MNIST,
        ))
        .expect("json");
        assert_eq!(json["number"], "42");
        assert_eq!(json["digits"][1]["class"], 2);
        assert_eq!(json["digits"][1]["box"]["x"], 60);
        assert!(json.get("warning").is_none() && json.get("class").is_none());

        let shirt = reading(&[6], &[]);
        let json = serde_json::to_value(JsonResult::new(
            Some(Path::new("s.jpg")),
            Ok(&shirt),
            Mode::Product,
            Dataset::FASHION_MNIST,
        ))
        .expect("json");
        assert_eq!(
            (&json["class"], &json["label"]),
            (&6.into(), &"Shirt".into())
        );

        let json = serde_json::to_value(JsonResult::new(
            None,
            Err("not an image"),
            Mode::Digit,
            Dataset::MNIST,
        ))
        .expect("json");
        assert_eq!(json["error"], "not an image");
        // An image that came without a file (`serve`'s uploads) has no path key at all.
        assert!(json.get("class").is_none() && json.get("path").is_none());
    }

    #[test]
    fn csv_rows_round_trip_the_values() {
        let values: Vec<f32> = (0..20).map(|i| i as f32 / 3.0 - 2.5).collect();
        let mut csv = String::new();
        append_csv_rows(
            &mut csv,
            &burn::tensor::TensorData::new(values.clone(), [2, CLASSES]),
        );
        let parsed: Vec<f32> = csv
            .lines()
            .flat_map(|l| l.split(',').map(|v| v.parse::<f32>().expect("number")))
            .collect();
        assert_eq!(csv.lines().count(), 2);
        assert_eq!(parsed, values);
    }

    #[test]
    fn the_confusion_table_has_a_row_per_digit() {
        let mut evaluation = Evaluation::default();
        evaluation.confusion[4][9] = 12;
        let table = confusion_table(&evaluation, Dataset::MNIST);
        assert_eq!(table.lines().count(), 12);
        let fashion = confusion_table(&evaluation, Dataset::FASHION_MNIST);
        assert!(
            fashion.ends_with("classes: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot"),
            "{fashion}"
        );
        assert!(
            table
                .lines()
                .nth(6)
                .is_some_and(|l| l.trim_end().ends_with("12")),
            "{table}"
        );
    }
}

//! What `infer` prints: one line per image, or JSON; the test-set report with its
//! confusion matrix.

use std::fmt::Write as _;
use std::path::Path;

use mnist_model::{CLASSES, Evaluation};
use serde::Serialize;

use crate::predict::Prediction;

/// The line printed for one classified image, e.g. `digit.png: 7 (99.1%)`, followed by the
/// runners-up when `top_k` > 1.
pub fn prediction_line(path: &Path, prediction: &Prediction, top_k: usize) -> String {
    let ranked: Vec<String> = prediction
        .top_k(top_k)
        .iter()
        .map(|(digit, p)| format!("{digit} ({:.1}%)", 100.0 * p))
        .collect();
    format!("{}: {}", path.display(), ranked.join(", "))
}

/// One entry of `--json` output: a prediction or the reason there is none.
#[derive(Debug, Serialize)]
pub struct JsonResult<'a> {
    /// The input as given or found.
    pub path: &'a Path,
    /// The prediction, flattened into this object.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub prediction: Option<&'a Prediction>,
    /// Why the input failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

/// The confusion matrix as a table: rows are true digits, columns predictions.
pub fn confusion_table(evaluation: &Evaluation) -> String {
    let mut table = String::from("confusion matrix (rows: true digit, columns: predicted)\n      ");
    for predicted in 0..CLASSES {
        let _ = write!(table, "{predicted:>6}");
    }
    for (truth, row) in evaluation.confusion.iter().enumerate() {
        let _ = write!(table, "\n{truth:>6}");
        for count in row {
            let _ = write!(table, "{count:>6}");
        }
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
    /// Accuracy in percent.
    pub accuracy: f64,
    /// Mean cross-entropy.
    pub loss: f64,
    /// Images evaluated.
    pub count: u64,
    /// Correctly classified images.
    pub correct: u64,
    /// Accuracy per true digit, percent.
    pub per_class_accuracy: [f64; CLASSES],
    /// `confusion[true][predicted]` counts.
    pub confusion: [[u64; CLASSES]; CLASSES],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prediction() -> Prediction {
        let mut probabilities = [0.0; CLASSES];
        (probabilities[7], probabilities[1]) = (0.9, 0.1);
        Prediction {
            digit: 7,
            confidence: 0.9,
            probabilities,
        }
    }

    #[test]
    fn lines_show_the_top_k() {
        let path = Path::new("d/seven.png");
        assert_eq!(
            prediction_line(path, &prediction(), 1),
            "d/seven.png: 7 (90.0%)"
        );
        assert_eq!(
            prediction_line(path, &prediction(), 2),
            "d/seven.png: 7 (90.0%), 1 (10.0%)"
        );
    }

    #[test]
    fn json_results_carry_probabilities_or_an_error() {
        let p = prediction();
        let ok = JsonResult {
            path: Path::new("a.png"),
            prediction: Some(&p),
            error: None,
        };
        let json = serde_json::to_value(&ok).expect("json");
        assert_eq!(json["digit"], 7);
        assert_eq!(
            json["probabilities"].as_array().map(Vec::len),
            Some(CLASSES)
        );
        assert!(json.get("error").is_none());
        let failed = JsonResult {
            path: Path::new("b.txt"),
            prediction: None,
            error: Some("not an image"),
        };
        let json = serde_json::to_value(&failed).expect("json");
        assert_eq!(json["error"], "not an image");
        assert!(json.get("digit").is_none());
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
        let table = confusion_table(&evaluation);
        assert_eq!(table.lines().count(), 12);
        assert!(
            table
                .lines()
                .nth(6)
                .is_some_and(|l| l.trim_end().ends_with("12")),
            "{table}"
        );
    }
}

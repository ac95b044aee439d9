//! What an image is read as, decided in this one place for `infer`, `serve` and the page.

use mnist_dataset::{Dataset, Framing};
use mnist_vision::Mode;
use thiserror::Error;

/// A number was asked of a model whose images show one object each (Fashion-MNIST).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "reads the digits of a number, but the model was trained on {}, whose images show one object each",
    .dataset.title
)]
pub struct NumberNeedsDigits {
    /// The model's dataset.
    pub dataset: Dataset,
}

/// How to read an image for a model trained on `dataset`: its one object, framed as the
/// dataset's images are (a digit, a product), or with `number` every digit of a number.
pub fn mode_for(dataset: Dataset, number: bool) -> Result<Mode, NumberNeedsDigits> {
    match (number, dataset.framing) {
        (false, framing) => Ok(Mode::single(framing)),
        (true, Framing::DigitBox) => Ok(Mode::Number),
        (true, _) => Err(NumberNeedsDigits { dataset }),
    }
}

/// The mode's name in JSON answers.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Digit => "digit",
        Mode::Number => "number",
        Mode::Product => "product",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dataset_frames_single_objects_and_refuses_numbers_of_products() {
        assert_eq!(mode_for(Dataset::MNIST, false), Ok(Mode::Digit));
        assert_eq!(mode_for(Dataset::MNIST, true), Ok(Mode::Number));
        assert_eq!(mode_for(Dataset::FASHION_MNIST, false), Ok(Mode::Product));
        let refused = mode_for(Dataset::FASHION_MNIST, true).expect_err("no numbers of shoes");
        assert!(refused.to_string().contains("Fashion-MNIST"), "{refused}");
    }
}

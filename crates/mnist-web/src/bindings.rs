//! The page's JavaScript interface (wasm-bindgen). Answers cross as JSON text, the one shape
//! `serve` and `infer --json` already document, rather than as bespoke JS objects.

use wasm_bindgen::prelude::*;

use crate::reader::PageReader;

/// Runs when the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A model loaded in the page (`new Reader(name, bytes)`).
#[wasm_bindgen]
pub struct Reader(PageReader);

#[wasm_bindgen]
impl Reader {
    /// Reads a model file; a wrong or damaged file throws an `Error` that names it and says
    /// what is wrong.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str, bytes: &[u8]) -> Result<Reader, JsError> {
        PageReader::load(name, bytes)
            .map(Reader)
            .map_err(|e| JsError::new(&format!("{e:#}")))
    }

    /// The model as JSON: `model`, `architecture`, `dataset`, `title`, `classes`, `numbers`.
    pub fn describe(&self) -> String {
        self.0.describe().to_string()
    }

    /// Reads an encoded image; the answer is JSON, an image with nothing to read throws.
    pub fn read(&self, bytes: &[u8], number: bool) -> Result<String, JsError> {
        self.0
            .read(bytes, number)
            .map(|answer| answer.to_string())
            .map_err(|e| JsError::new(&format!("{e:#}")))
    }
}

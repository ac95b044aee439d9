//! The digit reader of the static browser page (`scripts/build-web.sh`): a model file and
//! image bytes in, the same JSON answer `serve`'s `POST /api/predict` gives out, computed by
//! the very functions `infer` calls ([`mnist_read`]), compiled to `wasm32-unknown-unknown`.
//!
//! [`reader`] is plain Rust (tested natively); [`bindings`] is its thin JavaScript face.

pub mod bindings;
pub mod reader;

pub use reader::PageReader;

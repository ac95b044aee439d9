//! `infer`'s integration tests: the binary as users run it, rendered and photographed MNIST
//! digits through the preprocessing, and a model trained on the real Fashion-MNIST.
//!
//! One test binary, so the shared model is trained once for all of them and the Burn code
//! they call is compiled and linked once.

mod support;

mod fashion;
mod infer_cli;
mod int8;
// The model tests' Python runtimes; their CSV writer is not used here.
#[allow(dead_code)]
#[path = "../../../mnist-model/tests/model/python_runtimes.rs"]
mod python_runtimes;
mod real_photos;
mod realistic_images;

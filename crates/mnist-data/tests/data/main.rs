//! The data crate's integration tests: the `mnist-fetch` binary, the source order against a
//! local mirror, and the real MNIST and Fashion-MNIST.
//!
//! One test binary rather than one per file: each test binary compiles and links its own copy
//! of the Burn code it calls.

mod support;

mod fetch_cli;
mod fetch_sources;
mod real_fashion;
mod real_mnist;

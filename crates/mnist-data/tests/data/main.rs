//! The data crate's integration tests: the `mnist-fetch` binary, the source order against a
//! local mirror, and the real MNIST and Fashion-MNIST.
//!
//! One test binary rather than one per file: each binary links all of Burn, and on a 2-core
//! machine every link is minutes of CI time.

mod support;

mod fetch_cli;
mod fetch_sources;
mod real_fashion;
mod real_mnist;

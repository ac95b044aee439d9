//! CPU thread settings for training.
//!
//! On the ndarray backend two thread pools run each step: matrixmultiply's (the matmuls,
//! one thread per physical core) and rayon's (element-wise ops). At this model's sizes the
//! element-wise ops are too small to gain from splitting, and rayon's idle workers spin on
//! the same cores the matmul threads need: on the 2-core reference machine a one-thread
//! rayon pool made an epoch at batch 128 about 25 % faster (BENCHMARKS.md). `RAYON_NUM_THREADS`
//! still overrides this.

use mnist_model::Backend;

/// Gives rayon a single thread when training on ndarray, unless the user chose a count.
pub fn configure(backend: Backend) {
    if backend != Backend::Ndarray || std::env::var_os("RAYON_NUM_THREADS").is_some() {
        return;
    }
    // Fails only when the global pool already exists, in which case it is left as it is.
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
}

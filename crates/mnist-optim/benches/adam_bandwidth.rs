//! The fused update against the memory traffic it cannot avoid: one step over the 235 146
//! parameters of 784-256-128-10 reads each parameter, gradient and both moments once and
//! writes the parameter and the moments once (28 bytes a parameter, 6.58 MB a step), against
//! a plain copy moving the same bytes (3.29 MB read, 3.29 MB written), split over rayon's
//! pool in the same chunks. Throughput is in bytes, so criterion prints GB/s for both.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mnist_optim::{Decay, StepConstants};
use rayon::prelude::*;

/// Parameters of 784-256-128-10.
const PARAMS: usize = 235_146;
/// Bytes a fused step reads and writes per parameter: θ, g, m, v read; θ, m, v written.
const BYTES_PER_PARAM: usize = 7 * 4;
/// The kernel's rayon chunk (`kernel.rs`).
const CHUNK: usize = 16 * 1024;

fn adam_bandwidth(c: &mut Criterion) {
    let bytes = (PARAMS * BYTES_PER_PARAM) as u64;
    let mut group = c.benchmark_group("adam_bandwidth");
    group.throughput(Throughput::Bytes(bytes));

    let mut params: Vec<f32> = (0..PARAMS).map(|i| (i % 97) as f32 * 1e-3).collect();
    let grads: Vec<f32> = (0..PARAMS).map(|i| (i % 89) as f32 * 1e-4 - 4e-3).collect();
    let (mut moment_1, mut moment_2) = (vec![0.0f32; PARAMS], vec![0.0f32; PARAMS]);
    let mut time = 0;
    group.bench_function("fused_adam_step", |b| {
        b.iter(|| {
            time += 1;
            let constants = StepConstants::new(0.9, 0.999, 1e-8, Decay::None, 1e-3, time);
            constants.apply(&mut params, &grads, &mut moment_1, &mut moment_2);
            black_box(params[PARAMS / 2]);
        })
    });

    // The same bytes as a copy: half of them read, half written.
    let half = PARAMS * BYTES_PER_PARAM / 2 / 4;
    let source: Vec<f32> = (0..half).map(|i| i as f32).collect();
    let mut target = vec![0.0f32; half];
    group.bench_function("memcpy_same_bytes", |b| {
        b.iter(|| {
            target
                .par_chunks_mut(CHUNK)
                .zip(source.par_chunks(CHUNK))
                .for_each(|(to, from)| to.copy_from_slice(from));
            black_box(target[half / 2]);
        })
    });
    group.finish();
}

criterion_group!(benches, adam_bandwidth);
criterion_main!(benches);

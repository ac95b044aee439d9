//! CPU threads for training: one rayon pool sized from the machine, the run executed inside
//! it, and its other workers kept awake while it runs.
//!
//! Flex splits each large operation (a matmul, a softmax, Adam over a weight) across rayon's
//! workers. A worker that finds no work spins briefly and then sleeps on a futex, and the next
//! operation has to wake it; a caller outside the pool also sleeps until each operation is
//! done. On a 2-vCPU VM that was 40–100 context switches per training step, ≈ 15 % of the
//! time (BENCHMARKS.md, "Per-step costs"). So the run executes on worker 0, and every other
//! worker runs a job that keeps taking work with `rayon::yield_now` until the run ends: they
//! never sleep, as OpenMP's threads stay spinning between PyTorch's parallel regions.
//!
//! Every worker flushes denormal floats to zero from its start ([`float_mode`]): on Intel cores
//! each arithmetic instruction that meets one costs ≈ 100 cycles, and late epochs meet many.
//!
//! On ndarray two pools would run each step: matrixmultiply's (the matmuls, one thread per
//! physical core) and rayon's (element-wise ops, too small here to gain from splitting), so
//! rayon gets one thread there and nothing spins (an epoch at batch 128 was ≈ 25 % faster on
//! the 2-core reference machine). `RAYON_NUM_THREADS` overrides the count in both cases.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use mnist_model::Backend;

use crate::float_mode;

/// The pool a run executes in.
pub struct TrainingThreads {
    pool: rayon::ThreadPool,
    /// Whether the idle workers spin while the run executes.
    keep_awake: bool,
}

impl TrainingThreads {
    /// A pool for training on `backend`: `RAYON_NUM_THREADS` threads when set, else one per
    /// logical CPU (one on ndarray).
    pub fn for_backend(backend: Backend) -> anyhow::Result<Self> {
        let chosen = std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&n| n > 0);
        let threads = match (chosen, backend) {
            (Some(n), _) => n,
            (None, Backend::Ndarray) => 1,
            (None, _) => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("train-{i}"))
            .start_handler(|_| float_mode::flush_denormals_on_this_thread())
            .build()?;
        Ok(Self {
            pool,
            keep_awake: backend == Backend::Flex,
        })
    }

    /// Worker threads.
    pub fn count(&self) -> usize {
        self.pool.current_num_threads()
    }

    /// Runs `work` on the pool's first worker, the others awake until it returns.
    pub fn run<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        self.pool.install(|| {
            let _awake = self.keep_awake.then(|| Spinners::start(self.count() - 1));
            work()
        })
    }
}

/// Jobs that hold the other workers of the current pool in a loop of `yield_now`.
struct Spinners {
    stop: Arc<AtomicBool>,
    running: Arc<AtomicUsize>,
}

impl Spinners {
    /// Starts `count` spinners and returns once all of them run. Waiting matters: a spinner
    /// still queued could be picked up by the calling worker itself while it waits on its own
    /// work, and would then never give that worker back.
    fn start(count: usize) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let running = Arc::new(AtomicUsize::new(0));
        for _ in 0..count {
            let (stop, running) = (Arc::clone(&stop), Arc::clone(&running));
            rayon::spawn(move || {
                running.fetch_add(1, Ordering::SeqCst);
                while !stop.load(Ordering::Relaxed) {
                    if rayon::yield_now() != Some(rayon::Yield::Executed) {
                        std::hint::spin_loop();
                    }
                }
                running.fetch_sub(1, Ordering::SeqCst);
            });
        }
        while running.load(Ordering::SeqCst) < count {
            std::thread::yield_now();
        }
        Self { stop, running }
    }
}

impl Drop for Spinners {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        while self.running.load(Ordering::SeqCst) > 0 {
            std::thread::yield_now();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use rayon::prelude::*;

    use super::*;

    #[test]
    fn the_training_workers_flush_denormals() {
        let threads = TrainingThreads::for_backend(Backend::Flex).expect("pool");
        let flushed = threads.run(|| {
            rayon::broadcast(|_| float_mode::flushes_denormals())
                .into_iter()
                .all(|flushes| flushes)
        });
        assert_eq!(
            flushed,
            cfg!(any(target_arch = "x86_64", target_arch = "aarch64"))
        );
    }

    #[test]
    fn parallel_work_runs_on_the_awake_workers_and_the_spinners_stop() {
        let threads = TrainingThreads {
            pool: rayon::ThreadPoolBuilder::new()
                .num_threads(3)
                .build()
                .expect("pool"),
            keep_awake: true,
        };
        let seen_by = |workers: &std::sync::Mutex<std::collections::HashSet<_>>| {
            workers.lock().map_or(0, |w| w.len())
        };
        for _ in 0..3 {
            let (sum, workers) = threads.run(|| {
                let workers = std::sync::Mutex::new(std::collections::HashSet::new());
                let sum: u64 = (0..200_000u32)
                    .into_par_iter()
                    .with_max_len(1_000)
                    .map(|i| {
                        if let Ok(mut seen) = workers.lock() {
                            seen.insert(rayon::current_thread_index());
                        }
                        // The first item waits for a second worker, so that a loaded machine
                        // (other tests on both cores) cannot finish the work on one thread
                        // before a spinner is scheduled; one that never comes fails below.
                        let deadline = Instant::now() + Duration::from_secs(10);
                        while i == 0 && seen_by(&workers) < 2 && Instant::now() < deadline {
                            std::thread::yield_now();
                        }
                        u64::from(i)
                    })
                    .sum();
                (sum, seen_by(&workers))
            });
            assert_eq!(sum, 200_000 * 199_999 / 2);
            assert!(workers >= 2, "the spinning workers took part ({workers})");
        }
        assert!(
            !threads.run(float_mode::flushes_denormals),
            "a pool built by hand, without the start handler, keeps the default mode"
        );
        // Each run's spinners have returned: the pool is free for a plain job.
        assert_eq!(threads.pool.install(|| 7), 7);
    }
}

//! What the training steps ask of the kernel, counted inside the process (`getrusage`, all
//! threads): minor page faults and voluntary and involuntary context switches per step, over
//! the training passes after the first one of the process (whose steps fault the working set
//! in), validation and checkpoint writes left out, as `scripts/pytorch_mlp.py --counters`
//! counts PyTorch's. These counts travel between hosts where seconds do not.

use std::ffi::c_long;

use serde::Serialize;

/// Kernel work per training step, in `summary.json` (`steady_state`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PerStep {
    /// The steps counted.
    pub steps: usize,
    /// Minor page faults (fresh pages the kernel had to map) per step.
    pub minor_faults: f64,
    /// Times per step a thread slept (on a lock, a futex, I/O) and had to be woken.
    pub voluntary_switches: f64,
    /// Times per step a thread was preempted.
    pub involuntary_switches: f64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Usage {
    minor_faults: c_long,
    voluntary: c_long,
    involuntary: c_long,
}

#[cfg(unix)]
fn usage() -> Option<Usage> {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF).ok()?;
    Some(Usage {
        minor_faults: usage.minor_page_faults(),
        voluntary: usage.voluntary_context_switches(),
        involuntary: usage.involuntary_context_switches(),
    })
}

#[cfg(not(unix))]
fn usage() -> Option<Usage> {
    None
}

/// Sums the kernel work of the training passes after the first.
#[derive(Debug, Default)]
pub struct StepCounter {
    passes: usize,
    steps: usize,
    total: Usage,
    unavailable: bool,
}

impl StepCounter {
    /// Runs one training pass of `steps` steps, counting it unless it is the process's first.
    pub fn pass<T>(&mut self, steps: usize, pass: impl FnOnce() -> T) -> T {
        let before = usage();
        let result = pass();
        let first = self.passes == 0;
        self.passes += 1;
        match (before, usage()) {
            (Some(before), Some(after)) if !first => {
                self.steps += steps;
                self.total.minor_faults += after.minor_faults - before.minor_faults;
                self.total.voluntary += after.voluntary - before.voluntary;
                self.total.involuntary += after.involuntary - before.involuntary;
            }
            (Some(_), Some(_)) => {}
            _ => self.unavailable = true,
        }
        result
    }

    /// The counts per step, once a pass after the first has been counted.
    pub fn per_step(&self) -> Option<PerStep> {
        if self.unavailable || self.steps == 0 {
            return None;
        }
        let per_step = |count: c_long| count as f64 / self.steps as f64;
        Some(PerStep {
            steps: self.steps,
            minor_faults: per_step(self.total.minor_faults),
            voluntary_switches: per_step(self.total.voluntary),
            involuntary_switches: per_step(self.total.involuntary),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_pass_is_left_out_and_fresh_pages_are_counted() {
        let mut counter = StepCounter::default();
        counter.pass(10, || ());
        assert_eq!(counter.per_step(), None, "only the first pass so far");
        // 64 MiB touched page by page: 16 384 fresh pages, or 32 where transparent huge pages
        // back them.
        let touched = counter.pass(1, || {
            let mut pages = vec![0u8; 64 << 20];
            for page in pages.chunks_mut(4096) {
                page[0] = 1;
            }
            pages.iter().map(|&b| usize::from(b)).sum::<usize>()
        });
        assert_eq!(touched, (64 << 20) / 4096);
        let counted = counter.per_step().expect("getrusage works here");
        assert_eq!(counted.steps, 1);
        assert!(counted.minor_faults >= 16.0, "{counted:?}");
        assert!(counted.voluntary_switches >= 0.0 && counted.involuntary_switches >= 0.0);
    }
}

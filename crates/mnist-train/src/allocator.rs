//! `train`'s global allocator: mimalloc, told to keep the memory it has been given.
//!
//! A training step allocates and frees the same tensors (0.1–1 MB each) every time. glibc's
//! malloc serves those with fresh mmap'd pages, zeroed by the kernel on first touch: mimalloc
//! reuses them, which made an epoch 30–40 % faster on the reference machine. By default it
//! still hands pages that stay free for a moment back to the kernel ("purging"), and the next
//! step faults them in again: 1–3 page faults a step, and a VM charges for each (with
//! transparent huge pages one fault can zero 2 MB). Training's memory is a fixed working set
//! reached in the first steps, so nothing is purged.

use libmimalloc_sys::{mi_option_set, mi_option_t};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `mi_option_purge_delay` in mimalloc 3's `mimalloc.h` (the Rust bindings lack the constant).
const PURGE_DELAY: mi_option_t = 15;

/// Stops mimalloc from returning freed pages to the kernel.
pub fn keep_freed_memory() {
    // SAFETY: `mi_option_set` stores an integer option of the allocator; it is thread-safe,
    // takes no pointers, and -1 is the documented value for "never purge".
    #[allow(unsafe_code)]
    unsafe {
        mi_option_set(PURGE_DELAY, -1);
    }
}

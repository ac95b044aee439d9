//! Denormal floats flushed to zero on the training threads.
//!
//! As training goes on, some values fall below `f32::MIN_POSITIVE` (1.2e-38): a confident
//! softmax's probabilities of the wrong classes, their gradients, and Adam's moments of weights
//! whose gradient is rarely non-zero (MNIST's border pixels), which shrink by β each step. On
//! Intel cores an arithmetic instruction with such a denormal operand or result takes a
//! microcode assist of ≈ 100 cycles, and they reach every matmul of the backward pass: on the
//! Intel Xeon VM of BENCHMARKS.md an epoch at batch 128 went from 0.57 s in the first two epochs
//! to 0.73 s from the third on (AMD's cores handle denormals in hardware and barely slow down).
//! With the CPU told to treat denormal inputs as zero and to write zero instead of a denormal
//! result (x86's MXCSR DAZ and FTZ bits, AArch64's FPCR FZ), every epoch runs at the first
//! epochs' speed; TensorFlow's CPU threads run this way by default, PyTorch's on request
//! (`torch.set_flush_denormal`).
//!
//! What it changes: values below 1.2e-38, some thirty orders of magnitude under the gradients
//! this model learns from, become exactly zero; losses and accuracies are the same to every
//! printed digit, and a seeded run still repeats exactly (BENCHMARKS.md, "The Intel Xeon VM:
//! denormal floats"). Only the training threads change mode, at their start, before they do
//! any arithmetic, and keep it for their whole life: Rust assumes the default mode when it
//! folds float constants at compile time, so a value folded by the compiler can differ from
//! the same value computed on these threads by a denormal.

/// Sets the calling thread to flush denormals to zero (no-op where the CPU has no such mode).
pub fn flush_denormals_on_this_thread() {
    imp::flush_denormals();
}

/// Whether the calling thread flushes denormals to zero.
pub fn flushes_denormals() -> bool {
    // A denormal computed at run time (`black_box` stops the compiler from folding it).
    let tiny = std::hint::black_box(f32::MIN_POSITIVE) / std::hint::black_box(4.0);
    tiny == 0.0
}

#[cfg(target_arch = "x86_64")]
mod imp {
    /// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6) flags.
    const FTZ_DAZ: u32 = (1 << 15) | (1 << 6);

    pub fn flush_denormals() {
        let mut mxcsr = 0u32;
        // SAFETY: `stmxcsr`/`ldmxcsr` read and write this thread's SSE control register through
        // a pointer to a local; only the two flush flags change (see the module doc).
        #[allow(unsafe_code)]
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &raw mut mxcsr, options(nostack));
            mxcsr |= FTZ_DAZ;
            std::arch::asm!("ldmxcsr [{}]", in(reg) &raw const mxcsr, options(nostack));
        }
    }
}

#[cfg(target_arch = "aarch64")]
mod imp {
    /// FPCR's flush-to-zero flag (bit 24), which covers inputs and results.
    const FZ: u64 = 1 << 24;

    pub fn flush_denormals() {
        // SAFETY: reads and writes this thread's floating-point control register; only the
        // flush flag changes (see the module doc).
        #[allow(unsafe_code)]
        unsafe {
            let fpcr: u64;
            std::arch::asm!("mrs {}, fpcr", out(reg) fpcr, options(nomem, nostack));
            std::arch::asm!("msr fpcr, {}", in(reg) fpcr | FZ, options(nomem, nostack));
        }
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod imp {
    pub fn flush_denormals() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_thread_flushes_denormals_once_set_and_others_do_not() {
        let set = std::thread::spawn(|| {
            flush_denormals_on_this_thread();
            flushes_denormals()
        });
        let untouched = std::thread::spawn(flushes_denormals);
        assert_eq!(
            set.join().ok(),
            Some(cfg!(any(target_arch = "x86_64", target_arch = "aarch64")))
        );
        assert_eq!(untouched.join().ok(), Some(false));
    }
}

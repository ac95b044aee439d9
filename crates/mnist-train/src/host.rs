//! Where a run's timings come from: the CPU model, the widest SIMD the kernels use on it and
//! the training threads, printed at the start and kept in `summary.json`, so a figure someone
//! quotes says which machine made it.

use serde::Serialize;

/// The machine a run trained on.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// The CPU's model name, e.g. "AMD EPYC 9R14" ("unknown" where the OS does not say).
    pub cpu: String,
    /// The widest vector instructions the CPU offers the matmul and Adam kernels, which pick
    /// their code path at run time: `avx512`, `avx2`, `sse2` or `neon`.
    pub simd: &'static str,
    /// Training threads (rayon workers).
    pub threads: usize,
    /// Whether those threads flush denormal floats to zero (`float_mode.rs`), which on Intel
    /// cores decides how fast the later epochs run.
    pub flush_denormals: bool,
}

impl Host {
    /// This machine, training on `threads` threads that flush denormals or not.
    pub fn detect(threads: usize, flush_denormals: bool) -> Self {
        Self {
            cpu: cpu_model().unwrap_or_else(|| "unknown".into()),
            simd: simd_level(),
            threads,
            flush_denormals,
        }
    }
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}), {} threads", self.cpu, self.simd, self.threads)?;
        if self.flush_denormals {
            write!(f, ", denormals flushed to zero")?;
        }
        Ok(())
    }
}

fn cpu_model() -> Option<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    cpuinfo
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            matches!(key.trim(), "model name" | "Model" | "Hardware").then(|| value.trim())
        })
        .filter(|name| !name.is_empty())
        .map(str::to_owned)
}

#[cfg(target_arch = "x86_64")]
fn simd_level() -> &'static str {
    if std::arch::is_x86_feature_detected!("avx512f") {
        "avx512"
    } else if std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("fma")
    {
        "avx2"
    } else {
        "sse2"
    }
}

#[cfg(target_arch = "aarch64")]
fn simd_level() -> &'static str {
    "neon"
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
fn simd_level() -> &'static str {
    "scalar"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_is_described() {
        let host = Host::detect(2, false);
        assert!(!host.cpu.is_empty());
        assert!(["avx512", "avx2", "sse2", "neon", "scalar"].contains(&host.simd));
        assert!(host.to_string().ends_with(", 2 threads"), "{host}");
        let flushing = Host::detect(2, true).to_string();
        assert!(
            flushing.ends_with(", 2 threads, denormals flushed to zero"),
            "{flushing}"
        );
    }
}
